"""No test module imports another test module.

GIVEN every tests/**/test_*.py, WHEN its imports (relative or absolute, at any
depth) are resolved, THEN none names a ``test_*`` module: what tests share lives in
helper modules (tests/records.py, tests/gates.py, tests/review/helpers.py, ...), so
collecting or deselecting one test module never runs or imports another's.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every module ``path`` imports, relative ones resolved."""
    package = list(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = [*base, *(node.module.split(".") if node.module else [])]
            found.append((node.lineno, ".".join(module)))
            # `from . import test_x` imports a module by its name.
            found += [(node.lineno, ".".join([*module, alias.name])) for alias in node.names]
    return found


def test_no_test_module_imports_another() -> None:
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line}: imports {name}"
        for path in sorted(TESTS.rglob("test_*.py"))
        for line, name in imported_modules(path)
        if name.split(".")[0] == "tests" and name.split(".")[-1].startswith("test_")
        and (TESTS.parent / Path(*name.split("."))).with_suffix(".py").is_file()
    ]
    assert not offenders, "move what is shared into a helper module:\n" + "\n".join(offenders)


def test_the_check_resolves_relative_imports() -> None:
    source = TESTS / "checks" / "test_rules.py"
    names = {name for _, name in imported_modules(source)}
    assert "tests.checks.scope_cases" in names
    assert "tests.records" in names
