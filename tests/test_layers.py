"""Our own import-linter contract (`tools/import_contracts.py`) does what `make test` relies
on: between apps only public modules, named exceptions and the tools layer allowed."""

from __future__ import annotations

import grimp

from tools.import_contracts import PublicSurfaceContract


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_module(importer)
        graph.add_module(imported)
        graph.add_import(
            importer=importer, imported=imported, line_number=3, line_contents="import x"
        )
    return graph


def _contract(**options) -> PublicSurfaceContract:
    return PublicSurfaceContract(
        name="public surface",
        session_options={"root_packages": ["commonweal"]},
        contract_options={
            "apps": ["cases", "messaging", "portal", "devtools"],
            "also_public": ["commonweal.messaging.channels"],
            "exempt_importers": ["devtools"],
            **options,
        },
    )


def test_a_public_module_a_named_one_an_own_module_and_the_tools_are_allowed():
    graph = _graph(
        ("commonweal.portal.views", "commonweal.cases.selectors"),
        ("commonweal.portal.views", "commonweal.cases.services.referrals"),
        ("commonweal.messaging.apps", "commonweal.cases.events"),
        ("commonweal.devtools.seed", "commonweal.cases.models"),
        ("commonweal.messaging.delivery", "commonweal.messaging.models"),
        ("commonweal.cases.apps", "commonweal.messaging.channels.basic"),
        ("commonweal.cases.migrations.0001_initial", "commonweal.messaging.models"),
    )
    check = _contract().check(graph, verbose=False)
    assert check.kept, check.metadata


def test_another_apps_private_module_breaks_it_naming_the_import_and_line():
    graph = _graph(
        ("commonweal.portal.views", "commonweal.cases.models"),
        ("commonweal.cases.selectors", "commonweal.messaging.letters"),
    )
    check = _contract().check(graph, verbose=False)
    assert not check.kept
    assert check.metadata["breaches"] == [
        ("commonweal.cases.selectors", "commonweal.messaging.letters", [3]),
        ("commonweal.portal.views", "commonweal.cases.models", [3]),
    ]


def test_an_ignored_import_is_allowed_and_only_that_one():
    graph = _graph(
        ("commonweal.portal.views", "commonweal.cases.models"),
        ("commonweal.portal.forms", "commonweal.cases.models"),
    )
    check = _contract(ignore_imports=["commonweal.portal.views -> commonweal.cases.models"]).check(
        graph, verbose=False
    )
    assert [breach[0] for breach in check.metadata["breaches"]] == ["commonweal.portal.forms"]
