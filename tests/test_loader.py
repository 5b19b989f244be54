"""Bad input is refused with FILE:LINE:COL, the field path and how to fix it.

GIVEN a record with one thing wrong, WHEN it is synthesized, THEN the exit code
is 1, the message names the path and line, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.cli import main

from .conftest import TODAY_ARG
from .records import BASE, assert_refused, variant, write

# (id, old text, new text, expected path, marker for the expected line, message part)
CASES = [
    ("name-uppercase", "name: release-bot", "name: Release-Bot",
     "agents[0].name", "name: Release-Bot", "3-24 characters"),
    ("name-too-long", "name: release-bot", "name: release-bot-with-a-very-long-name",
     "agents[0].name", "name: release-bot-with", "3-24 characters"),
    ("name-reserved", "name: release-bot", "name: foundation",
     "agents[0].name", "name: foundation", "reserved"),
    ("owner-person", 'owner: "@acme/platform"', 'owner: "@alice"',
     "agents[0].owner", 'owner: "@alice"', "never by one person"),
    ("rotation-owner-outside-org", 'rotation_owner: "@acme/platform-oncall"',
     'rotation_owner: "@other/oncall"', "agents[0].rotation_owner", "rotation_owner:",
     "outside the organization acme"),
    ("no-approvers", 'approvers: ["@acme/release-managers"]', "approvers: []",
     "agents[0].approvers", "approvers: []", "must not be empty"),
    ("too-many-approvers", 'approvers: ["@acme/release-managers"]',
     'approvers: ["@a1", "@a2", "@a3", "@a4", "@a5", "@a6", "@a7"]',
     "agents[0].approvers", "approvers: [", "at most 6"),
    ("expiry-missing", "    expires: 2027-02-15\n", "",
     "agents[0].expires", "  - name: release-bot", "required field is missing"),
    ("expiry-past", "expires: 2027-02-15", "expires: 2026-01-01",
     "agents[0].expires", "expires: 2026-01-01", "not after today"),
    ("expiry-today", "expires: 2027-02-15", "expires: 2026-11-29",
     "agents[0].expires", "expires: 2026-11-29", "not after today"),
    ("expiry-beyond-policy", "expires: 2027-02-15", "expires: 2028-01-01",
     "agents[0].expires", "expires: 2028-01-01", "more than 90 days"),
    ("expiry-not-a-date", "expires: 2027-02-15", "expires: 20270215",
     "agents[0].expires", "expires: 20270215", "YYYY-MM-DD"),
    ("expiry-month-13", "expires: 2027-02-15", "expires: 2027-13-01",
     "agents[0].expires", "expires: 2027-13-01", "2027-13-01 is not a date in the calendar"),
    ("repo-outside-owner", "repo: acme/api", "repo: evil/api",
     "agents[0].runs_on[0].repo", "repo: evil/api", "outside the organization"),
    ("repo-wildcard", "repo: acme/api", "repo: acme/*",
     "agents[0].runs_on[0].repo", "repo: acme/*", "no wildcards"),
    ("environment-wildcard", "environment: agent-release-bot", "environment: agent-*",
     "agents[0].runs_on[0].environment", "environment: agent-*", "no wildcards"),
    ("repo-id-missing", "        repo_id: 123456\n", "",
     "agents[0].runs_on[0].repo_id", "      - repo: acme/api", "required field is missing"),
    ("repo-id-text", "repo_id: 123456", 'repo_id: "123456"',
     "agents[0].runs_on[0].repo_id", 'repo_id: "123456"', "must be a number"),
    ("workflow-without-ref", "environment: agent-release-bot",
     "environment: agent-release-bot\n        workflow: .github/workflows/release.yml",
     "agents[0].runs_on[0]", "      - repo: acme/api", "give both"),
    ("ref-wildcard", "environment: agent-release-bot",
     "environment: agent-release-bot\n        workflow: .github/workflows/release.yml\n"
     "        ref: refs/heads/*", "agents[0].runs_on[0].ref", "ref: refs/heads/*",
     "no wildcards"),
    ("unknown-key", "    expires: 2027-02-15\n", "    expires: 2027-02-15\n    token: ghp_x\n",
     "agents[0].token", "token: ghp_x", "unknown key 'token'"),
    ("account-unquoted", 'account_id: "123456789012"', "account_id: 123456789012",
     "defaults.aws.account_id", "aws: {account_id", "must be text"),
    ("version-2", "version: 1", "version: 2", "version", "version: 2", "must be one of 1"),
    ("duplicate-key", "    expires: 2027-02-15\n",
     "    expires: 2027-02-15\n    expires: 2027-02-16\n", "(file)", "expires: 2027-02-16",
     "duplicate key 'expires'"),
    ("tab-indentation", "    expires: 2027-02-15\n", "\texpires: 2027-02-15\n", "(file)",
     "\texpires", "tab"),
    ("session-too-long", "max_session_minutes: 60", "max_session_minutes: 900",
     "defaults.policy.max_session_minutes", "policy: {", "less than or equal to 720"),
    ("session-too-short", "max_session_minutes: 60", "max_session_minutes: 14",
     "defaults.policy.max_session_minutes", "policy: {", "greater than or equal to 15"),
]


@pytest.mark.parametrize(
    ("old", "new", "path", "marker", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_is_refused_with_location_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    old: str, new: str, path: str, marker: str, message: str,
) -> None:
    assert_refused(tmp_path, capsys, variant(old, new), path, marker, message)


def test_at_least_fifteen_bad_input_cases() -> None:
    assert len(CASES) >= 15


def test_all_problems_are_reported_at_once(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    text = variant("name: release-bot", "name: Release-Bot",
                   variant('owner: "@acme/platform"', 'owner: "@alice"'))
    code = main(["validate", "-f", str(write(tmp_path, text)), "--today", TODAY_ARG])
    err = capsys.readouterr().err
    assert code == 1
    assert "agents[0].name" in err and "agents[0].owner" in err
    assert "2 problems found" in err


def test_invalid_input_leaves_previous_output_untouched(tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "release-bot").mkdir(parents=True)
    marker = outdir / "stacks" / "release-bot" / "cdk.tf.json"
    marker.write_text('{"previous": true}')
    bad = write(tmp_path, variant("expires: 2027-02-15", "expires: 2020-01-01"))

    assert main(["synth", "-f", str(bad), "-o", str(outdir), "--today", TODAY_ARG]) == 1

    assert marker.read_text() == '{"previous": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out", "identities.yaml"]


def test_valid_base_record_validates(tmp_path: Path) -> None:
    assert main(["validate", "-f", str(write(tmp_path, BASE)), "--today", TODAY_ARG]) == 0


def test_yaml_one_point_two_keeps_on_as_text(tmp_path: Path) -> None:
    # YAML 1.1 would read `on:` as the boolean True and lose the escalation date key.
    text = BASE + "    escalations:\n      - on: 2026-11-20\n        reason: widening\n" \
        "        approved_by: \"@acme/security\"\n"
    assert main(["validate", "-f", str(write(tmp_path, text)), "--today", TODAY_ARG]) == 0


def test_missing_file_is_a_clear_error(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", str(tmp_path / "nope.yaml")]) == 1
    assert "file not found" in capsys.readouterr().err


def test_bad_today_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", str(write(tmp_path, BASE)), "--today", "tomorrow"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize(("old", "new", "expected"), [
    # a required key misspelt: one finding at the key, none "missing" at the record
    ("    approvers:", "    aprovers:",
     "12:5: agents[0].aprovers: unknown key 'aprovers' — did you mean approvers?"),
    ("        repo_id: 123456", "        repoid: 123456",
     "16:9: agents[0].runs_on[0].repoid: unknown key 'repoid' — did you mean repo_id?"),
    # an optional key misspelt
    ("  backend:", "  backedn:",
     "6:3: defaults.backedn: unknown key 'backedn' — did you mean backend?"),
])
def test_a_misspelt_key_is_one_finding_that_names_the_key_meant(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        old: str, new: str, expected: str) -> None:
    source = write(tmp_path, variant(old, new))
    code = main(["validate", "-f", str(source), "--today", TODAY_ARG])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [f"{source}:{expected} [AgentId-Schema]",
                                "agentid: 1 problem found"]


def test_a_stray_key_next_to_the_real_one_is_not_called_a_misspelling(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = variant("    expires: 2027-02-15\n", "    expires: 2027-02-15\n    aprovers: [x]\n")
    code = main(["validate", "-f", str(write(tmp_path, text)), "--today", TODAY_ARG])
    err = capsys.readouterr().err
    assert code == 1
    assert "unknown key 'aprovers' — remove it or fix its spelling; allowed here:" in err
    assert "did you mean" not in err
