"""Where the two sides of a review come from: a git revision or a file, validated.

A base is read as ``git show REV:<identities file>`` (``--base``) or from a path
(``--base-file``); the two never mix. Each side is validated with the current rules
through the one pipeline (:mod:`cdk.validation`); a side that cannot be planned is
kept with its findings, so the packet can say why instead of stopping at the first
error.
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from ..errors import AgentIdError, Finding, InputError, UsageError
from ..loader import read
from ..model import IdentitiesFile
from ..validation import check
from ..yamlsafe import Document, YamlError, decode, parse
from .gates import GATE_BASE_NAMES_FILE, HEAD_TOLERATED, TIME_RULES
from .packet import Side


def read_base_file(path: Path) -> tuple[str, Document]:
    """The base document from a file (``--base-file``)."""
    if not path.is_file():
        raise UsageError(f"--base-file {str(path)!r} is not a file — pass the path of the "
                         "base identities file, or a git revision with --base")
    return str(path), read(path)


def read_base(base: str, head_file: Path) -> tuple[str, Document | None]:
    """The base document at git revision ``base`` of ``head_file``; never a file.

    A revision that also names an existing file is refused: a pull request could
    add a file named like the base revision holding a copy of its own head.
    Returns ``(label, None)`` when the revision exists but holds no identities
    file yet: every agent of the head is then new.
    """
    if Path(base).exists() or (head_file.absolute().parent / base).exists():
        raise UsageError(f"--base {base!r} names an existing file; --base takes a git "
                         f"revision only — review against a file with --base-file {base} "
                         f"[{GATE_BASE_NAMES_FILE}]")
    if base.startswith("-"):
        raise UsageError(f"--base {base!r} is not a git revision (it starts with '-')")
    directory = head_file.absolute().parent
    spec = f"{base}:./{head_file.name}"
    try:
        shown = subprocess.run(["git", "-C", str(directory), "show", "--end-of-options", spec],
                               capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AgentIdError(f"cannot run git to read the base {base!r}: {exc}") from None
    label = f"{base}:{head_file.name}"
    if shown.returncode != 0:
        message = shown.stderr.decode("utf-8", "replace").strip()
        if "exists on disk, but not in" in message or "does not exist in" in message:
            return label, None
        raise AgentIdError(f"--base {base!r} is not a git revision that holds "
                           f"{head_file.name}: {message.splitlines()[-1] if message else ''}"
                           " — pass a revision such as origin/main, or a file with --base-file")
    try:
        return label, parse(label, decode(label, shown.stdout))
    except YamlError as exc:
        raise InputError([exc.finding]) from None


def side_of(label: str, document: Document | None, today: date, *, is_base: bool,
            empty_defaults: IdentitiesFile | None = None) -> Side:
    """Validate one side; keep it plannable unless a finding makes planning meaningless."""
    if document is None:
        if empty_defaults is None:
            return Side(label, None, (Finding("AgentId-File", (), "no identities file"),))
        return Side(label, IdentitiesFile(version=1, defaults=empty_defaults.defaults))
    checked = check(document, today)
    if checked.identities is None:
        return Side(label, None, checked.findings)
    tolerated = TIME_RULES if is_base else HEAD_TOLERATED
    blocking = [f for f in checked.findings if f.id not in tolerated]
    return Side(label, None if blocking else checked.identities, checked.findings)


def read_side(path: Path, today: date) -> Side:
    """The head side from a file (unreadable or malformed files become findings)."""
    try:
        document = read(path)
    except InputError as exc:
        return Side(str(path), None, tuple(exc.findings))
    return side_of(str(path), document, today, is_base=False)

