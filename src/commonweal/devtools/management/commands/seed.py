"""`commonweal seed`: fill the database with realistic people, applications and cases for the
caseworker workspace and its benchmark (1,000,000 cases take minutes on PostgreSQL)."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commonweal.devtools.seed import Seeder


class Command(BaseCommand):
    help = (
        "Add realistic people, submitted applications and cases (open and decided) to the "
        "database, with the demo services, organisations and staff. Running it again adds more."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases",
            type=int,
            default=10_000,
            help="cases to add, each with its application (default 10,000)",
        )
        parser.add_argument(
            "--people", type=int, default=None, help="people to add (default: half the cases)"
        )
        parser.add_argument(
            "--open-share",
            type=float,
            default=0.1,
            help="share of the cases still open (default 0.1); the rest are decided",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed, for the same data again"
        )
        parser.add_argument(
            "--batch-size", type=int, default=50_000, help="cases written per transaction"
        )

    def handle(self, *args, cases, people, open_share, seed: int, batch_size, **options):
        if people is None and cases is not None:
            people = max(1, cases // 2)
        for name, value in (("--cases", cases), ("--people", people), ("--batch-size", batch_size)):
            if value is None or value <= 0:
                raise CommandError(f"{name} must be a whole number above 0, not {value}.")
        if not 0 <= open_share <= 1:
            raise CommandError(f"--open-share must be from 0 to 1, not {open_share}.")
        verbosity = options.get("verbosity", 1)
        seeder = Seeder(
            people=people, cases=cases, open_share=open_share, seed=seed, batch_size=batch_size
        )
        with tqdm(
            total=cases,
            unit=" cases",
            unit_scale=True,
            disable=verbosity < 1,
            file=self.stderr._out,
            desc="Seeding",
        ) as bar:

            def progress(cases_done: int, people_done: int) -> None:
                bar.update(cases_done)

            try:
                result = seeder.run(progress=progress)
            except RuntimeError as error:
                raise CommandError(str(error)) from error
        if verbosity < 1:
            return
        if result.loaded_services:
            self.stdout.write("Loaded the demo services: " + ", ".join(result.loaded_services))
        if result.staff_created:
            self.stdout.write(f"Added {result.staff_created} staff accounts (@seed.example)")
        width = max(len(table) for table in result.rows)
        for table, count in result.rows.items():
            self.stdout.write(f"  {table:<{width}}  {count:>10,} rows")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {cases:,} cases ({seeder.open_total:,} open) for {people:,} people "
                f"in {result.seconds:.1f} s."
            )
        )
