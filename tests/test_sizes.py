"""Rooms of a sensible size (DESIGN.md §5): no module over 800 lines and no function over
100 lines (its def to its last line), so a module is split by area before it grows past
what one reader holds, and a long function becomes well-named steps.

Migrations, the development tools and the seed and bench code are not held to it: they are
generated, or data written as code."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "commonweal"
MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 100

EXCLUDED_DIRECTORIES = {"migrations", "devtools"}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        name = relative.as_posix()
        if EXCLUDED_DIRECTORIES & set(relative.parts[:-1]):
            continue
        yield name, path


def _too_big(name: str, path: Path) -> list[str]:
    """What in one module is over the limits, each named with its size."""
    text = path.read_text(encoding="utf-8")
    problems = []
    lines = len(text.splitlines())
    if lines > MAX_FILE_LINES:
        problems.append(f"{name}: {lines} lines (at most {MAX_FILE_LINES}; split it by area)")
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(
                    f"{name}:{node.lineno} {node.name}: {length} lines "
                    f"(at most {MAX_FUNCTION_LINES}; make it well-named steps)"
                )
    return problems


def test_no_module_or_function_is_over_the_limit():
    problems = [problem for name, path in _modules() for problem in _too_big(name, path)]
    assert not problems, "Over the size limits:\n" + "\n".join(problems)


def test_the_walk_finds_the_modules():
    """A guard for the test itself: it reads the project, and leaves out what it should."""
    names = {name for name, _path in _modules()}
    assert "messaging/services/__init__.py" in names
    assert "cases/selectors/citizen.py" in names
    assert not any("migrations/" in name or name.startswith("devtools/") for name in names)
    assert "cases/referrals.py" in names


def test_a_module_or_function_over_the_limit_is_named(tmp_path):
    """The limits bite: a module of 801 lines and a function of 101 are both reported."""
    body = "\n".join(f"    x{n} = {n}" for n in range(100))
    module = tmp_path / "big.py"
    module.write_text("def long():\n" + body + "\n" + "\n" * 700, encoding="utf-8")
    problems = _too_big("big.py", module)
    assert any("801 lines" in problem for problem in problems)
    assert any("long: 101 lines" in problem for problem in problems)
