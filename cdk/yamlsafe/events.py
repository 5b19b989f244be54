"""libyaml's events -> plain data, refusing what agentid does not read (tags, aliases,
depth, duplicate keys), with where each value stands when asked."""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import Finding, Location, Path
from .explain import _explain, _line, _quote
from .schema import (
    _ALLOWED_TAGS,
    _BOOL,
    _IMPLICIT,
    _INT,
    _NULL,
    _STR,
    MAX_DEPTH,
    _Parser,
)


class YamlError(Exception):
    """The text is not acceptable YAML for agentid; carries one finding."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(finding.render())


def _error(file: str, line: int, col: int, message: str, hint: str) -> YamlError:
    return YamlError(
        Finding("AgentId-Yaml", (), message, hint, Location(file, line, col))
    )


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
