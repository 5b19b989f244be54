"""``agentid status``: state, expiry and key rotation from the record alone.

GIVEN a record and a ``--today`` at each boundary, WHEN status runs, THEN its JSON
(the contract the scheduled workflow reads) and exit code say exactly: expires in
14 days -> exit 1, 15 -> 0; an expired agent is reported, not refused; a key
boundary today is due (exit 0), one yesterday after a missed run is overdue (exit
1), one yesterday after yesterday's run is done; a lock older than
``--locked-days`` needs a human.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main
from cdk.lifecycle import EPOCH, next_rotation

from ..conftest import EXAMPLE, TODAY, TODAY_ARG
from ..records import BASE, variant, write
from .status_contract import shape_errors

KEYS = "    github:\n      deploy_keys:\n        - {repo: acme/api}\n"
# Anchored on 2026-11-01 with the file's 30 days: boundaries 11-01, 12-01, 12-31, ...
ROTATE = '    rotate:\n      - {on: 2026-11-01, by: "@acme/platform", reason: member left}\n'
KEYED = BASE + KEYS + ROTATE
LOCKED = '    locked: {on: 2026-11-01, by: "@acme/security", reason: incident}\n'
REVOKED = '    revoked: {on: 2026-11-02, by: "@acme/platform", reason: Retired}\n'


def status(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, today: str,
           *flags: str) -> tuple[int, dict[str, Any]]:
    source = write(tmp_path, text)
    code = main(["status", "-f", str(source), "--json", "--today", today, *flags])
    return code, json.loads(capsys.readouterr().out)


def only(report: dict[str, Any]) -> dict[str, Any]:
    (agent,) = report["agents"]
    return agent


# --- expiry ---------------------------------------------------------------------------

def test_expiring_in_14_days_exits_1(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, report = status(tmp_path, capsys, BASE, "2027-02-01")  # expires 2027-02-15
    assert code == 1
    assert only(report)["expires_in_days"] == 14
    assert only(report)["needs_human"] == ["expires in 14 days"]
    assert report["attention"] == ["release-bot"]


def test_expiring_in_15_days_exits_0(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, report = status(tmp_path, capsys, BASE, "2027-01-31")
    assert code == 0
    assert only(report)["expires_in_days"] == 15
    assert only(report)["needs_human"] == []
    assert report["attention"] == []


def test_warn_days_moves_the_boundary(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert status(tmp_path, capsys, BASE, "2027-01-31", "--warn-days", "15")[0] == 1
    assert status(tmp_path, capsys, BASE, "2027-02-14", "--warn-days", "0")[0] == 0


def test_an_expired_agent_is_reported_not_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a file validate refuses: the agent expired five days ago
    source = write(tmp_path, BASE)
    assert main(["validate", "-f", str(source), "--today", "2027-02-20"]) == 1
    capsys.readouterr()
    # WHEN status runs THEN it reports the expiry and exits 1
    source = write(tmp_path, BASE)
    assert main(["status", "-f", str(source), "--json", "--today", "2027-02-20"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    # the finding validate reports is named on stderr as tolerated, never on stdout
    assert (f"agentid: note (tolerated here): {source}:13:14: agents[0].expires: expires "
            "2027-02-15 is not after today (2027-02-20)") in captured.err
    assert only(report)["state"] == "active"
    assert only(report)["expires_in_days"] == -5
    assert only(report)["needs_human"] == ["expired 5 days ago"]
    code, report = status(tmp_path, capsys, BASE, "2027-02-15")
    assert (code, only(report)["needs_human"]) == (1, ["expired today"])


def test_a_revoked_agent_needs_no_one(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, report = status(tmp_path, capsys, KEYED + REVOKED, "2027-02-20")
    assert code == 0
    assert only(report)["state"] == "revoked"
    assert only(report)["rotation"] is None
    assert only(report)["needs_human"] == []
    assert report["due"] == [] and report["attention"] == []


def test_an_undated_finding_is_still_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = variant('approvers: ["@acme/release-managers"]', 'approvers: ["@al", "@AL"]')
    source = write(tmp_path, text)
    assert main(["status", "-f", str(source), "--today", TODAY_ARG]) == 1
    err = capsys.readouterr().err
    assert f"{source}:12:" in err and "[AgentId-DuplicateApprover]" in err


# --- key rotation ---------------------------------------------------------------------

def test_a_boundary_today_is_due(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # default --last-run: yesterday (the daily schedule)
    code, report = status(tmp_path, capsys, KEYED, "2026-12-01")
    assert code == 0
    assert report["last_run"] == "2026-11-30"
    assert only(report)["rotation"] == {"last": "2026-12-01", "next": "2026-12-31",
                                        "due": True, "overdue": False}
    assert report["due"] == ["release-bot"]
    assert only(report)["needs_human"] == []
    assert shape_errors(report) == []


def test_a_boundary_yesterday_after_a_missed_run_is_overdue(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the last successful run was two days ago: yesterday's run did not apply it
    code, report = status(tmp_path, capsys, KEYED, "2026-12-02", "--last-run", "2026-11-30")
    assert code == 1
    assert only(report)["rotation"] == {"last": "2026-12-01", "next": "2026-12-31",
                                        "due": True, "overdue": True}
    assert report["due"] == ["release-bot"]
    assert only(report)["needs_human"] == ["key rotation overdue since 2026-12-01"]
    assert report["attention"] == ["release-bot"]


def test_a_boundary_yesterday_after_yesterdays_run_is_done(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = status(tmp_path, capsys, KEYED, "2026-12-02")
    assert code == 0
    assert report["last_run"] == "2026-12-01"
    assert only(report)["rotation"] == {"last": "2026-12-01", "next": "2026-12-31",
                                        "due": False, "overdue": False}
    assert report["due"] == []


def test_without_a_request_the_schedule_counts_from_the_epoch(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 2026-11-29 is day 1063 after 2024-01-01: boundaries at day 1050 (2026-11-16) and
    # 1080 (2026-12-16); a second key every 7 days (boundaries on 1057, 1064).
    text = BASE + KEYS + "        - {repo: acme/web, rotation_days: 7}\n"
    code, report = status(tmp_path, capsys, text, TODAY_ARG)
    assert code == 0
    assert only(report)["rotation"] == {"last": "2026-11-23", "next": "2026-11-30",
                                        "due": False, "overdue": False}
    assert date(2026, 11, 30) == next_rotation(EPOCH, 7, TODAY)
    assert date(2026, 12, 16) == next_rotation(EPOCH, 30, TODAY) == EPOCH + timedelta(1080)


def test_no_rotation_without_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert only(status(tmp_path, capsys, BASE, TODAY_ARG)[1])["rotation"] is None


# --- locks ----------------------------------------------------------------------------

def test_a_lock_older_than_locked_days_needs_a_human(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = status(tmp_path, capsys, KEYED + LOCKED, "2026-11-09")
    # a locked agent's keys are deleted: no rotation; a lock alone does not fail the run
    assert code == 0
    agent = only(report)
    assert agent["state"] == "locked"
    assert agent["locked"] == {"on": "2026-11-01", "by": "@acme/security",
                               "reason": "incident", "days": 8}
    assert agent["rotation"] is None
    assert agent["needs_human"] == ["locked for 8 days"]
    assert report["attention"] == ["release-bot"]
    # exactly --locked-days is not yet "more than"
    report = status(tmp_path, capsys, KEYED + LOCKED, "2026-11-08")[1]
    assert only(report)["needs_human"] == []
    report = status(tmp_path, capsys, KEYED + LOCKED, "2026-11-08", "--locked-days", "6")[1]
    assert only(report)["needs_human"] == ["locked for 7 days"]


# --- the contract and the table -------------------------------------------------------

def test_the_json_keys_are_the_contract(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, report = status(tmp_path, capsys, EXAMPLE.read_text(), TODAY_ARG)
    assert code == 0
    assert list(report) == ["today", "last_run", "warn_days", "agents", "due", "attention"]
    assert (report["today"], report["last_run"], report["warn_days"]) == (
        "2026-11-29", "2026-11-28", 14)
    for agent in report["agents"]:
        assert list(agent) == ["name", "state", "expires", "expires_in_days", "owner",
                               "rotation_owner", "clouds", "locked", "rotation",
                               "needs_human"]
    by_name = {a["name"]: a for a in report["agents"]}
    assert by_name["search-indexer"]["clouds"] == ["github", "gcp"]
    assert by_name["report-builder"]["clouds"] == ["github", "azure"]
    assert by_name["triage-assistant"]["state"] == "revoked"
    assert by_name["release-bot"]["rotation_owner"] == "@acme/platform-oncall"
    assert list(by_name["search-indexer"]["rotation"]) == ["last", "next", "due", "overdue"]
    # The one statement of the keys the scheduled workflow reads.
    assert shape_errors(report) == []


def test_a_locked_agent_keeps_the_contract(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # The optional `locked` part filled in (the due path is in test_a_boundary_today_is_due).
    text = KEYED.replace("    expires: 2027-02-15\n", "    expires: 2027-02-15\n    locked: "
                         "{on: 2026-11-01, by: \"@acme/security\", reason: leaked}\n", 1)
    assert text != KEYED
    _, report = status(tmp_path, capsys, text, "2026-12-02")
    assert shape_errors(report) == []
    assert report["agents"][0]["locked"] is not None


def test_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, KEYED)
    assert main(["status", "-f", str(source), "--today", "2026-12-02", "--last-run",
                 "2026-11-30"]) == 1
    out = capsys.readouterr().out
    header, row = out.splitlines()[:2]
    assert header.split() == ["NAME", "STATE", "EXPIRES", "IN", "NEXT", "ROTATION", "CLOUDS",
                              "OWNER", "ROTATION", "OWNER"]
    assert row.split() == ["release-bot", "active", "2027-02-15", "75d", "overdue,", "next",
                           "2026-12-31", "github,aws", "@acme/platform",
                           "@acme/platform-oncall"]
    assert ("needs a human: release-bot: key rotation overdue since 2026-12-01 (owner "
            "@acme/platform, rotation owner @acme/platform-oncall)") in out
    assert "stacks to apply for key rotation: release-bot" in out
    assert main(["status", "-f", str(source), "--today", "2026-12-01"]) == 0
    assert "  due today, next 2026-12-31  " in capsys.readouterr().out


@pytest.mark.parametrize(("flags", "message"), [
    (("--warn-days", "two"), "--warn-days 'two' is not a whole number of days"),
    (("--warn-days", "-1"), "--warn-days -1 must be 0 or more"),
    (("--locked-days", "1.5"), "--locked-days '1.5' is not a whole number of days"),
    (("--last-run", "yesterday"), "--last-run 'yesterday' is not a date"),
    (("--last-run", "2026-11-30"), "--last-run 2026-11-30 is after today (2026-11-29)"),
    (("--today", "11/29/2026"), "--today '11/29/2026' is not a date"),
])
def test_bad_flags_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    flags: tuple[str, ...], message: str) -> None:
    source = write(tmp_path, BASE)
    args = ["status", "-f", str(source), *flags]
    if "--today" not in flags:
        args += ["--today", TODAY_ARG]
    assert main(args) == 2
    assert f"agentid: {message}" in capsys.readouterr().err


def test_an_unknown_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["status", "--bogus", "3"])
    assert exit_.value.code == 2
