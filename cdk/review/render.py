"""Packet -> Markdown (for the pull-request comment) or JSON (for machines).

Jinja runs sandboxed with ``StrictUndefined``. Every ``{{ value }}`` passes
through :func:`md_text` unless a filter already made it safe, so text from the
record (descriptions, reasons) cannot inject HTML, links, images, tables or
@-mentions into the comment: Markdown's autoescape. Inside an HTML block
(``<summary>``) GitHub renders no Markdown, so values there use the ``html`` and
``html_code`` filters instead of ``code``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from enum import Enum
from functools import lru_cache
from typing import Any

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .card import IdentityCard
from .diff import by_resource
from .packet import Packet

# A word joiner (U+2060) is invisible but breaks GitHub's auto-linking of
# @mentions, #references and bare URLs without changing what a reader sees.
_JOIN = "\u2060"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_AUTOLINK = re.compile(r"(?i)([@#])(?=[a-z0-9])|(:)(?=//)|(www)(?=\.)")


def md_text(value: Any) -> str:
    """Plain text made inert in Markdown: one line, specials escaped, no autolinks."""
    text = re.sub(r"\s+", " ", str(value))
    text = text.replace("&", "&amp;")
    text = _MD_SPECIAL.sub(lambda m: "&lt;" if m.group(1) == "<" else
                           "&gt;" if m.group(1) == ">" else "\\" + m.group(1), text)
    return _AUTOLINK.sub(lambda m: (m.group(0)) + _JOIN, text)


def md_code(value: Any) -> Markup:
    """A code span holding ``value`` verbatim (nothing inside a code span is rendered)."""
    text = " ".join(str(value).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def md_spans(value: Any) -> Markup:
    """Text whose `backticked` parts are code spans: a gate's message and fix name
    commands and keys that way. Every part is made inert (:func:`md_text` or
    :func:`md_code`), so a stray backtick from the record only changes what shows as code."""
    parts = str(value).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: nothing is code
        return Markup(md_text(value))
    return Markup("".join((md_code(part) if part.strip() else "") if i % 2 else md_text(part)
                          for i, part in enumerate(parts)))


def html_text(value: Any) -> Markup:
    """Plain text for an HTML block such as ``<summary>``, where GitHub renders no Markdown:
    HTML-escaped, one line, no autolinks (a backslash escape would show literally there)."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Markup(_AUTOLINK.sub(lambda m: (m.group(0)) + _JOIN, text))


def html_code(value: Any) -> Markup:
    """``value`` as ``<code>`` inside an HTML block (a backtick code span would show its
    backticks: GitHub renders no Markdown inside ``<summary>``)."""
    return Markup(f"<code>{html_text(value)}</code>")


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    return md_text(value)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """The one template environment: sandboxed, strict, Markdown-escaping."""
    env = SandboxedEnvironment(
        loader=PackageLoader("cdk.review", "templates"),
        undefined=StrictUndefined,
        autoescape=False,  # HTML escaping is wrong for Markdown; _finalize escapes instead
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["code"] = md_code
    env.filters["spans"] = md_spans
    env.filters["html"] = html_text
    env.filters["html_code"] = html_code
    env.filters["plural"] = _plural
    env.filters["by_resource"] = by_resource
    return env


def render_markdown(packet: Packet) -> str:
    """The pull-request comment: starts with the marker CI uses to update it in place."""
    return _tidy(environment().get_template("review.md.j2").render(packet=packet))


def render_card(card: IdentityCard, run_id: str | None = None,
                approver: str | None = None) -> str:
    """The per-run identity block a run record carries."""
    return _tidy(environment().get_template("run_card.md.j2").render(
        card=card, run_id=run_id, approver=approver))


def _tidy(text: str) -> str:
    # Templates stay readable with blank lines around blocks; the output keeps
    # at most one blank line in a row and ends with exactly one newline.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def to_data(value: Any) -> Any:
    """Dataclasses, tuples, dates -> JSON-ready data, properties included where they matter."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for extra in ("ok", "broadened", "narrowed", "counts", "extended", "locks",
                      "banner", "line"):
            if hasattr(type(value), extra):
                data[extra] = to_data(getattr(value, extra))
        return data
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def render_json(packet: Packet) -> str:
    """The same packet for machines: sorted keys, two-space indent, trailing newline."""
    return json.dumps(to_data(packet), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
