"""A strict YAML reader that keeps line numbers.

libyaml (through PyYAML's C parser) builds the node tree; this module turns it
into plain Python data while recording where every value came from. It is
deliberately narrower than YAML:

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
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
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
# stream is used: nodes are composed here, iteratively (see :func:`_compose`).
_Parser: Any = getattr(yaml.cyaml, "CParser", None) if yaml.__with_libyaml__ else None
_C_PARSER = _Parser is not None
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


class _Loader(_Parser, _CoreResolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        _CoreResolver.__init__(self)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        # Same answers as BaseResolver.resolve (there are no path resolvers),
        # without its per-call bookkeeping: the C parser calls this for every
        # node, and at 10,000 agents the generic version alone costs a second.
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], ()):
                    if regexp.match(value):
                        return str(tag)
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


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
                root = _tree(self.file, self.text)
                if root is not None:
                    _Builder(self.file, value_marks, key_marks).build(root)
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


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


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
        root = _tree(file, text)
        if root is None:
            return Document(file, None, text)
        # Only an alias makes two places share a node, and an alias needs an anchor,
        # spelled with `&`: without one in the text, no node can be met twice.
        return Document(file, _Builder(file, shared="&" in text).build(root), text)


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


def _tree(file: str, text: str) -> Node | None:
    """The node tree of the single document in ``text``, or :class:`YamlError`."""
    try:
        loader = _Loader(text)
    except UnicodeError:  # lone surrogates: only reachable by calling parse() directly
        raise _error(file, 1, 1, "text is not valid Unicode", "save the file as UTF-8") from None
    try:
        # libyaml composes in C (shared nodes for aliases, which the builder refuses
        # at first reuse; its own 1,000-level nesting limit bounds the recursion).
        # Without libyaml, compose from events here, without recursion.
        root = loader.get_single_node() if _C_PARSER else _compose(file, loader)
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
        loader.dispose()
    return root


def _compose(file: str, loader: Any) -> Node | None:
    """Events -> one document's node tree, without recursion and without expanding.

    PyYAML's composers recurse once per nesting level and resolve aliases into
    shared nodes. Composing from libyaml's event stream here refuses an alias at
    its first use and a collection as soon as it is nested too deep, so a
    hostile file costs at most one pass over its (size-limited) text.
    """
    loader.get_event()  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # document start
    root: Node | None = None
    # Open collections, each with the key node still waiting for its value.
    stack: list[list[Any]] = []
    while not loader.check_event(yaml.DocumentEndEvent):
        event = loader.get_event()
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            stack.pop()
            continue
        if isinstance(event, yaml.AliasEvent):
            raise _error(file, event.start_mark.line + 1, event.start_mark.column + 1,
                         "anchors and aliases are not supported",
                         "write the value out in full so each record reads on its own "
                         "in review")
        node: Node
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(ScalarNode, event.value, event.implicit)
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark,
                              style=event.style)
        else:
            if len(stack) >= MAX_DEPTH:
                raise _error(file, event.start_mark.line + 1, event.start_mark.column + 1,
                             f"nesting deeper than {MAX_DEPTH} levels",
                             "identity records are shallow; flatten this value")
            kind = SequenceNode if isinstance(event, yaml.SequenceStartEvent) else MappingNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(kind, None, event.implicit)
            node = kind(tag, [], event.start_mark, event.end_mark,
                        flow_style=event.flow_style)
        if not stack:
            root = node
        else:
            parent = stack[-1]
            if isinstance(parent[0], SequenceNode):
                parent[0].value.append(node)
            elif parent[1] is None:
                parent[1] = node
            else:
                parent[0].value.append((parent[1], node))
                parent[1] = None
        if not isinstance(node, ScalarNode):
            stack.append([node, None])
    loader.get_event()  # document end
    if not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()
        raise _error(file, event.start_mark.line + 1, event.start_mark.column + 1,
                     "not valid YAML: expected a single document in the stream",
                     "keep one document per file: remove the extra `---`")
    return root


class _Builder:
    """Turns a node tree into dicts/lists/scalars, iteratively.

    With mark dictionaries it also records where each value and key stands
    (the second, on-demand pass of :class:`Document`); without, it only builds.
    """

    def __init__(
        self,
        file: str,
        value_marks: dict[Path, tuple[int, int]] | None = None,
        key_marks: dict[Path, tuple[int, int]] | None = None,
        shared: bool = True,
    ) -> None:
        self.file = file
        self.value_marks = value_marks
        self.key_marks = key_marks
        self.seen: set[int] = set()
        # False when the text cannot hold an alias: nodes need no tracking, and
        # plain string values (which cannot fail) are set where they are met.
        self.shared = shared

    def _fail(self, node: Node, message: str, hint: str) -> YamlError:
        return _error(self.file, *_mark(node), message, hint)

    def _check(self, node: Node, depth: int) -> None:
        if id(node) in self.seen:
            raise self._fail(
                node, "anchors and aliases are not supported",
                "write the value out in full so each record reads on its own in review",
            )
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise self._fail(node, f"nesting deeper than {MAX_DEPTH} levels",
                             "identity records are shallow; flatten this value")
        if node.tag not in _ALLOWED_TAGS:
            raise self._fail(node, f"tag {node.tag!r} is not allowed",
                             "remove the tag: only plain strings, numbers, booleans, "
                             "lists and mappings are read")

    def _scalar(self, node: ScalarNode) -> Any:
        value: str = node.value
        tag = node.tag
        if tag == _STR:
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return value.lower() == "true"
        if tag == _INT:
            try:
                return int(value, 0) if value[:2] in ("0o", "0x") else int(value, 10)
            except ValueError:
                raise self._fail(node, f"{value!r} is not an integer",
                                 "write a plain decimal number") from None
        try:
            return float(value.lower().replace(".inf", "inf").replace(".nan", "nan"))
        except ValueError:
            raise self._fail(node, f"{value!r} is not a number", "write a plain number") from None

    def build(self, root: Node) -> Any:
        # Iterative walk: a deeply nested hostile file cannot exhaust the stack.
        # Each entry says where its value goes: container[slot].
        value_marks, key_marks = self.value_marks, self.key_marks
        marking = value_marks is not None and key_marks is not None
        # A plain string child is set in place when nothing about it can fail (it
        # is met once, its tag is allowed, it is not too deep) and no mark is
        # wanted: the same result as pushing it, without the round trip.
        direct = not self.shared and not marking
        result: list[Any] = [None]
        stack: list[tuple[Node, Path, int, Any, Any]] = [(root, (), 0, result, 0)]
        seen, fail_check = self.seen, self._check
        while stack:
            node, path, depth, container, slot = stack.pop()
            # _check inlined on the common path: this loop runs once per node.
            if id(node) in seen or depth > MAX_DEPTH or node.tag not in _ALLOWED_TAGS:
                fail_check(node, depth)
            if not direct:
                seen.add(id(node))
            if marking:
                value_marks[path] = _mark(node)  # type: ignore[index]
            kind = type(node)
            if kind is ScalarNode:
                container[slot] = node.value if node.tag == _STR else self._scalar(node)
            elif kind is SequenceNode:
                seq: list[Any] = [None] * len(node.value)
                container[slot] = seq
                depth += 1
                inline = direct and depth <= MAX_DEPTH
                for index, child in enumerate(node.value):
                    if inline and type(child) is ScalarNode and child.tag == _STR:
                        seq[index] = child.value
                        continue
                    stack.append((child, (*path, index) if marking else path, depth, seq, index))
            elif kind is MappingNode:
                mapping: dict[str, Any] = {}
                first: dict[str, Node] = {}
                container[slot] = mapping
                inline = direct and depth + 1 <= MAX_DEPTH
                for key_node, child in node.value:
                    if (id(key_node) in seen or depth >= MAX_DEPTH
                            or key_node.tag not in _ALLOWED_TAGS
                            or type(key_node) is not ScalarNode):
                        self._key(key_node, depth)
                    if not direct:
                        seen.add(id(key_node))
                    key = str(key_node.value)
                    if key in first:
                        raise self._fail(
                            key_node,
                            f"duplicate key {key!r} (first at line {_mark(first[key])[0]})",
                            "keep one of them: YAML would silently keep only the last",
                        )
                    first[key] = key_node
                    if inline and type(child) is ScalarNode and child.tag == _STR:
                        mapping[key] = child.value
                        continue
                    mapping[key] = None
                    child_path = (*path, key) if marking else path
                    if marking:
                        key_marks[child_path] = _mark(key_node)  # type: ignore[index]
                    stack.append((child, child_path, depth + 1, mapping, key))
        return result[0]

    def _key(self, node: Node, depth: int) -> str:
        self._check(node, depth + 1)
        if not isinstance(node, ScalarNode):
            raise self._fail(node, "a mapping key must be plain text",
                             "use a simple word as the key")
        return str(node.value)


