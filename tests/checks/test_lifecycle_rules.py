"""The lifecycle rules: what they let through, and where they point.

GIVEN the base record with a lock or rotation requests, WHEN it is validated, THEN
history (a lock or a request dated today or earlier, a request from before a
revocation) passes, and each refusal is a ``FILE:LINE:COL`` line with its fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.checks import run_checks
from cdk.cli import main
from cdk.loader import validate_schema
from cdk.yamlsafe import parse

from ..conftest import TODAY, TODAY_ARG
from ..records import BASE, line_of, write

LOCK = '    locked: {on: 2026-11-29, by: "@acme/security", reason: incident}\n'
ROTATE = ('    rotate:\n'
          '      - {on: 2026-10-01, by: "@acme/platform", reason: member left}\n'
          '      - {on: 2026-11-29, by: "@acme/platform", reason: member left}\n'
          '      - {on: 2026-11-29, by: "@acme/security", reason: member left}\n')
REVOKED = '    revoked: {on: 2026-11-02, by: "@acme/platform", reason: Retired}\n'


@pytest.mark.parametrize("text", [
    BASE + LOCK,                                   # locked today
    BASE + ROTATE,                                 # same day, different people: two requests
    BASE + ROTATE.replace("2026-11-29", "2026-11-01") + REVOKED,  # history before the tombstone
    BASE + '    rotate:\n      - {on: 2026-11-02, by: "@acme/platform", reason: x}\n' + REVOKED,
], ids=["locked-today", "rotate-history", "rotate-before-revoked", "rotate-on-revoked-day"])
def test_lifecycle_history_passes(text: str) -> None:
    assert run_checks(validate_schema(parse("identities.yaml", text)), TODAY) == []


def column_of(text: str, needle: str) -> int:
    """1-based column where ``needle`` first occurs."""
    index = text.index(needle)
    return index - text.rfind("\n", 0, index)


# (text, the text the finding points at, the line it prints after FILE:LINE:COL: )
@pytest.mark.parametrize(("text", "marker", "expected"), [
    (BASE + LOCK.replace("2026-11-29", "2026-12-01"), "2026-12-01",
     "agents[0].locked.on: locked on 2026-12-01 is in the future (today is 2026-11-29) — "
     "date the lock today (2026-11-29); `agentid lock` does [AgentId-LockedInFuture]"),
    (BASE + ROTATE.replace("2026-10-01", "2026-12-01"), "2026-12-01",
     "agents[0].rotate[0].on: rotate on 2026-12-01 is in the future"),
    (BASE + LOCK + REVOKED, "{on: 2026-11-29", "agents[0].locked: the agent is revoked "
     "(on 2026-11-02) and also locked — remove `locked`"),
    (BASE + ROTATE.replace("2026-11-29", "2026-11-01").replace("2026-10-01", "2026-11-03")
     + REVOKED, "{on: 2026-11-03", "agents[0].rotate[0]: rotate on 2026-11-03 is after the "
     "agent was revoked (on 2026-11-02) — remove the entry"),
    (BASE + ROTATE.replace("@acme/security", "@ACME/platform"), "{on: 2026-11-29, by: \"@ACME",
     "agents[0].rotate[2]: rotate entry 2 repeats entry 1 (2026-11-29, @ACME/platform) — "
     "remove the repeated entry [AgentId-DuplicateRotate]"),
], ids=["locked-future", "rotate-future", "locked-revoked", "rotate-after-revoked",
        "duplicate-rotate"])
def test_each_refusal_points_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, marker: str,
        expected: str) -> None:
    source = write(tmp_path, text)
    assert main(["validate", "-f", str(source), "--today", TODAY_ARG]) == 1
    err = capsys.readouterr().err
    assert f"{source}:{line_of(text, marker)}:{column_of(text, marker)}: {expected}" in err, err
    assert "Traceback" not in err
