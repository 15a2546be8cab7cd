"""`commonweal services import FILE`, `export SLUG`, `validate FILE`, `list`."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commonweal.catalogue import selectors, services
from commonweal.catalogue.yaml_io import DefinitionError, parse_definition


class Command(BaseCommand):
    help = "Import, export, validate and list service definitions (YAML)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser("import", help="Add a service version from a YAML file")
        importing.add_argument("files", nargs="+", metavar="FILE")
        importing.add_argument(
            "--draft", action="store_true", help="Keep it as a draft instead of publishing it"
        )
        exporting = actions.add_parser("export", help="Print a service's definition as YAML")
        exporting.add_argument("slug")
        exporting.add_argument("--version", type=int, help="A version number (default: published)")
        validating = actions.add_parser("validate", help="Check YAML files without importing")
        validating.add_argument("files", nargs="+", metavar="FILE")
        actions.add_parser("list", help="List the services and their versions")

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def _read(self, name: str) -> str:
        path = Path(name)
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{name}: cannot read the file ({error})") from error

    def _report(self, name: str, error: DefinitionError) -> None:
        for problem in error.problems:
            line = f":{problem.line}" if problem.line else ""
            where = f" (at {problem.where})" if problem.where else ""
            self.stderr.write(f"{name}{line}: {problem.message}{where}")

    def handle_import(self, files, draft, **options):
        failed = 0
        for name in files:
            try:
                version = services.service_import(yaml_text=self._read(name), publish=not draft)
            except DefinitionError as error:
                self._report(name, error)
                failed += 1
                continue
            self.stdout.write(
                f"{name}: {version.service.slug} version {version.number} ({version.status})"
            )
        if failed:
            raise CommandError(f"{failed} definition(s) were not imported")

    def handle_validate(self, files, **options):
        failed = 0
        for name in files:
            try:
                definition, _data = parse_definition(self._read(name))
            except DefinitionError as error:
                self._report(name, error)
                failed += 1
                continue
            self.stdout.write(f"{name}: {definition.slug} is valid")
        if failed:
            raise CommandError(f"{failed} definition(s) are not valid")

    def handle_export(self, slug, version, **options):
        text = selectors.service_export(slug=slug, version_number=version)
        if text is None:
            raise CommandError(f"No service '{slug}'" + (f" version {version}" if version else ""))
        sys.stdout.write(text if text.endswith("\n") else text + "\n")

    def handle_list(self, **options):
        for item in selectors.services_overview():
            self.stdout.write(item)
