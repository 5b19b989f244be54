"""Quoting for each query language ``agentid audit`` writes (pure).

Every value a query template interpolates passes through one of these filters,
which return :class:`Quoted`; the template environment refuses any other value
(:func:`cdk.audit.render.environment`), so record text can never land in a query
unquoted. Each filter quotes for exactly one language:

- ``sql``: an Athena (Trino) string literal, ``'`` doubled; Trino has no backslash
  escapes, so ``\\`` is an ordinary character inside the literal.
- ``sql_ident``: a Trino quoted identifier, ``"`` doubled.
- ``kql``: a Kusto string literal, ``"`` and ``\\`` escaped with ``\\``.
- ``logging``: a Cloud Logging query string, ``"`` and ``\\`` escaped with ``\\``.
- ``github``: a GitHub search qualifier value, in double quotes. GitHub's search has
  no escape for ``"`` or ``\\`` inside quotes, so such a value is refused.
- ``iso_date``: a ``YYYY-MM-DD`` date, bare; nothing else passes.
- ``jq``: a jq (JSON) string literal.
- ``sh``: one POSIX shell word (single quotes, ``'`` as ``'"'"'``).

Characters no language here can carry safely on one line (control and format
characters, line and paragraph separators) are refused by every filter: the schema
admits none in the fields queries use, so meeting one is refused, never guessed.
"""

from __future__ import annotations

import json
import re
import shlex
import unicodedata
from collections.abc import Callable

from jinja2 import Undefined

from ..errors import AgentIdError

# Control, format, separator, surrogate, private-use and unassigned code points.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Quoted(str):
    """Text already quoted for the language of the query it goes into."""

    __slots__ = ()


class QuotingError(AgentIdError):
    """A value that cannot be quoted safely for a query language."""


def _checked(value: object, language: str) -> str:
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises UndefinedError naming the missing variable
    if not isinstance(value, str):
        raise QuotingError(f"cannot quote {type(value).__name__} {value!r} for {language}: "
                           "only text is quoted (a bug in agentid's audit templates)")
    for index, char in enumerate(value):
        if unicodedata.category(char) in _UNSAFE_CATEGORIES:
            raise QuotingError(
                f"cannot quote {value!r} for {language}: U+{ord(char):04X} at position "
                f"{index + 1} is not visible text — no audit query is written with it")
    return value


def sql(value: object) -> Quoted:
    """An Athena (Trino) string literal: ``O'Brien`` -> ``'O''Brien'``."""
    text = _checked(value, "Athena SQL")
    return Quoted("'" + text.replace("'", "''") + "'")


def sql_ident(value: object) -> Quoted:
    """An Athena (Trino) quoted identifier: ``a"b`` -> ``"a""b"``."""
    text = _checked(value, "an Athena SQL identifier")
    return Quoted('"' + text.replace('"', '""') + '"')


def _backslashed(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def kql(value: object) -> Quoted:
    """A Kusto (KQL) string literal: ``a"b\\c`` -> ``"a\\"b\\\\c"``."""
    return Quoted(_backslashed(_checked(value, "KQL")))


def logging(value: object) -> Quoted:
    """A Cloud Logging query-language string: ``a"b\\c`` -> ``"a\\"b\\\\c"``."""
    return Quoted(_backslashed(_checked(value, "a Cloud Logging query")))


def github(value: object) -> Quoted:
    """A GitHub search qualifier value in double quotes: ``acme/api`` -> ``"acme/api"``."""
    text = _checked(value, "a GitHub search")
    bad = next((char for char in text if char in '"\\'), None)
    if bad is not None:
        raise QuotingError(f"cannot quote {text!r} for a GitHub search: its qualifiers have "
                           f"no escape for {bad!r} — no audit query is written with it")
    return Quoted(f'"{text}"')


def iso_date(value: object) -> Quoted:
    """A ``YYYY-MM-DD`` date, bare (a search qualifier's date); anything else is refused."""
    text = _checked(value, "a date")
    if not _ISO_DATE.fullmatch(text):
        raise QuotingError(f"{text!r} is not a date written as YYYY-MM-DD")
    return Quoted(text)


def jq(value: object) -> Quoted:
    """A jq string literal (JSON, ASCII only)."""
    return Quoted(json.dumps(_checked(value, "jq"), ensure_ascii=True))


def sh(value: object) -> Quoted:
    """One POSIX shell word: ``it's`` -> ``'it'"'"'s'``; plain words stay bare."""
    return Quoted(shlex.quote(_checked(value, "the shell")))


FILTERS: dict[str, Callable[[object], Quoted]] = {
    "sql": sql,
    "sql_ident": sql_ident,
    "kql": kql,
    "logging": logging,
    "github": github,
    "iso_date": iso_date,
    "jq": jq,
    "sh": sh,
}
