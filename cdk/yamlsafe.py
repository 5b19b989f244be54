"""A strict YAML reader that keeps line numbers.

libyaml (through PyYAML's C parser) reads the text into events; this module
builds plain Python data straight from them (no node tree) and, when a finding
needs it, records where every value came from. It is deliberately narrower
than YAML:

- YAML 1.2 core scalars only: ``on``/``yes``/``no`` are text, dates are text;
- no anchors or aliases (a record must read in full where it stands, and
  alias bombs are refused before anything expands);
- no custom tags (``!!python/object`` and friends);
- duplicate keys are errors, not last-wins;
- bounded size and nesting depth.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml
from yaml.resolver import BaseResolver

from .errors import Finding, Location, Path

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_ALLOWED_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ}


class _CoreResolver(BaseResolver):
    """YAML 1.2 core schema: the only implicit types are null, bool, int, float."""


_CoreResolver.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_CoreResolver.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_CoreResolver.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_CoreResolver.add_implicit_resolver(
    _NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


# libyaml's parser lives in yaml.cyaml (``yaml.CParser`` does not exist, so a
# lookup there silently fell back to the pure-Python parser). Only its event
# stream is used: data is built from it here, iteratively (see :func:`_read`).
_Parser: Any = getattr(yaml.cyaml, "CParser", None) if yaml.__with_libyaml__ else None
if _Parser is None:  # pragma: no cover - libyaml missing: slower, same behaviour
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _PyParser(Reader, Scanner, Parser):
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

    _Parser = _PyParser

# First character of a plain scalar -> the implicit resolvers to try, in order
# (BaseResolver.resolve's answers, without its per-call bookkeeping).
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: [*resolvers, *_CoreResolver.yaml_implicit_resolvers.get(None, [])]
    for first, resolvers in _CoreResolver.yaml_implicit_resolvers.items()
    if first is not None
}


@dataclass(frozen=True)
class Document:
    """Plain data of a YAML file, and where each value and key stands.

    Marks are computed on first use, by a second parse of ``text``: a file
    without findings never needs them, and recording a path and mark for every
    node is most of the cost of reading a large file.
    """

    file: str
    data: Any
    text: str = field(default="", repr=False)

    @cached_property
    def _marks(self) -> tuple[dict[Path, tuple[int, int]], dict[Path, tuple[int, int]]]:
        value_marks: dict[Path, tuple[int, int]] = {}
        key_marks: dict[Path, tuple[int, int]] = {}
        if self.text:
            with paused_gc():
                _read(self.file, self.text, "&" in self.text, value_marks, key_marks)
        return value_marks, key_marks

    @property
    def value_marks(self) -> dict[Path, tuple[int, int]]:
        """Path -> (line, column) of each value."""
        return self._marks[0]

    @property
    def key_marks(self) -> dict[Path, tuple[int, int]]:
        """Path -> (line, column) of each mapping key."""
        return self._marks[1]

    def locate(self, path: Path, *, key: bool = False) -> Location:
        """Best location for ``path``: the key or value itself, else its nearest parent."""
        marks = self.key_marks if key else self.value_marks
        probe = tuple(path)
        while probe:
            if probe in marks:
                return Location(self.file, *marks[probe])
            if not key and probe in self.key_marks:
                return Location(self.file, *self.key_marks[probe])
            probe = probe[:-1]
        line, col = self.value_marks.get((), (1, 1))
        return Location(self.file, line, col)


class YamlError(Exception):
    """The text is not acceptable YAML for agentid; carries one finding."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(finding.render())


def _error(file: str, line: int, col: int, message: str, hint: str) -> YamlError:
    return YamlError(
        Finding("AgentId-Yaml", (), message, hint, Location(file, line, col))
    )


def decode(file: str, raw: bytes) -> str:
    """Bytes -> text, refusing what is too large, binary or not UTF-8."""
    if len(raw) > MAX_BYTES:
        raise _error(
            file, 1, 1,
            f"file is larger than the {MAX_BYTES:,}-byte limit",
            "split the agents across files or remove what is not an identity record",
        )
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        raise _error(file, line, 1, "file contains a NUL byte: it is binary, not YAML",
                     "save identities as UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _error(file, line, col, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                     "save the file as UTF-8") from None
    return text.removeprefix("\ufeff")


def parse(file: str, text: str) -> Document:
    """Parse one YAML document into plain data (marks on demand), or raise :class:`YamlError`."""
    with paused_gc():
        # An anchor is spelled with `&`: without one in the text there is none to track.
        return Document(file, _read(file, text, "&" in text), text)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is read.

    Reading allocates hundreds of thousands of nodes and containers, none of
    them garbage yet; each allocation burst triggers a collection that walks
    them all again. Pausing it cuts reading 10,000 agents about fourfold. Memory
    stays bounded by MAX_BYTES; reference counting still frees what it can.

    Whatever is still alive when the pause ends is the run's data (records,
    plans, catalog): it is frozen (moved out of the collector's generations)
    before collection resumes, or the first collection after the pause would
    walk all of it to find nothing (0.2 s at 10,000 agents). Records hold no
    reference cycles; the rare cycle left unreachable during a pause (a caught
    exception's traceback) is kept until the process ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _read(
    file: str,
    text: str,
    anchored: bool,
    value_marks: dict[Path, tuple[int, int]] | None = None,
    key_marks: dict[Path, tuple[int, int]] | None = None,
) -> Any:
    """Plain data of the single document in ``text``, or :class:`YamlError`.

    ``anchored`` says whether the text can hold an anchor (it has a ``&``). With
    mark dictionaries, also records where each value and key stands (the second,
    on-demand pass of :class:`Document`).
    """
    try:
        parser = _Parser(text)
    except UnicodeError:  # lone surrogates: only reachable by calling parse() directly
        raise _error(file, 1, 1, "text is not valid Unicode", "save the file as UTF-8") from None
    try:
        return _Events(file, text, parser.get_event, anchored).build(value_marks, key_marks)
    except yaml.MarkedYAMLError as exc:
        line, col, problem, hint = _explain(text, exc)
        raise _error(file, line, col, f"not valid YAML: {problem}", hint) from None
    except yaml.reader.ReaderError as exc:
        before = text[:exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        char = text[exc.position:exc.position + 1]
        raise _error(file, line, col,
                     f"character U+{ord(char or chr(0)):04X} is not allowed in YAML text",
                     "remove control characters; write only printable text") from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise _error(file, 1, 1, f"not valid YAML: {problem}", "fix the YAML syntax") from None
    finally:
        parser.dispose()


class _Refused(Exception):
    """A value agentid does not read (tag, alias, depth, duplicate key, bad number).

    Raised inside the build; the rest of the text is still parsed before it is
    reported, so a syntax error anywhere wins, as when libyaml composed the whole
    tree first.
    """

    def __init__(self, error: YamlError) -> None:
        self.error = error


_NO_KEY: Any = object()  # a mapping waiting for its next key, not a value
_START_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)


class _Events:
    """libyaml's events -> dicts/lists/scalars, in one loop without recursion.

    No node tree is built: each value goes straight into its container. A value
    is refused where it stands (an alias at its first use, a collection or scalar
    at nesting level 33), so a hostile file costs one pass over bounded text.
    """

    def __init__(self, file: str, text: str, get_event: Any, anchored: bool) -> None:
        self.file = file
        self.text = text
        self.get = get_event
        self.anchored = anchored
        # anchor -> where its value starts; only filled when the text has a `&`.
        self.anchors: dict[str, Any] = {}

    def _at(self, mark: Any, message: str, hint: str) -> _Refused:
        return _Refused(_error(self.file, mark.line + 1, mark.column + 1, message, hint))

    def build(self, value_marks: dict[Path, tuple[int, int]] | None,
              key_marks: dict[Path, tuple[int, int]] | None) -> Any:
        get = self.get
        get()  # stream start
        if type(get()) is yaml.StreamEndEvent:  # else: document start
            return None
        try:
            data = self._document(value_marks, key_marks)
        except _Refused as refused:
            self._drain()
            raise refused.error from None
        self._end()
        return data

    def _document(self, value_marks: dict[Path, tuple[int, int]] | None,
                  key_marks: dict[Path, tuple[int, int]] | None) -> Any:
        # The per-event loop of every read: kept flat, with the open collection's
        # state in locals (pushed on `stack` while a nested one is read).
        get, anchored = self.get, self.anchored
        marking = value_marks is not None and key_marks is not None
        values = value_marks if value_marks is not None else {}
        keys = key_marks if key_marks is not None else {}
        scalar, mapping = yaml.ScalarEvent, yaml.MappingStartEvent
        sequence = yaml.SequenceStartEvent
        root: list[Any] = []
        container: Any = root  # the open list or dict
        is_map = False
        key: Any = _NO_KEY  # in a dict: the key whose value is read next
        first: dict[str, Any] = {}  # in a dict: key -> mark of its first occurrence
        depth = 0  # nesting level of the values read next
        path: Path | None = None  # of the open collection (None: the document)
        stack: list[tuple[Any, bool, Any, dict[str, Any], int, Path | None]] = []
        while True:
            event = get()
            kind = type(event)
            if kind is scalar or kind is mapping or kind is sequence:
                if anchored and event.anchor is not None:
                    self._anchor(event)
                    raise self._anchored(event)
                tag = event.tag
                if depth > MAX_DEPTH or tag is not None and tag != "!" \
                        and tag not in _ALLOWED_TAGS:
                    raise self._refused(event, depth)
                if is_map and key is _NO_KEY:
                    if kind is not scalar or event.value in first:
                        raise self._bad_key(event, first)
                    key = event.value
                    first[key] = event.start_mark
                    if marking:
                        assert path is not None  # a key is always inside a mapping
                        keys[(*path, key)] = _line_col(event)
                    continue
                if kind is scalar:
                    value = event.value
                    if tag is None or tag == "!":
                        tag = _STR
                        if event.implicit[0]:
                            for implicit, regexp in _IMPLICIT.get(value[:1], ()):
                                if regexp.match(value):
                                    tag = implicit
                                    break
                    if tag != _STR:
                        value = self._scalar(event, value, tag)
                else:
                    value = {} if kind is mapping else []
                at = None
                if marking:
                    at = () if path is None else (*path, key if is_map else len(container))
                    values[at] = _line_col(event)
                if is_map:
                    container[key] = value
                    key = _NO_KEY
                else:
                    container.append(value)
                if kind is not scalar:
                    stack.append((container, is_map, key, first, depth, path))
                    container, is_map, key, first, depth, path = (
                        value, kind is mapping, _NO_KEY, {}, depth + 1, at)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                container, is_map, key, first, depth, path = stack.pop()
            elif kind is yaml.AliasEvent:
                raise self._alias(event)
            else:  # document end: the root value is complete
                return root[0]

    def _bad_key(self, event: Any, first: dict[str, Any]) -> _Refused:
        if type(event) is not yaml.ScalarEvent:
            return self._at(event.start_mark, "a mapping key must be plain text",
                            "use a simple word as the key")
        return self._at(event.start_mark,
                        f"duplicate key {event.value!r} (first at line "
                        f"{first[event.value].line + 1})",
                        "keep one of them: YAML would silently keep only the last")

    def _refused(self, event: Any, depth: int) -> _Refused:
        if depth > MAX_DEPTH:
            return self._at(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels",
                            "identity records are shallow; flatten this value")
        hint = ("remove the tag: only plain strings, numbers, booleans, lists and mappings "
                "are read")
        if type(event) is yaml.ScalarEvent and not event.style \
                and not event.tag.startswith("tag:"):
            # `!important thing`: text that happens to start with `!`, most likely.
            hint = f"`!` starts a YAML tag; if this is text, {self._quote(event)}; else {hint}"
        return self._at(event.start_mark, f"tag {event.tag!r} is not allowed", hint)

    def _anchored(self, event: Any) -> _Refused:
        """An anchor is refused where it is defined: an alias could only repeat it."""
        hint = "write the value out in full so each record reads on its own in review"
        if type(event) is yaml.ScalarEvent and not event.style:  # plain: text, probably
            hint = f"`&` starts a YAML anchor; if this is text, {self._quote(event)}; else {hint}"
        return self._at(event.start_mark, "anchors and aliases are not supported", hint)

    def _quote(self, event: Any) -> str:
        mark = event.start_mark
        return _quote(_line(self.text, mark.line), mark.column)

    def _scalar(self, event: Any, value: str, tag: str) -> Any:
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return value.lower() == "true"
        if tag == _INT:
            try:
                return int(value, 0) if value[:2] in ("0o", "0x") else int(value, 10)
            except ValueError:
                raise self._at(event.start_mark, f"{value!r} is not an integer",
                               "write a plain decimal number") from None
        try:
            return float(value.lower().replace(".inf", "inf").replace(".nan", "nan"))
        except ValueError:
            raise self._at(event.start_mark, f"{value!r} is not a number",
                           "write a plain number") from None

    def _anchor(self, event: Any) -> None:
        # What libyaml's composer refused, refused the same way.
        if event.anchor in self.anchors:
            raise yaml.composer.ComposerError(
                "found duplicate anchor; first occurrence",
                self.anchors[event.anchor], "second occurrence", event.start_mark)
        self.anchors[event.anchor] = event.start_mark

    def _alias(self, event: Any) -> _Refused:
        """An alias is refused at its first use, never expanded.

        It is reported where the value it repeats starts (its anchor), as when the
        shared node was met a second time; an alias without an anchor is the
        composer's error.
        """
        mark = self.anchors.get(event.anchor)
        if mark is None:
            raise yaml.composer.ComposerError(None, None, "found undefined alias",
                                              event.start_mark)
        return self._at(mark, "anchors and aliases are not supported",
                        "write the value out in full so each record reads on its own "
                        "in review")

    def _drain(self) -> None:
        """Parse the rest of the text after a refused value, for errors that come first.

        libyaml composed the whole tree before a value was judged, so its syntax
        and composer errors (another document, an undefined alias or a repeated
        anchor, anywhere) are reported rather than the refused value.
        """
        get, anchored = self.get, self.anchored
        while True:
            event = get()
            kind = type(event)
            if kind is yaml.DocumentEndEvent:
                break
            if kind is yaml.AliasEvent and event.anchor not in self.anchors:
                self._alias(event)
            elif anchored and kind in _START_EVENTS and event.anchor is not None:
                self._anchor(event)
        self._end()

    def _end(self) -> None:
        event = self.get()  # after the document's end: the stream's, or another document
        if type(event) is not yaml.StreamEndEvent:
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", None,
                "but found another document", event.start_mark)


def _line_col(event: Any) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


# --- Explaining syntax errors -------------------------------------------------
#
# libyaml says what it expected ("found character that cannot start any token");
# a person needs what to write instead. The most common mistakes are a value that
# starts with a character YAML reserves, a `: ` inside a value, and indentation:
# each gets its own message, located where the fix goes, with the fix spelled out.

# A value's first character, written without quotes -> what YAML makes of it.
_STARTS = {
    "@": "`@` is reserved in YAML: a value cannot start with it unless quoted",
    "`": "`` ` `` is reserved in YAML: a value cannot start with it unless quoted",
    "%": "`%` starts a YAML directive: a value cannot start with it unless quoted",
    "*": "`*` starts a YAML alias (a reference to an `&` anchor), not text",
    "&": "`&` starts a YAML anchor, not text",
    "!": "`!` starts a YAML tag, not text",
    ":": "a value cannot start with `:` unless quoted",
    "|": "`|` starts a block of text on the lines below it, not text on this line",
    ">": "`>` starts a folded block of text on the lines below it, not text on this line",
}
# libyaml's problems that, outside a value, mean a line is indented wrongly.
_INDENTATION = ("did not find expected key", "did not find expected '-' indicator",
                "mapping values are not allowed", "expected <block end>")
# A block mapping key at a line's content: plain (up to the first `: `) or quoted.
_KEY = re.compile(r"""(?:"[^"]*"|'[^']*'|[^\s#'"\[\]{},][^#]*?)[ \t]*:(?=\s|$)""")
_GENERIC = "fix the YAML syntax at this position"


def _explain(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, int, str, str]:
    """(line, column, problem, hint) of a syntax error, 1-based, in a person's words."""
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    context = exc.context or ""
    if mark is None:
        return 1, 1, problem, _GENERIC
    lines = text.splitlines()
    row, col = mark.line, mark.column
    line = _line(text, row, lines)
    if "nesting depth" in problem:
        # libyaml's own limit (1,000 levels) can fire before ours does.
        return (row + 1, col + 1, f"nesting deeper than {MAX_DEPTH} levels",
                "identity records are shallow; flatten this value")
    tab = _tab_at(line, col)
    if tab is not None:
        return (row + 1, tab + 1, "a tab character where YAML expects indentation or a value",
                "indent with spaces; YAML does not allow tabs for indentation")
    if "expected a single document" in context + problem:
        return (row + 1, col + 1,
                "expected a single document in the stream, but found another document",
                "keep one document per file: remove the extra `---`")
    scanning = context.startswith("while scanning an") and exc.context_mark is not None
    start = exc.context_mark if scanning and ("anchor" in context or "alias" in context) else None
    srow, scol = (start.line, start.column) if start is not None else (row, col)
    sline = _line(text, srow, lines)
    char = sline[scol:scol + 1]
    special = char in _STARTS
    if char == ":":
        value = _value_start(sline)
        if value is not None and value < scol:
            return (srow + 1, value + 1,
                    "a value with `: ` inside it (or ending in `:`) must be quoted",
                    _quote(sline, value, flow_ends=False))
        special = value == scol or (value is None and scol == _content_start(sline))
    if special and _opens_value(sline, scol):
        return srow + 1, scol + 1, _STARTS[char], _quote(sline, scol)
    if any(p in problem for p in _INDENTATION):
        found = _indentation(lines, row)
        if found is not None:
            return found
    opened = exc.context_mark
    if opened is not None and "quoted scalar" in context:
        return (opened.line + 1, opened.column + 1, "a quoted value is never closed",
                "end it with the same quote it starts with, on this line")
    if opened is not None and ("flow sequence" in context or "flow mapping" in context):
        bracket, close = ("[", "]") if "sequence" in context else ("{", "}")
        return (row + 1, col + 1, problem,
                f"close the `{bracket}` opened at line {opened.line + 1}, column "
                f"{opened.column + 1} with `{close}`")
    unclosed = _unclosed_quote(lines, row)
    if unclosed is not None:
        return (unclosed[0] + 1, unclosed[1] + 1, "a quoted value is never closed",
                "end it with the same quote it starts with, on this line")
    return row + 1, col + 1, problem, _GENERIC


def _opens_value(line: str, col: int) -> bool:
    """Whether ``col`` is where a value starts (after `key:`, `-`, `[`, `,` or `{`)."""
    before = line[:col].rstrip()
    return not before or before.endswith((":", "-", "[", ",", "{", "?"))


def _unclosed_quote(lines: list[str], row: int) -> tuple[int, int] | None:
    """(line, column) of a value's opening `"` not closed on its line, nearest above ``row``.

    YAML lets a quoted value run on over the next lines, so a forgotten closing
    quote surfaces as an error somewhere below it.
    """
    for index in range(min(row, len(lines) - 1), -1, -1):
        line = lines[index]
        for match in re.finditer('"', line):
            start = match.start()
            if _opens_value(line, start) and not re.search(r'(?<!\\)"', line[start + 1:]):
                return index, start
    return None


def _line(text: str, row: int, lines: list[str] | None = None) -> str:
    lines = text.splitlines() if lines is None else lines
    return lines[row] if 0 <= row < len(lines) else ""


def _tab_at(line: str, col: int) -> int | None:
    """Column of the tab behind a syntax error: at the error, or in the indentation."""
    if line[col:col + 1] == "\t":
        return col
    indentation = line[:len(line) - len(line.lstrip(" \t"))]
    return indentation.index("\t") if "\t" in indentation else None


def _content_start(line: str) -> int:
    """Where a line's content starts, after its indentation and any `- ` item marks."""
    pos = len(line) - len(line.lstrip(" "))
    while line.startswith("-", pos) and line[pos + 1:pos + 2] in ("", " "):
        pos += 1
        while line[pos:pos + 1] == " ":
            pos += 1
    return pos


def _value_start(line: str) -> int | None:
    """Where the value of the line's ``key:`` starts, or None when it has no key."""
    match = _KEY.match(line, _content_start(line))
    if match is None:
        return None
    rest = line[match.end():]
    return match.end() + len(rest) - len(rest.lstrip(" \t"))


def _quote(line: str, start: int, *, flow_ends: bool = True) -> str:
    """``quote it: key: "value"`` for the value that starts at ``start``."""
    head, rest = line[:start], line[start:]
    flow = flow_ends and head.count("[") + head.count("{") > head.count("]") + head.count("}")
    if flow:
        end = min([i for i in (rest.find(c) for c in ",]}") if i >= 0] or [len(rest)])
    else:
        end = rest.find(" #") if " #" in rest else len(rest)
    quoted = json.dumps(rest[:end].rstrip(), ensure_ascii=False)
    before = "" if flow else head.strip()
    return f"quote it: {before} {quoted}" if before else f"quote it: {quoted}"


def _columns(line: str) -> list[tuple[str, int]]:
    """The block columns a line starts: each `- ` item mark, then its ``key:``."""
    found = []
    pos = len(line) - len(line.lstrip(" "))
    while line.startswith("-", pos) and line[pos + 1:pos + 2] in ("", " "):
        found.append(("item", pos))
        pos += 1
        while line[pos:pos + 1] == " ":
            pos += 1
    if pos < len(line) and _KEY.match(line, pos):
        found.append(("key", pos))
    return found


def _indentation(lines: list[str], row: int) -> tuple[int, int, str, str] | None:
    """A line indented where nothing it could belong to starts: where it should go.

    The columns a key (or `-` item) may start at are those of the blocks still
    open above it: walking up, each line less indented than everything after it
    opens one. None when the line's column is one of them (the error is another).
    """
    line = _line("", row, lines)
    columns = _columns(line)
    if not columns:
        return None
    kind, col = columns[0]
    candidates: list[tuple[int, int, str]] = []  # (column, line index, label), nearest first
    limit = len(line) + 1
    previous = True
    for index in range(row - 1, -1, -1):
        above = lines[index]
        stripped = above.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(above) - len(above.lstrip(" "))
        if previous and above.rstrip().endswith((":", "-")) and col > indent:
            return None  # the first line of the block the line above opens: any column
        previous = False
        if indent >= limit:
            continue
        for what, at in _columns(above):
            if what == kind and at < limit and all(at != c for c, _, _ in candidates):
                candidates.append((at, index, _label(above, what, at)))
        limit = indent
        if limit == 0:
            break
    if not candidates or any(c == col for c, _, _ in candidates):
        return None
    options = [f"with {label} on line {index + 1} (column {at + 1})"
               for at, index, label in candidates[:3]]
    what = "the list item `-`" if kind == "item" else _label(line, kind, col)
    return (row + 1, col + 1,
            f"{what} is indented to column {col + 1}, where no "
            f"{'list' if kind == 'item' else 'mapping'} around it starts",
            "line it up " + ", or ".join(options))


def _label(line: str, kind: str, at: int) -> str:
    if kind == "item":
        return "the `-`"
    match = _KEY.match(line, at)
    key = match.group(0).rstrip(": \t") if match else line[at:].split(":")[0]
    return f"`{key}:`"
