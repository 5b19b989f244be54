"""Golden packets: representative reviews, read by eye for readability.

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
from .helpers import (
    ENFORCED,
    ESCALATION,
    LOCK_AND_ROTATE,
    REVOCATION_AND_ORPHAN,
    SECOND_AGENT,
    SECOND_AGENT_ESCALATION,
    UNAPPROVED,
    WIDEN,
)

GOLDEN = FIXTURES / "review"

APPROVED_WIDENING = variant(
    "        environment: agent-release-bot\n",
    "        environment: agent-release-bot\n      - repo: acme/web\n        repo_id: 654321\n",
    base=variant("expires: 2027-02-15", "expires: 2027-02-20",
                 base=variant(*ESCALATION, base=variant(*WIDEN))))
CASES: dict[str, tuple[str, str, int, tuple[str, ...]]] = {
    # An existing agent widened (write access, a second repository), approved by an
    # escalation entry, with its expiry moved: passes.
    "approved-widening": (BASE, APPROVED_WIDENING, 0, ()),
    # One agent revoked (red banner, destroy list), another dropped without a
    # tombstone (orphan): fails.
    "revocation-and-orphan": (BASE + SECOND_AGENT + SECOND_AGENT_ESCALATION,
                              REVOCATION_AND_ORPHAN, 1, ()),
    # Fail closed: weakened defaults and approvers, a rewritten approval and a new
    # agent without one each fail their gate; GitHub enforces the review (ruleset).
    "unapproved-changes": (ENFORCED, UNAPPROVED, 1, ()),
    # The same revocation and orphan without synthesis: no resource is listed, and
    # the packet says they were not computed rather than "none".
    "no-synth": (BASE + SECOND_AGENT + SECOND_AGENT_ESCALATION, REVOCATION_AND_ORPHAN, 1,
                 ("--no-synth",)),
    # One agent locked (banner first, what the next deploy takes away), another asks for
    # new keys (its rotation line): both pass without an escalation.
    "lock-and-rotate": (*LOCK_AND_ROTATE, 0, ()),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_markdown(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    base, head, expected_code, extra = CASES[case]
    (tmp_path / "base.yaml").write_text(base)
    (tmp_path / "identities.yaml").write_text(head)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = main(["review", "--base-file", "base.yaml", "-f", "identities.yaml", "--today",
                 TODAY_ARG, *extra])
    markdown = capsys.readouterr().out
    assert code == expected_code
    golden = GOLDEN / f"{case}.md"
    if os.environ.get("AGENTID_UPDATE_GOLDEN"):
        golden.write_text(markdown)
    assert markdown == golden.read_text(), f"regenerate {golden.name} and read the diff"
