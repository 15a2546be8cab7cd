"""Our own import-linter contract: a domain's public surface.

Between apps, only a domain's public modules may be imported: `services`, `selectors`,
`events` and `registry` (and their submodules, when the module is a package), plus any
module the owning app names public in the contract's `also_public` list (for example the
rules' expression language). Everything else in an app is its own business. Imports within
an app, imports by migrations and imports by the apps in `exempt_importers` (the top
layer's tools) are not checked.
"""

from __future__ import annotations

from importlinter.application import contract_utils, output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck

PUBLIC_NAMES = ("services", "selectors", "events", "registry")


class PublicSurfaceContract(Contract):
    type_name = "public_surface"

    apps = fields.ListField(subfield=fields.StringField())
    also_public = fields.ListField(subfield=fields.StringField(), required=False)
    exempt_importers = fields.ListField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def _app_of(self, module: str) -> str | None:
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in self.apps:  # type: ignore[operator]
            return None
        return parts[1]

    def _is_public(self, module: str) -> bool:
        parts = module.split(".")
        if len(parts) >= 3 and parts[2] in PUBLIC_NAMES:
            return True
        return any(
            module == name or module.startswith(name + ".")
            for name in (self.also_public or [])  # type: ignore[union-attr]
        )

    def check(self, graph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        breaches = []
        for importer in sorted(graph.modules):
            importer_app = self._app_of(importer)
            if ".migrations" in importer:
                continue
            if importer.split(".")[1:2] and importer.split(".")[1] in (
                self.exempt_importers or []  # type: ignore[operator]
            ):
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                imported_app = self._app_of(imported)
                if imported_app is None or imported_app == importer_app:
                    continue
                if importer_app is None and not importer.startswith("commonweal."):
                    continue
                if self._is_public(imported) or imported == f"commonweal.{imported_app}":
                    continue
                lines = sorted(
                    detail["line_number"]
                    for detail in graph.get_import_details(importer=importer, imported=imported)
                )
                breaches.append((importer, imported, lines))
        return ContractCheck(
            kept=not breaches,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"breaches": breaches},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, lines in check.metadata["breaches"]:
            where = ", ".join(f"l.{line}" for line in lines)
            output.print_error(f"- {importer} -> {imported} ({where})", bold=False)
        output.new_line()
