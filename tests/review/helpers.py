"""Run `agentid review` on a base/head pair of files and read the packet back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main

from ..conftest import FIXTURES, TODAY_ARG
from ..records import BASE, variant


@dataclass
class Result:
    code: int
    markdown: str
    packet: dict[str, Any]

    def agent(self, name: str) -> dict[str, Any]:
        return next(a for a in self.packet["agents"] if a["name"] == name)

    def gate_ids(self) -> list[str]:
        return [g["id"] for g in self.packet["gates"]]


def review(tmp_path: Path, base: str, head: str, capsys: pytest.CaptureFixture[str],
           *extra: str) -> Result:
    """Write both files beside each other and review head against base (md and json)."""
    (tmp_path / "base.yaml").write_text(base)
    (tmp_path / "identities.yaml").write_text(head)
    args = ["review", "--base-file", str(tmp_path / "base.yaml"), "-f",
            str(tmp_path / "identities.yaml"), "--today", TODAY_ARG, *extra]
    capsys.readouterr()
    code = main(args)
    markdown = capsys.readouterr().out
    assert main([*args, "--format", "json"]) == code
    packet = json.loads(capsys.readouterr().out)
    return Result(code, markdown, packet)


# Record changes the review tests (and the packet goldens) apply to the base record.
WIDEN = ('        read: ["arn:aws:s3:::acme-artifacts/releases/*"]\n',
         '        read: ["arn:aws:s3:::acme-artifacts/releases/*"]\n'
         '        write: ["arn:aws:s3:::acme-artifacts/releases/*"]\n')
ESCALATION = ("    aws:\n", "    escalations:\n"
              "      - on: 2026-11-28\n"
              "        reason: Uploads release artifacts once the release job is approved\n"
              "        approved_by: \"@acme/security\"\n"
              "    aws:\n")
SECOND_AGENT = """\
  - name: docs-reader
    description: Reads published release artifacts to build the documentation site
    owner: "@acme/docs"
    rotation_owner: "@acme/docs"
    approvers: ["@acme/docs-maintainers"]
    expires: 2027-01-31
    runs_on:
      - repo: acme/docs
        repo_id: 918273645
    aws:
      access:
        read: ["arn:aws:s3:::acme-docs/*"]
"""
SECOND_AGENT_ESCALATION = """\
    escalations:
      - on: 2026-11-27
        reason: Builds the documentation site from published release artifacts
        approved_by: "@acme/security"
"""
TOMBSTONE = ("    aws:\n", '    revoked: {on: 2026-11-28, by: "@acme/platform", '
             "reason: Agent retired}\n    aws:\n")

# Lock and rotate requests (tests/review/test_lifecycle_review.py and the goldens).
LOCK = ('    locked: {on: 2026-11-28, by: "@acme/security", '
        'reason: "Token leaked in a build log"}\n')
BANNER = "LOCKED: release-bot by @acme/security on 2026-11-28 — Token leaked in a build log"
LOCKED = BASE + LOCK
DEPLOY_KEY = "    github:\n      deploy_keys:\n        - {repo: acme/docs}\n"
# The base with a deploy key: reviews against it judge the key as already there.
KEYED = BASE + DEPLOY_KEY
ROTATE = ('    rotate:\n      - {on: 2026-11-28, by: "@acme/platform-oncall", '
          'reason: "Offboarding a member of the rotation team"}\n')
OLDER_ROTATE = ('      - {on: 2026-10-01, by: "@acme/platform-oncall", '
                'reason: "Scheduled yearly rotation drill"}\n')
# Two agents with deploy keys; the head locks one and asks the other for new keys.
LOCK_AND_ROTATE = (KEYED + SECOND_AGENT + SECOND_AGENT_ESCALATION + DEPLOY_KEY,
                   KEYED + LOCK + SECOND_AGENT + SECOND_AGENT_ESCALATION + DEPLOY_KEY
                   + ROTATE.replace("@acme/platform-oncall", "@acme/docs"))

PLANS = FIXTURES / "review" / "plans"
# The committed fixture holds a placeholder, so the repository-wide private-key
# scan stays meaningful; tests that check masking put a key-shaped value in.
FAKE_KEY = "-----BEGIN " + "OPENSSH PRIVATE KEY----- SECRET-BEFORE"


def plans_with_fake_key(tmp_path: Path) -> Path:
    plans = tmp_path / "plans"
    plans.mkdir()
    for source in PLANS.glob("*.json"):
        text = source.read_text().replace("@@FAKE_PRIVATE_KEY@@", FAKE_KEY)
        (plans / source.name).write_text(text)
    return plans


# Review cases shared by the golden packets and the rendering test.
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


# Escalation entries and the verdicts the fail-closed and lifecycle tests read.
def entry(on: str = "2026-11-28",
          reason: str = "Approved in the security review of this change",
          approved_by: str = "@acme/security", indent: int = 6) -> str:
    pad = " " * indent
    return (f"{pad}- on: {on}\n{pad}  reason: {reason}\n"
            f"{pad}  approved_by: \"{approved_by}\"\n")


def escalate(text: str, agent: str = "release-bot", *entries: str) -> str:
    """``text`` with escalation entries appended to ``agent``'s record (or defaults)."""
    if agent == "defaults":
        body = "".join(entries) or entry(indent=4)
        return variant("agents:\n", "  escalations:\n" + body + "agents:\n", base=text)
    body = "".join(entries) or entry()
    start = text.index(f"  - name: {agent}\n")
    end = text.find("\n  - name: ", start + 1)
    end = len(text) if end == -1 else end + 1
    record = text[start:end]
    if "    escalations:\n" in record:
        record = record.replace("    escalations:\n", "    escalations:\n" + body, 1)
    else:
        record = record.rstrip("\n") + "\n    escalations:\n" + body
    return text[:start] + record + text[end:]


def failed(result: Result, gate: str) -> dict[str, str]:
    """The one gate ``gate`` of a failing packet; it carries a fix."""
    assert result.code == 1, result.packet["gates"]
    gates = [g for g in result.packet["gates"] if g["id"] == gate]
    assert gates, f"{gate} not in {result.gate_ids()}"
    assert gates[0]["fix"], gates[0]
    return gates[0]


def passed(result: Result) -> None:
    assert result.code == 0, result.packet["gates"]
    assert "all gates pass" in result.markdown
