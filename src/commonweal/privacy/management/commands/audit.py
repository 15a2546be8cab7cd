"""`commonweal audit verify`: seal what is waiting, then check the access log's hash chain.

Exits 0 with "chain intact: N records, M seals" (and the head hash, to keep somewhere
else: a copy outside the database shows whether the whole chain was rewritten), or 1
naming the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from commonweal.privacy import selectors, services


class Command(BaseCommand):
    help = "Check the access log's hash chain (verify)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser("verify", help="Seal waiting records, then check the chain")
        verify.add_argument(
            "--no-seal", action="store_true", help="Check only; do not seal waiting records"
        )

    def handle(self, *args, action, **options):
        if action == "verify":
            self.verify(no_seal=options["no_seal"])

    def verify(self, *, no_seal: bool) -> None:
        sealed = 0
        if not no_seal:
            sealed = sum(seal.record_count for seal in services.access_log_seal())
        result = selectors.access_log_verify()
        if not result.intact:
            raise CommandError(
                f"chain broken: {result.problem} "
                f"({result.records} records in {result.seals} seals checked before it)",
                returncode=1,
            )
        if sealed:
            self.stdout.write(f"sealed {sealed} waiting records")
        if result.unsealed:
            self.stdout.write(f"{result.unsealed} records still being written, not yet sealed")
        self.stdout.write(
            f"chain intact: {result.records} records, {result.seals} seals (head {result.head})"
        )
