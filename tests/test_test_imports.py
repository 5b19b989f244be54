"""No test module imports another test module.

GIVEN every tests/**/test_*.py, WHEN its imports (relative or absolute, at any
depth) are resolved, THEN none names a ``test_*`` module: what tests share lives in
helper modules (tests/records.py, tests/gates.py, tests/review/helpers.py, ...), so
collecting or deselecting one test module never runs or imports another's.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parent


# Every statement sits in a list of one of these (a body, ``orelse``, ``finalbody``,
# ``handlers``, ``cases``): an import, a statement, is never inside an expression.
_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


def _statements(tree: ast.AST) -> Iterator[ast.AST]:
    """Every statement of ``tree`` at any depth, without walking its expressions."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, _HOLDERS))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every module ``path`` imports, relative ones resolved."""
    package = list(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in _statements(ast.parse(path.read_text(), str(path))):
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



def test_the_statement_walk_misses_no_statement() -> None:
    # GIVEN imports nested in every kind of block; WHEN only statements are walked
    # THEN every statement ast.walk finds is there, the nested imports with them
    tree = ast.parse(
        "def f():\n    try:\n        pass\n    except Exception:\n"
        "        with open('x'):\n            if True:\n                import tests.test_a\n"
        "    else:\n        from . import test_b\n    finally:\n"
        "        match 1:\n            case 1:\n                from .test_c import x\n"
        "class C:\n    async def g(self):\n        async for _ in y:\n"
        "            import tests.test_d\n")
    every = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    walked = [n for n in _statements(tree) if isinstance(n, ast.stmt)]
    assert sorted(map(id, walked)) == sorted(map(id, every))
    assert sum(isinstance(n, (ast.Import, ast.ImportFrom)) for n in walked) == 4
