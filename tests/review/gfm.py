"""Render Markdown as GitHub does (cmark-gfm) and find raw syntax left in its text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

# What github.com enables for comments; raw HTML passes (GitHub sanitizes it
# afterwards, keeping <details>, <summary>, <code> and <sub>).
EXTENSIONS = ["table", "strikethrough", "autolink", "tagfilter", "tasklist"]
LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")
ESCAPE = re.compile(r"\\[\\`*_\[\]<>|~#-]")
# A line that begins like Markdown block syntax was not parsed as a block.
BLOCK_START = re.compile(r"^\s*(#{1,6}\s|[-*+]\s|>\s|\|)")


def to_html(markdown: str) -> str:
    html: str = cmarkgfm.markdown_to_html_with_extensions(
        markdown, options=Options.CMARK_OPT_UNSAFE, extensions=EXTENSIONS)
    return html


class _Text(HTMLParser):
    """Text nodes with whether they sit in a <summary> and in <code>/<pre>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.nodes: list[tuple[str, bool, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("br", "hr", "img", "input"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        self.nodes.append((data, "summary" in self.open,
                           "code" in self.open or "pre" in self.open))


def artefacts(markdown: str) -> list[str]:
    """Raw Markdown syntax left in what GitHub would show."""
    parser = _Text()
    parser.feed(to_html(markdown))
    found = []
    for text, in_summary, in_code in parser.nodes:
        if in_summary and "`" in text:
            found.append(f"backtick in <summary>: {text!r}")
        if in_code:
            continue
        for line in text.splitlines():
            if "`" in line:
                found.append(f"backtick: {line!r}")
            if "**" in line or "__" in line:
                found.append(f"unrendered emphasis: {line!r}")
            if LINK.search(line):
                found.append(f"unrendered link: {line!r}")
            if ESCAPE.search(line):
                found.append(f"backslash escape shown: {line!r}")
            if BLOCK_START.match(line):
                found.append(f"block syntax as text: {line!r}")
    return found


def summaries(markdown: str) -> list[str]:
    return re.findall(r"<summary>(.*?)</summary>", to_html(markdown), re.S)
