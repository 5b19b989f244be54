"""Golden packets: two representative reviews, read by eye for readability.

Regenerate after an intended change with ``AGENTID_UPDATE_GOLDEN=1 pytest
tests/review/test_golden.py`` and read the diff of the .md files before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cdk.cli import main

from ..conftest import FIXTURES, TODAY_ARG
from ..records import BASE, variant
from .test_review import ESCALATION, SECOND_AGENT, SECOND_AGENT_ESCALATION, TOMBSTONE, WIDEN

GOLDEN = FIXTURES / "review"

APPROVED_WIDENING = variant(
    "        environment: agent-release-bot\n",
    "        environment: agent-release-bot\n      - repo: acme/web\n        repo_id: 654321\n",
    base=variant("expires: 2027-02-15", "expires: 2027-02-20",
                 base=variant(*ESCALATION, base=variant(*WIDEN))))
REVOCATION_AND_ORPHAN = variant(*TOMBSTONE)
ENFORCED = variant("  github: {owner: acme, owner_id: 1342004}\n",
                   "  github:\n    owner: acme\n    owner_id: 1342004\n"
                   "    identities: {repo: acme/identities, security_team: \"@acme/security\"}\n",
                   base=variant(*ESCALATION))
# Everything the gate refuses at once: sessions lengthened for every agent, an
# approver replaced by a person, an approval rewritten, and a new agent without one.
UNAPPROVED = variant(
    "max_session_minutes: 60", "max_session_minutes: 720",
    base=variant('approvers: ["@acme/release-managers"]', 'approvers: ["@alice"]',
                 base=variant("reason: Uploads release artifacts once the release job is "
                              "approved", "reason: Uploads anything anywhere",
                              base=ENFORCED))) + SECOND_AGENT

CASES = {
    # An existing agent widened (write access, a second repository), approved by an
    # escalation entry, with its expiry moved: passes.
    "approved-widening": (BASE, APPROVED_WIDENING, 0),
    # One agent revoked (red banner, destroy list), another dropped without a
    # tombstone (orphan): fails.
    "revocation-and-orphan": (BASE + SECOND_AGENT + SECOND_AGENT_ESCALATION,
                              REVOCATION_AND_ORPHAN, 1),
    # Fail closed: weakened defaults and approvers, a rewritten approval and a new
    # agent without one each fail their gate; GitHub enforces the review (ruleset).
    "unapproved-changes": (ENFORCED, UNAPPROVED, 1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_markdown(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    base, head, expected_code = CASES[case]
    (tmp_path / "base.yaml").write_text(base)
    (tmp_path / "identities.yaml").write_text(head)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = main(["review", "--base-file", "base.yaml", "-f", "identities.yaml", "--today",
                 TODAY_ARG])
    markdown = capsys.readouterr().out
    assert code == expected_code
    golden = GOLDEN / f"{case}.md"
    if os.environ.get("AGENTID_UPDATE_GOLDEN"):
        golden.write_text(markdown)
    assert markdown == golden.read_text(), f"regenerate {golden.name} and read the diff"
