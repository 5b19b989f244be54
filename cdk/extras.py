"""Which provider bindings a file needs, and a clear error when one is missing.

Each target's bindings are an extra named after it (``pip install 'agentid[aws]'``),
so a team that uses only AWS never downloads another cloud's hundreds of MB. The
check runs before anything is synthesized: a missing extra never leaves half an
output. What a target installs is :attr:`cdk.targets.Target.bindings`, and
pyproject.toml's ``[project.optional-dependencies]`` has one extra per target
(tests/test_targets.py holds them in step).
"""

from __future__ import annotations

import importlib.util

from .errors import MissingExtraError
from .model import IdentitiesFile
from .targets import needed, targets


def extras() -> dict[str, tuple[str, ...]]:
    """Extra -> the binding modules it installs, one per registered target."""
    return {t.name: t.bindings for t in targets()}


def needed_extras(identities: IdentitiesFile) -> list[str]:
    """Extras the file's stacks load, sorted: those of every target the foundation or
    some agent uses (:attr:`cdk.targets.Target.used_by`, ``in_foundation``)."""
    return sorted(t.name for t in needed(identities))


def installed(module: str) -> bool:
    """True when ``module`` can be imported (without importing it)."""
    return importlib.util.find_spec(module) is not None


def require_extras(identities: IdentitiesFile) -> None:
    """Raise :class:`MissingExtraError` naming every extra the file needs but lacks."""
    bindings = extras()
    missing = [extra for extra in needed_extras(identities)
               if not all(installed(module) for module in bindings[extra])]
    if missing:
        spec = ",".join(missing)
        raise MissingExtraError(
            f"the records use {', '.join(missing)} but the provider bindings are not "
            f"installed — pip install 'agentid[{spec}]' (or 'agentid[all]')"
        )
