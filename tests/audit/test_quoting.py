"""A query template never interpolates record text unquoted.

GIVEN values holding quotes, backslashes and the comment markers of SQL, KQL and
Cloud Logging (``--``, ``/*``, ``//``), WHEN each filter quotes them, or each query
template renders with every input replaced by them, THEN the value reads back
exactly from one literal, and the query around it is the same as with plain values:
the value never ends a literal, starts a comment or adds a qualifier. Values no
language here can carry on one line (newlines, control and format characters) are
refused, and a template that interpolates a value without a quoting filter fails.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import UndefinedError

from cdk.audit.clouds import CloudAudit
from cdk.audit.plan import plan_audit
from cdk.audit.quoting import FILTERS, Quoted, QuotingError
from cdk.audit.render import environment, render_query

from ..conftest import TODAY
from .helpers import HOSTILE, identities, split_literals

TEMPLATES = Path(__file__).resolve().parents[2] / "cdk" / "audit" / "templates"
UNSAFE = ["line\nfeed", "carriage\rreturn", "tab\there", "nul\x00", "line\u2028separator",
          "bidi\u202eoverride", "zero\u200bwidth"]
# GitHub's search has no escape inside quotes: without " and \ every other marker passes.
HOSTILE_GITHUB = HOSTILE.replace('"', "").replace("\\", "")


@pytest.mark.parametrize(("language", "quote"), [("sql", "sql"), ("sql", "sql_ident"),
                                                 ("kql", "kql"), ("logging", "logging"),
                                                 ("github", "github")])
def test_a_quoted_value_reads_back_whole_from_one_literal(language: str, quote: str) -> None:
    value = HOSTILE_GITHUB if quote == "github" else HOSTILE
    # WHEN the value is quoted between two plain tokens
    text = f"before {FILTERS[quote](value)} after"
    # THEN it is one literal holding exactly the value, and nothing leaks around it
    skeleton, values = split_literals(text, language)
    assert values == [value]
    assert skeleton in ("before '<q>' after", 'before "<q>" after')


def test_each_language_escapes_its_own_quote() -> None:
    assert FILTERS["sql"]("O'Brien \\ \"x\"") == "'O''Brien \\ \"x\"'"
    assert FILTERS["sql_ident"]('a"b') == '"a""b"'
    assert FILTERS["kql"]('a"b\\c\'d') == '"a\\"b\\\\c\'d"'
    assert FILTERS["logging"]('a"b\\c') == '"a\\"b\\\\c"'
    assert FILTERS["github"]("acme/api -- /* // '") == '"acme/api -- /* // \'"'
    assert FILTERS["jq"]('agent-"x"\\') == '"agent-\\"x\\"\\\\"'
    assert FILTERS["sh"]("it's $(id)") == "'it'\"'\"'s $(id)'"
    assert FILTERS["sh"]("acme/api") == "acme/api"
    assert FILTERS["iso_date"]("2026-10-30") == "2026-10-30"


def test_shell_and_jq_quoting_read_back() -> None:
    assert shlex.split(f"gh api {FILTERS['sh'](HOSTILE)} done") == ["gh", "api", HOSTILE, "done"]
    assert json.loads(FILTERS["jq"](HOSTILE)) == HOSTILE


@pytest.mark.parametrize("bad", ['say "hi"', "back\\slash"])
def test_github_refuses_what_its_search_cannot_escape(bad: str) -> None:
    with pytest.raises(QuotingError, match="no escape for"):
        FILTERS["github"](bad)


@pytest.mark.parametrize("name", sorted(FILTERS))
@pytest.mark.parametrize("value", UNSAFE)
def test_every_filter_refuses_what_cannot_be_one_line_of_text(name: str, value: str) -> None:
    with pytest.raises(QuotingError, match="is not visible text"):
        FILTERS[name](value)


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_every_filter_quotes_text_only(name: str) -> None:
    with pytest.raises(QuotingError, match="only text is quoted"):
        FILTERS[name](7)


@pytest.mark.parametrize("bad", ["2026-10-30' OR 1=1", "30 days", "2026-10-3"])
def test_a_date_qualifier_is_a_date_or_refused(bad: str) -> None:
    with pytest.raises(QuotingError, match="not a date"):
        FILTERS["iso_date"](bad)


@pytest.mark.parametrize("source", ["{{ value }}", "{{ value ~ '' }}", "{{ value|upper }}",
                                    "{{ 7 }}", "{{ (value|sql) ~ value }}"])
def test_the_environment_refuses_a_value_without_a_quoting_filter(source: str) -> None:
    template = environment().from_string(source)
    with pytest.raises(QuotingError, match="without a quoting filter"):
        template.render(value="agent-docs")


def test_the_environment_renders_quoted_values_and_fails_on_a_typo() -> None:
    assert environment().from_string("x = {{ value|sql }}").render(value="a'b") == "x = 'a''b'"
    with pytest.raises(UndefinedError):
        environment().from_string("{{ vaule|sql }}").render(value="a")


def test_every_interpolation_in_every_template_ends_in_a_quoting_filter() -> None:
    # The static twin of the environment's finalize: a reviewer sees it in the diff.
    quoting = "|".join(FILTERS)
    templates = sorted(TEMPLATES.glob("*.j2"))
    assert len(templates) >= 10
    for path in templates:
        for expression in re.findall(r"{{(.*?)}}", path.read_text(), re.S):
            assert re.search(rf"\|\s*(?:{quoting})\s*$", expression), (path.name, expression)


def _hostile(cloud: CloudAudit, value: str) -> CloudAudit:
    """The cloud's inputs with every record-derived text ending in ``value``."""
    def spoil(item: object) -> object:
        if isinstance(item, str):
            return item + value
        if isinstance(item, tuple):
            return tuple(spoil(part) for part in item)
        return item
    inputs = {key: item if key.startswith("since_") else spoil(item)
              for key, item in cloud.inputs.items()}
    return dataclasses.replace(cloud, inputs=inputs)


LANGUAGE_OF = {"Athena SQL": "sql", "KQL": "kql", "Cloud Logging query": "logging",
               "GitHub audit-log search": "github"}


def _clouds() -> list[CloudAudit]:
    ids = identities()
    docs = next(a for a in ids.agents if a.name == "docs")
    return list(plan_audit(docs, ids, TODAY, TODAY.replace(day=1), True).clouds)


def _shell_lines(text: str) -> list[list[str]]:
    return [shlex.split(line, comments=True) for line in text.splitlines()]


@pytest.mark.parametrize("cloud", _clouds(), ids=lambda c: c.cloud)
def test_hostile_inputs_change_only_the_inside_of_literals(cloud: CloudAudit) -> None:
    value = HOSTILE_GITHUB if cloud.cloud == "github" else HOSTILE
    for query in cloud.queries:
        # GIVEN the query rendered from the record, and from inputs that end in `value`
        plain = render_query(cloud, query)
        spoiled = render_query(_hostile(cloud, value), query)
        if query.language in LANGUAGE_OF:
            language = LANGUAGE_OF[query.language]
            # THEN the query's skeleton (all but its literals) is unchanged, and each
            # input reads back whole from a literal
            plain_skeleton, plain_values = split_literals(plain.text, language)
            skeleton, values = split_literals(spoiled.text, language)
            assert skeleton == plain_skeleton, query.id
            assert values and any(v.endswith(value) for v in values), query.id
        else:
            assert len(_shell_lines(spoiled.text)) == len(_shell_lines(plain.text))
            assert [len(words) for words in _shell_lines(spoiled.text)] == \
                [len(words) for words in _shell_lines(plain.text)], query.id
            assert any(value in word for words in _shell_lines(spoiled.text) for word in words)
        if plain.command is not None:
            assert spoiled.command is not None
            assert [len(w) for w in _shell_lines(spoiled.command)] == \
                [len(w) for w in _shell_lines(plain.command)], query.id
            assert any(value in word for words in _shell_lines(spoiled.command)
                       for word in words)


def test_a_github_search_refuses_a_value_it_cannot_quote() -> None:
    github = next(c for c in _clouds() if c.cloud == "github")
    search = next(q for q in github.queries if q.language == "GitHub audit-log search")
    with pytest.raises(QuotingError, match="GitHub search"):
        render_query(_hostile(github, 'x" repo:other/repo "'), search)


def test_the_description_never_reaches_a_query() -> None:
    # The record's free text is printed in the header only, never inside a query.
    ids = identities()
    for agent in ids.agents:
        plan = plan_audit(agent, ids, TODAY, TODAY.replace(day=1), True)
        for cloud in plan.clouds:
            for query in cloud.queries:
                rendered = render_query(cloud, query)
                assert agent.description not in rendered.text
                assert agent.description not in (rendered.command or "")


def test_quoted_is_text() -> None:
    assert isinstance(FILTERS["sql"]("a"), Quoted) and FILTERS["sql"]("a") == "'a'"


# Any text the filters accept: every code point but the categories they refuse.
_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")))


@pytest.mark.fuzz
@given(value=_TEXT)
@pytest.mark.parametrize(("language", "quote"), [("sql", "sql"), ("sql", "sql_ident"),
                                                 ("kql", "kql"), ("logging", "logging")])
def test_any_text_reads_back_whole_from_one_literal(language: str, quote: str,
                                                    value: str) -> None:
    skeleton, values = split_literals(f"a = {FILTERS[quote](value)} -- end", language)
    assert values == [value]
    assert skeleton in ("a = '<q>' -- end", 'a = "<q>" -- end')


@pytest.mark.fuzz
@given(value=_TEXT)
def test_any_text_is_one_shell_word(value: str) -> None:
    assert shlex.split(f"cmd {FILTERS['sh'](value)} end") == ["cmd", value, "end"]
