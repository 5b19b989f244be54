"""The strict reader: plain data built from libyaml's events, one located finding on refusal.

docs/hostile-input.md (tests/test_hostile.py) holds what whole files produce; these
cases pin down the reader's own order of problems and its marks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.cli import main
from cdk.errors import Location
from cdk.yamlsafe import YamlError, parse

from .conftest import TODAY_ARG
from .records import variant, write


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
    # an anchor is refused where it is defined, even if nothing repeats it
    ("a: &x text\n", "1:4 anchors and aliases are not supported"),
    # composer errors, wherever they stand, in words that say what to write
    ("a: *x\n", "1:4 not valid YAML: `*` starts a YAML alias (a reference to an `&` "
                "anchor), not text"),
    ("a: !env 1\nb: *x\n", "2:4 not valid YAML: `*` starts a YAML alias (a reference to "
                          "an `&` anchor), not text"),
    ("a: &x 1\nb: &x 2\n", "2:4 not valid YAML: `&` starts a YAML anchor, not text"),
    ("a: 1\n---\nb: 2\n", "2:1 not valid YAML: expected a single document in the stream, "
                          "but found another document"),
    # a key must be one plain scalar
    ("? [a]\n: 1\n", "1:3 a mapping key must be plain text"),
    ("a: {b: 1, b: 2}\n", "1:11 duplicate key 'b' (first at line 1)"),
])
def test_refusals_are_located(text: str, expected: str) -> None:
    assert _refusal(text) == expected


# The mistakes people make most, as `agentid validate` reports them: (id, old text of
# the base record, new text, the whole finding after "FILE:").
MISTAKES = [
    ("unquoted-at", 'owner: "@acme/platform"', "owner: @acme/platform",
     "10:12: (file): not valid YAML: `@` is reserved in YAML: a value cannot start with it "
     'unless quoted — quote it: owner: "@acme/platform"'),
    ("unquoted-at-in-a-flow-list", 'approvers: ["@acme/release-managers"]',
     "approvers: [@acme/release-managers]",
     "12:17: (file): not valid YAML: `@` is reserved in YAML: a value cannot start with it "
     'unless quoted — quote it: "@acme/release-managers"'),
    ("unquoted-star", 'read: ["arn:aws:s3:::acme-artifacts/releases/*"]',
     "read:\n          - *",
     "21:13: (file): not valid YAML: `*` starts a YAML alias (a reference to an `&` "
     'anchor), not text — quote it: - "*"'),
    ("unquoted-bang", "description: Tags releases and uploads build artifacts",
     "description: !important release tags",
     "9:18: (file): tag '!important' is not allowed — `!` starts a YAML tag; if this is "
     'text, quote it: description: "!important release tags"; else remove the tag: only '
     "plain strings, numbers, booleans, lists and mappings are read"),
    ("unquoted-ampersand", "description: Tags releases and uploads build artifacts",
     "description: &more release tags",
     "9:18: (file): anchors and aliases are not supported — `&` starts a YAML anchor; if "
     'this is text, quote it: description: "&more release tags"; else write the value out '
     "in full so each record reads on its own in review"),
    ("unquoted-ampersand-in-a-name", 'owner: "@acme/platform"', "owner: &acme/platform",
     "10:12: (file): not valid YAML: `&` starts a YAML anchor, not text — quote it: "
     'owner: "&acme/platform"'),
    ("value-starting-with-colon", "description: Tags releases and uploads build artifacts",
     "description: : tags releases",
     "9:18: (file): not valid YAML: a value cannot start with `:` unless quoted — quote "
     'it: description: ": tags releases"'),
    ("colon-inside-a-value", "description: Tags releases and uploads build artifacts",
     "description: Tags releases: and uploads",
     "9:18: (file): not valid YAML: a value with `: ` inside it (or ending in `:`) must be "
     'quoted — quote it: description: "Tags releases: and uploads"'),
    ("list-item-outdented", "      - repo: acme/api\n",
     "      - repo: acme/api\n        repo_id: 1\n        environment: agent-release-bot\n"
     "     - repo: acme/web\n",
     "18:6: (file): not valid YAML: the list item `-` is indented to column 6, where no "
     "list around it starts — line it up with the `-` on line 15 (column 7), or with the "
     "`-` on line 8 (column 3)"),
    ("key-one-space-too-far", "    owner: ", "     owner: ",
     "10:6: (file): not valid YAML: `owner:` is indented to column 6, where no mapping "
     "around it starts — line it up with `description:` on line 9 (column 5), or with "
     "`agents:` on line 7 (column 1)"),
    ("key-one-space-short", "        repo_id: 123456", "       repo_id: 123456",
     "16:8: (file): not valid YAML: `repo_id:` is indented to column 8, where no mapping "
     "around it starts — line it up with `repo:` on line 15 (column 9), or with "
     "`runs_on:` on line 14 (column 5), or with `agents:` on line 7 (column 1)"),
    ("tab-indentation", "    expires: 2027-02-15\n", "\texpires: 2027-02-15\n",
     "13:1: (file): not valid YAML: a tab character where YAML expects indentation or a "
     "value — indent with spaces; YAML does not allow tabs for indentation"),
    ("tab-after-spaces", "    expires: 2027-02-15\n", "  \t  expires: 2027-02-15\n",
     "13:3: (file): not valid YAML: a tab character where YAML expects indentation or a "
     "value — indent with spaces; YAML does not allow tabs for indentation"),
    ("duplicate-key", "    expires: 2027-02-15\n",
     "    expires: 2027-02-15\n    expires: 2027-02-16\n",
     "14:5: (file): duplicate key 'expires' (first at line 13) — keep one of them: YAML "
     "would silently keep only the last"),
    ("quote-never-closed", "description: Tags releases and uploads build artifacts",
     'description: "Tags releases',
     "9:18: (file): not valid YAML: a quoted value is never closed — end it with the same "
     "quote it starts with, on this line"),
]


@pytest.mark.parametrize(("old", "new", "expected"), [case[1:] for case in MISTAKES],
                         ids=[case[0] for case in MISTAKES])
def test_common_yaml_mistakes_are_explained_where_the_fix_goes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        old: str, new: str, expected: str) -> None:
    # GIVEN the base record with one common YAML mistake
    source = write(tmp_path, variant(old, new))
    # WHEN it is validated
    code = main(["validate", "-f", str(source), "--today", TODAY_ARG])
    # THEN exit 1 with exactly one finding: FILE:LINE:COL, what is wrong, how to fix it
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [f"{source}:{expected} [AgentId-Yaml]",
                                "agentid: 1 problem found"]
