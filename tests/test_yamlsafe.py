"""The strict reader: plain data built from libyaml's events, one located finding on refusal.

docs/hostile-input.md (tests/test_hostile.py) holds what whole files produce; these
cases pin down the reader's own order of problems and its marks.
"""

from __future__ import annotations

import pytest

from cdk.errors import Location
from cdk.yamlsafe import YamlError, parse


def _refusal(text: str) -> str:
    with pytest.raises(YamlError) as caught:
        parse("f.yaml", text)
    finding = caught.value.finding
    assert finding.location is not None
    return f"{finding.location.line}:{finding.location.col} {finding.message}"


def test_values_are_plain_data_in_yaml_one_point_two() -> None:
    # GIVEN scalars of every core type, flow and block collections
    text = "on: yes\nn: 0x1f\nf: .inf\nb: true\nz: ~\nq: '1'\nl: [a, {k: 2}]\nd: 2027-02-15\n"
    # WHEN read THEN they are YAML 1.2 core values, dates as text
    assert parse("f.yaml", text).data == {
        "on": "yes", "n": 31, "f": float("inf"), "b": True, "z": None, "q": "1",
        "l": ["a", {"k": 2}], "d": "2027-02-15"}


def test_marks_locate_values_and_keys() -> None:
    # GIVEN a nested document
    document = parse("f.yaml", "agents:\n  - name: x\n    runs_on: [{repo: a/b}]\n")
    # WHEN a value, a key and a missing path are located
    # THEN each points at the value, the key, or the nearest parent
    assert document.locate(("agents", 0, "name")) == Location("f.yaml", 2, 11)
    assert document.locate(("agents", 0, "runs_on", 0, "repo")) == Location("f.yaml", 3, 22)
    assert document.locate(("agents", 0, "runs_on"), key=True) == Location("f.yaml", 3, 5)
    assert document.locate(("agents", 0, "nope")) == Location("f.yaml", 2, 5)


def test_the_first_refused_value_in_reading_order_is_reported() -> None:
    # GIVEN a disallowed tag before a duplicate key
    text = "a: !env x\nb: 1\nb: 2\n"
    # WHEN read THEN the tag, which comes first, is the finding
    assert _refusal(text) == "1:4 tag '!env' is not allowed"


def test_a_syntax_error_anywhere_wins_over_a_refused_value() -> None:
    # GIVEN a duplicate key, and further down text that is no YAML at all
    text = "a: 1\na: 2\nb: [unclosed\n"
    # WHEN read THEN the syntax error is reported, as the whole text is parsed
    assert _refusal(text) == "4:1 not valid YAML: did not find expected ',' or ']'"


@pytest.mark.parametrize(("text", "expected"), [
    # an alias is refused where the value it repeats starts (its anchor)
    ("a: &x [1]\nb: *x\n", "1:4 anchors and aliases are not supported"),
    ("a: &x [*x]\n", "1:4 anchors and aliases are not supported"),
    # composer errors, wherever they stand, as libyaml's composer words them
    ("a: *x\n", "1:4 not valid YAML: found undefined alias"),
    ("a: !env 1\nb: *x\n", "2:4 not valid YAML: found undefined alias"),
    ("a: &x 1\nb: &x 2\n", "2:4 not valid YAML: second occurrence"),
    ("a: 1\n---\nb: 2\n", "2:1 not valid YAML: expected a single document in the stream, "
                          "but found another document"),
    # a key must be one plain scalar
    ("? [a]\n: 1\n", "1:3 a mapping key must be plain text"),
    ("a: {b: 1, b: 2}\n", "1:11 duplicate key 'b' (first at line 1)"),
])
def test_refusals_are_located(text: str, expected: str) -> None:
    assert _refusal(text) == expected
