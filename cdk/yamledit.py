"""Round-trip edits of identities.yaml: one block added to one agent, every other byte
kept (``agentid lock`` and ``agentid rotate``, docs/lifecycle.md).

ruamel.yaml loads the text with its comments, quoting, key order and flow styles
and writes it back. It cannot promise that the rest of a file comes back byte for
byte (it re-indents to one setting, folds CRLF, and so on), so nothing here trusts
it: the settings used are those under which the *unedited* file writes back
exactly, and the edited text is accepted only if it is the original with one span
inserted. Anything else is refused with the block to add by hand, never written.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from .errors import AgentIdError

__all__ = ["EditRefused", "Entry", "add_lock", "add_rotation"]

# Lines are never folded: a long reason must come back on one line.
_WIDTH = 1 << 30
# (mapping, sequence, offset) indents tried after the file's own guess, most common
# first: 2-space maps with `- ` flush or indented, then 4-space files.
_COMMON = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (4, 8, 4), (3, 5, 3))


class EditRefused(AgentIdError):
    """The file cannot be edited without changing more than the inserted block."""


@dataclass(frozen=True)
class Entry:
    """One ``{on, by, reason}`` block: a lock or a rotation request."""

    on: date
    by: str
    reason: str

    def by_hand(self) -> str:
        """The block as a person would add it (flow style, JSON-quoted strings)."""
        by, reason = (_json_quoted(s) for s in (self.by, self.reason))
        return f"{{on: {self.on.isoformat()}, by: {by}, reason: {reason}}}"


def add_lock(text: str, index: int, entry: Entry) -> str:
    """``text`` with ``locked: entry`` added to ``agents[index]``, right after its
    ``expires`` (where a reader of the record looks for its lifetime)."""

    def change(agent: CommentedMap) -> None:
        if "locked" in agent:
            raise EditRefused("the agent already has a `locked` block")
        agent.insert(_after(agent, "expires"), "locked", _mapping(agent, entry))

    return _edit(text, index, change, f"locked: {entry.by_hand()}")


def add_rotation(text: str, index: int, entry: Entry) -> str:
    """``text`` with ``entry`` appended to ``agents[index].rotate`` (the list created,
    after ``locked`` or ``expires``, when the agent has none)."""

    def change(agent: CommentedMap) -> None:
        block = _mapping(agent, entry)
        requests = agent.get("rotate")
        if requests is None:
            after = "locked" if "locked" in agent else "expires"
            agent.insert(_after(agent, after), "rotate", CommentedSeq([block]))
            return
        if not isinstance(requests, CommentedSeq):
            raise EditRefused("`rotate` is not a list")
        if requests and isinstance(requests[-1], CommentedMap) and requests[-1].fa.flow_style():
            block.fa.set_flow_style()  # the new entry looks like the ones before it
        requests.append(block)

    return _edit(text, index, change, f"rotate:\n  - {entry.by_hand()}")


def _edit(text: str, index: int, change: Callable[[CommentedMap], None], by_hand: str) -> str:
    hint = f"add it by hand to agents[{index}]: {by_hand}"
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text.removeprefix(bom)
    crlf = "\r\n" in body
    lf = body.replace("\r\n", "\n")
    if "\r" in lf or (crlf and "\n" in body.replace("\r\n", "")):
        raise EditRefused(f"the file mixes line endings (CRLF and LF or CR) — {hint}")
    # A last line without its newline is kept so; ruamel would add one.
    unterminated = bool(lf) and not lf.endswith("\n")
    yaml, data = _round_trip(lf + "\n" if unterminated else lf, hint)
    try:
        agent = data["agents"][index]
    except (KeyError, IndexError, TypeError):
        raise EditRefused(f"no agents[{index}] in the file — {hint}") from None
    if not isinstance(agent, CommentedMap):
        raise EditRefused(f"agents[{index}] is not a mapping — {hint}")
    try:
        change(agent)
    except EditRefused as exc:
        raise EditRefused(f"{exc} — {hint}") from None
    edited = _dump(yaml, data)
    if unterminated:
        edited = edited.removesuffix("\n")
    if crlf:
        edited = edited.replace("\n", "\r\n")
    edited = bom + edited
    _only_inserted(text, edited, hint)
    return edited


def _round_trip(text: str, hint: str) -> tuple[YAML, Any]:
    """A loader/writer and the loaded document, with the indent settings under which
    the document writes back exactly as ``text``; refused when none does."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = _WIDTH
    yaml.explicit_start = re.match(r"(?:#.*\n|\s*\n)*---(?:[ \t]|$)", text, re.M) is not None
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        raise EditRefused(f"ruamel.yaml cannot read the file ({_one_line(exc)}) — "
                          f"{hint}") from None
    first_change = ""
    for mapping, sequence, offset in _indents(text):
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        written = _dump(yaml, data)
        if written == text:
            return yaml, data
        first_change = first_change or _first_difference(text, written)
    raise EditRefused(f"ruamel.yaml would rewrite lines outside the new block ({first_change}) "
                      f"— {hint}")


def _indents(text: str) -> Iterator[tuple[int, int, int]]:
    seen: set[tuple[int, int, int]] = set()
    guesses: list[tuple[int, int, int]] = []
    try:
        _, sequence, offset = load_yaml_guess_indent(text)
    except Exception:  # noqa: BLE001 - a failed guess only means fewer candidates
        sequence, offset = None, None
    if isinstance(sequence, int) and isinstance(offset, int) and sequence >= offset + 2:
        guesses = [(m, sequence, offset) for m in (sequence - offset, 2, 4, 3)]
    for candidate in (*guesses, *_COMMON):
        if candidate not in seen and candidate[0] >= 1:
            seen.add(candidate)
            yield candidate


def _dump(yaml: YAML, data: Any) -> str:
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def _after(agent: CommentedMap, key: str) -> int:
    keys = list(agent)
    if key not in keys:
        raise EditRefused(f"the agent has no `{key}`")
    return keys.index(key) + 1


def _mapping(agent: CommentedMap, entry: Entry) -> CommentedMap:
    """The block, its ``by`` quoted the way this agent's ``owner`` is."""
    owner = agent.get("owner")
    quote = SingleQuotedScalarString if isinstance(owner, SingleQuotedScalarString) \
        else DoubleQuotedScalarString
    return CommentedMap([("on", entry.on), ("by", quote(entry.by)), ("reason", entry.reason)])


def _only_inserted(original: str, edited: str, hint: str) -> None:
    """Refuse unless ``edited`` is ``original`` with one span inserted."""
    prefix = 0
    limit = min(len(original), len(edited))
    while prefix < limit and original[prefix] == edited[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < len(original) and suffix < len(edited)
           and original[-1 - suffix] == edited[-1 - suffix]):
        suffix += 1
    if len(edited) <= len(original) or prefix + suffix < len(original):
        # The last change, seen from the end: the first is the block's own insertion.
        end, new_end = len(original) - suffix, len(edited) - suffix
        line = original.count("\n", 0, end) + 1
        raise EditRefused(
            f"ruamel.yaml would change text outside the new block (line {line}: "
            f"{original[max(end - 40, 0):end + 12]!r} would become "
            f"{edited[max(new_end - 40, 0):new_end + 12]!r}) — {hint}")


def _first_difference(original: str, written: str) -> str:
    old, new = original.splitlines(), written.splitlines()
    for number, (a, b) in enumerate(zip(old, new, strict=False), start=1):
        if a != b:
            # From a little before the first changed column: long flow lines differ late.
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                      min(len(a), len(b)))
            start = max(at - 30, 0)
            return (f"line {number}: {a[start:start + 70]!r} would become "
                    f"{b[start:start + 70]!r}")
    if original.count("\r") != written.count("\r"):
        return "line endings"
    return f"line {min(len(old), len(new)) + 1}"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def _json_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
