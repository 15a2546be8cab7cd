"""`commonweal people import --source NAME FILE`, `people link`, `people links --format csv`."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commonweal.core.csvfiles import csv_writer
from commonweal.personindex import linkage, selectors, services


def _set_aside_total(batch) -> int:
    return sum(sum(reasons.values()) for reasons in batch.set_aside.values())


class Command(BaseCommand):
    help = "The person index: import records from other systems, link them, list the links."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser(
            "import", help="Import person records (CSV or Parquet) from one source system"
        )
        importing.add_argument("--source", required=True, help="The system the file came from")
        importing.add_argument("file", metavar="FILE")
        importing.add_argument(
            "--format", choices=["csv", "parquet"], help="Default: from the file's extension"
        )
        actions.add_parser(
            "import-platform",
            help="Import the platform's own people as the source 'commonweal' (ids: Person ids)",
        )
        linking = actions.add_parser("link", help="Link every record into people (Splink)")
        linking.add_argument("--match-threshold", type=float, default=linkage.MATCH_THRESHOLD)
        linking.add_argument("--review-threshold", type=float, default=linkage.REVIEW_THRESHOLD)
        linking.add_argument(
            "--model", help="A saved model (JSON) to use instead of training a new one"
        )
        linking.add_argument("--save-model", help="Write the trained model to this JSON file")
        links = actions.add_parser("links", help="Write source, source_id, person_id per record")
        links.add_argument("--format", choices=["csv"], default="csv")

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action.replace('-', '_')}")(**options)

    def handle_import(self, *, source, file, format, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            batch = services.records_import(source=source, path=path, file_format=format)
        except services.FileRefused as refused:
            raise CommandError(f"{file}: {refused}") from refused
        for error in batch.errors:
            self.stderr.write(f"{file}:{error['line']}: {error['reason']}")
        if batch.rejected > len(batch.errors):
            self.stderr.write(f"… and {batch.rejected - len(batch.errors)} more rows refused")
        for line in batch.set_aside_lines:
            self.stderr.write(f"{file}:{line['line']}: set aside, the rest kept: {line['reason']}")
        self.stdout.write(
            f"{file}: {batch.imported} records imported from {source}, "
            f"{batch.rejected} rows refused, {_set_aside_total(batch)} fields set aside"
        )
        self._set_aside_counts(batch)

    def _set_aside_counts(self, batch):
        for field, reasons in batch.set_aside.items():
            for reason, count in reasons.items():
                self.stdout.write(f"  {field} set aside on {count} records: {reason}")

    def handle_import_platform(self, **options):
        batch = services.platform_people_import()
        for error in batch.errors:
            self.stderr.write(f"people export, line {error['line']}: {error['reason']}")
        self.stdout.write(
            f"{batch.imported} of the platform's people imported as "
            f"'{services.PLATFORM_SOURCE}', {batch.rejected} refused, "
            f"{_set_aside_total(batch)} fields set aside"
        )
        self._set_aside_counts(batch)

    def handle_link(self, *, match_threshold, review_threshold, model, save_model, **options):
        if not 0 < review_threshold <= match_threshold < 1:
            raise CommandError("The thresholds must be 0 < review ≤ match < 1")
        trained = None
        if model:
            try:
                trained = json.loads(Path(model).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(f"{model}: cannot read the model ({error})") from error
        result = services.index_link(
            match_threshold=match_threshold, review_threshold=review_threshold, model=trained
        )
        run = result.run
        if save_model:
            Path(save_model).write_text(json.dumps(run.model, indent=2), encoding="utf-8")
        summary = run.summary
        self.stdout.write(
            f"Linkage run {run.pk}: {run.records} records into {run.people} people; "
            f"{run.pairs_scored} pairs scored; {summary['new_people']} new people, "
            f"{summary['merges']} merges, {summary['splits']} splits, {summary['moves']} moves; "
            f"{summary['queued_for_review']} pairs queued for review"
        )
        self.stdout.write(
            "Time: "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items())
        )

    def handle_links(self, **options):
        # Source ids come from other systems' files: kept from running as formulas.
        writer = csv_writer(self.stdout, line_end="\n")
        writer.writerow(["source", "source_id", "person_id"])
        for source, source_id, person_id in selectors.links_rows():
            writer.writerow([source, source_id, "" if person_id is None else person_id])
