"""`commonweal plugins`: every plugin registry, what is registered in it, and every domain
event with its listeners, so an operator can see what a deployment has wired in."""

from django.core.management.base import BaseCommand

from commonweal.core import events
from commonweal.core.registry import describe, registries


class Command(BaseCommand):
    help = "List every plugin registry and what is registered in it, and the event listeners."

    def handle(self, *args, **options):
        for registry in registries():
            self.stdout.write(self.style.MIGRATE_HEADING(f"{registry.name}"))
            self.stdout.write(f"  {registry.description}")
            if not len(registry):
                self.stdout.write("  (nothing registered)")
            for name, item in registry.items():
                self.stdout.write(f"  {name:<28} {describe(item)}")
        self.stdout.write(self.style.MIGRATE_HEADING("events"))
        for subscription in events.subscriptions():
            when = "after commit" if subscription.after_commit else "in the transaction"
            self.stdout.write(
                f"  {subscription.event_type.__module__}.{subscription.event_type.__qualname__}"
                f" -> {describe(subscription.listener)} ({when})"
            )
