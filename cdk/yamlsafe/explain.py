"""Explaining syntax errors: libyaml's problem, in a person's words, where the fix goes."""

from __future__ import annotations

import json
import re

import yaml

from .schema import MAX_DEPTH

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
