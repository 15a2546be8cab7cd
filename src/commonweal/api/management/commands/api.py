"""`commonweal api schema`: print the OpenAPI document; `commonweal api key ORG NAME SCOPE…`:
make an API key for an organisation (shown once)."""

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "The REST API: its OpenAPI document, and keys for integrations."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("schema", help="Print the OpenAPI document (JSON)")
        key = actions.add_parser("key", help="Make an API key for an organisation")
        key.add_argument("organisation", help="The organisation's slug")
        key.add_argument("name", help="What the key is for, e.g. 'Call centre'")
        from commonweal.api.models import ApiKey

        key.add_argument(
            "scopes",
            nargs="+",
            help="One or more of: "
            + "; ".join(f"{value} ({label})" for value, label in ApiKey.Scope.choices),
        )

    def handle(self, *args, action, **options):
        if action == "schema":
            from commonweal.api.api import api

            self.stdout.write(json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True))
            return
        from commonweal.api import services
        from commonweal.organisations import selectors as organisations

        organisation = organisations.organisation_by_slug(slug=options["organisation"])
        if organisation is None:
            raise CommandError(f"No organisation {options['organisation']!r}")
        try:
            key, token = services.api_key_create(
                organisation=organisation, name=options["name"], scopes=options["scopes"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{key.name} for {organisation.name}: {token}")
        self.stdout.write("Keep it safe: it is not shown again.")
