"""`commonweal payments batch [--date YYYY-MM-DD] [--format NAME]`,
`commonweal payments reconcile FILE`, `commonweal payments formats`."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commonweal.payments import formats, services


class Command(BaseCommand):
    help = "Make the day's payment files, and reconcile the bank's reports."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        batching = actions.add_parser(
            "batch", help="Make the day's batch for every organisation with payments due"
        )
        batching.add_argument("--date", help="The batch day (default: today), YYYY-MM-DD")
        batching.add_argument(
            "--format", dest="format_name", help="A file format (default: the setting)"
        )
        reconciling = actions.add_parser(
            "reconcile", help="Mark a batch's payments paid or failed from the bank's CSV"
        )
        reconciling.add_argument("file", metavar="FILE")
        actions.add_parser("formats", help="List the payment file formats")

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_batch(self, date, format_name, **options):
        day = None
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        try:
            run = services.payment_batches_run(day=day, format_name=format_name)
        except formats.UnknownFormat as error:
            raise CommandError(str(error)) from None
        for batch in run.made:
            self.stdout.write(
                f"batch {batch.pk}: {batch.row_count} payments, {batch.total_pence} pence, "
                f"{services.payments_dir() / batch.file_name} sha256 {batch.sha256}"
            )
        for batch in run.existing:
            self.stdout.write(f"batch {batch.pk} already made for {batch.day}: nothing added")
        if not run.made and not run.existing:
            self.stdout.write("No payments due.")

    def handle_reconcile(self, file, **options):
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: cannot read the file ({error})") from None
        try:
            result = services.payment_batch_reconcile(content=content, by=None)
        except services.ReconciliationRefused as refused:
            for problem in refused.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(f"{file} was refused whole; nothing was changed") from None
        self.stdout.write(
            f"batch {result.batch.pk} reconciled: {result.paid} paid, {result.failed} failed"
        )

    def handle_formats(self, **options):
        for name in formats.format_names():
            self.stdout.write(name)
