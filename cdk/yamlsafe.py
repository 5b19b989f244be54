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
        return _Events(file, parser.get_event, anchored).build(value_marks, key_marks)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        if "nesting depth" in problem:
            # libyaml's own limit (1,000 levels) can fire before ours does.
            problem = f"nesting deeper than {MAX_DEPTH} levels"
            hint = "identity records are shallow; flatten this value"
        elif mark is not None and text[mark.index:mark.index + 1] == "\t":
            problem = "a tab character where YAML expects indentation or a value"
            hint = "indent with spaces; YAML does not allow tabs for indentation"
        elif "expected a single document" in (exc.context or "") + problem:
            problem = "expected a single document in the stream, but found another document"
            hint = "keep one document per file: remove the extra `---`"
        else:
            hint = "fix the YAML syntax at this position"
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

    def __init__(self, file: str, get_event: Any, anchored: bool) -> None:
        self.file = file
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
        return self._at(event.start_mark, f"tag {event.tag!r} is not allowed",
                        "remove the tag: only plain strings, numbers, booleans, "
                        "lists and mappings are read")

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
