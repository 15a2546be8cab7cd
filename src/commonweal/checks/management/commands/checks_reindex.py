"""`commonweal checks_reindex`: rebuild the match-key index the matching checks use.

Run it after changing SECRET_KEY (the index holds keyed hashes) and once for cases made
before the checks were installed, or loaded in bulk by `commonweal seed`."""

from django.core.management.base import BaseCommand

from commonweal.checks import services


class Command(BaseCommand):
    help = "Rebuild the match-key index of every case for the matching checks."

    def handle(self, *args, **options):
        count = services.match_keys_reindex()
        self.stdout.write(f"Indexed {count} cases.")
