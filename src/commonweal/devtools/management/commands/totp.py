"""`commonweal totp EMAIL`: the one-time code a staff account's authenticator app would show
now. For trying the demo without an authenticator app; refused in production (where the
devtools app is not installed at all)."""

import pyotp
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commonweal.accounts import selectors, services


class Command(BaseCommand):
    help = "Print the current one-time code of a staff account (not in production)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if settings.PRODUCTION:
            raise CommandError("Not in production: staff use their own authenticator app.")
        device = selectors.totp_device_of(email=services.normalise_email(email))
        if device is None:
            raise CommandError(f"{email} has no authenticator app set up.")
        self.stdout.write(pyotp.TOTP(services.totp_secret(device)).now())
