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

This package is the reader's public face (:func:`decode`, :func:`parse`,
:class:`Document`, :class:`YamlError`); its parts are :mod:`.schema` (the YAML it
accepts), :mod:`.events` (events -> data) and :mod:`.explain` (syntax errors in a
person's words).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..errors import Location, Path
from .events import YamlError, _error, _read
from .schema import MAX_DEPTH

__all__ = ["MAX_BYTES", "MAX_DEPTH", "Document", "YamlError", "decode", "parse", "paused_gc"]

MAX_BYTES = 16 * 1024 * 1024


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
