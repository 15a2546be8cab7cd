"""`commonweal templates load`: add any missing default message templates."""

from django.core.management.base import BaseCommand

from commonweal.messaging import services


class Command(BaseCommand):
    help = "Message templates. `load` adds version 1 of any default template that is missing."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["load"])

    def handle(self, *args, action, **options):
        made = services.templates_load()
        self.stdout.write(f"{made} templates added; the others were already there.")
