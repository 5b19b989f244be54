"""One exception hierarchy for everything a user can get wrong.

The CLI catches :class:`AgentIdError`, prints its message to stderr and exits 1.
Anything else escaping is a bug in agentid, never the user's input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """Render ``("agents", 2, "expires")`` as ``agents[2].expires``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(file)"


@dataclass(frozen=True, order=True)
class Location:
    """Where in a file a problem is: 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Finding:
    """One problem with the input: where, what is wrong, and how to fix it.

    ``rule`` is a stable id (``AgentId-...``) for rule-pack findings and the
    schema/YAML layer's own ids for structural problems.
    """

    rule: str
    path: Path
    message: str
    hint: str = ""
    location: Location | None = field(default=None, compare=False)

    def render(self) -> str:
        """One ``FILE:LINE:COL: path: message — hint [rule]`` line."""
        where = f"{self.location}: " if self.location else ""
        text = self.message if not self.hint else f"{self.message} — {self.hint}"
        return f"{where}{format_path(self.path)}: {text} [{self.rule}]"


class AgentIdError(Exception):
    """Base of every error caused by user input or environment, not by a bug."""


class InputError(AgentIdError):
    """The identities file is unreadable, malformed or violates a rule.

    Carries every finding at once, so one run reports all problems.
    """

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = sorted(
            findings,
            key=lambda f: (f.location or Location("", 0, 0), format_path(f.path), f.rule),
        )
        super().__init__("\n".join(f.render() for f in self.findings))


class UsageError(AgentIdError):
    """A command was called with arguments that cannot work (exit 2)."""


class MissingExtraError(AgentIdError):
    """A record uses a cloud whose provider bindings are not installed."""
