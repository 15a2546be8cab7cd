"""Every function in a domain's `services` or `selectors` module says what it takes and what
it gives back (type hints on every parameter and the return), so `mypy` in `make test`
checks the public surface and its callers."""

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "src" / "commonweal"


def surface_modules() -> list[Path]:
    patterns = ["*/services.py", "*/services/*.py", "*/selectors.py", "*/selectors/*.py"]
    return sorted({path for pattern in patterns for path in SOURCE.glob(pattern)})


def unannotated(source: str) -> list[tuple[int, str]]:
    """The functions (line, name) with a parameter or the return left without a hint."""
    missing = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        arguments = node.args
        parameters = [
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            *[a for a in (arguments.vararg, arguments.kwarg) if a is not None],
        ]
        bare = [p.arg for p in parameters if p.annotation is None and p.arg not in ("self", "cls")]
        if bare or node.returns is None:
            missing.append((node.lineno, node.name))
    return missing


def test_the_check_finds_a_function_without_hints():
    source = (
        "def typed(*, case_id: int) -> None: ...\n"
        "def no_return(*, case_id: int): ...\n"
        "def no_parameter(case_id) -> None: ...\n"
        "class Page:\n"
        "    def sees(self, part) -> bool: ...\n"
    )
    assert unannotated(source) == [(2, "no_return"), (3, "no_parameter"), (5, "sees")]


def test_every_service_and_selector_has_type_hints():
    modules = surface_modules()
    assert len(modules) > 30  # the glob found the domains' modules
    missing = [
        f"{path.relative_to(SOURCE)}:{line} {name}"
        for path in modules
        for line, name in unannotated(path.read_text())
    ]
    assert not missing, "Functions without type hints:\n" + "\n".join(missing)
