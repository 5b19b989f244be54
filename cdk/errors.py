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
    """One problem: its stable id, where it is, what is wrong, and how to fix it.

    The one finding type of agentid: the schema and YAML layers (``AgentId-Schema``,
    ``AgentId-File``, ...), the rule pack (``AgentId-<Rule>``, stamped by
    :mod:`cdk.checks.engine`) and the review gates (:class:`Gate`,
    ``AgentId-Review-...``) all report one. ``path`` is the path in the identities
    file (``()`` for the whole file), ``location`` its ``FILE:LINE:COL`` where known.
    """

    id: str
    path: Path
    message: str
    fix: str = ""
    location: Location | None = field(default=None, compare=False)

    def render(self) -> str:
        """One ``FILE:LINE:COL: path: message — fix [id]`` line."""
        where = f"{self.location}: " if self.location else ""
        text = self.message if not self.fix else f"{self.message} — {self.fix}"
        return f"{where}{format_path(self.path)}: {text} [{self.id}]"


@dataclass(frozen=True, init=False)
class Gate(Finding):
    """A failed review gate: a :class:`Finding` plus what the review packet shows with it.

    A gate judges a change (base against head), not one file, so it names the agent
    it concerns (``None``: the file or its ``defaults``) instead of a path in either
    file, and carries two texts a finding does not need: an ``example`` of the fix
    to copy, and a one-line ``summary`` for the packet's gate list when ``message``
    repeats a list the packet shows below it (empty otherwise).
    """

    agent: str | None = None
    example: str = ""
    summary: str = ""

    def __init__(self, id: str, agent: str | None, message: str, fix: str,
                 example: str = "", summary: str = "") -> None:
        super().__init__(id, (), message, fix)
        object.__setattr__(self, "agent", agent)
        object.__setattr__(self, "example", example)
        object.__setattr__(self, "summary", summary)


class AgentIdError(Exception):
    """Base of every error caused by user input or environment, not by a bug."""


class InputError(AgentIdError):
    """The identities file is unreadable, malformed or violates a rule.

    Carries every finding at once, so one run reports all problems.
    """

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = sorted(
            findings,
            key=lambda f: (f.location or Location("", 0, 0), format_path(f.path), f.id),
        )
        super().__init__("\n".join(f.render() for f in self.findings))


class UsageError(AgentIdError):
    """A command was called with arguments that cannot work (exit 2)."""


class MissingExtraError(AgentIdError):
    """A record uses a cloud whose provider bindings are not installed."""
