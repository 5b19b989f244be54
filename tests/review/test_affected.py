"""`agentid affected`: exactly the stacks whose synthesized output changes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cdk.cli import main

from ..conftest import TODAY_ARG
from ..records import BASE

HEADER = BASE[:BASE.index("agents:\n") + len("agents:\n")]


def _agent(number: int, environment: str = "agent-env", expires: str = "2027-02-15") -> str:
    return f"""\
  - name: agent-{number:02d}
    description: Fixture agent number {number}
    owner: "@acme/platform"
    rotation_owner: "@acme/platform"
    approvers: ["@acme/reviewers"]
    expires: {expires}
    runs_on:
      - repo: acme/service-{number:02d}
        repo_id: {100000 + number}
        environment: {environment}
    aws:
      access:
        read: ["arn:aws:s3:::acme-data/shared/*"]
"""


def _file(changed: dict[int, str] | None = None) -> str:
    changed = changed or {}
    return HEADER + "".join(changed.get(n, _agent(n)) for n in range(1, 51))


def test_fifty_agents_two_changed_gives_exactly_those_two(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN 50 agents, of which one moves to another environment and one moves its expiry
    (tmp_path / "base.yaml").write_text(_file())
    (tmp_path / "identities.yaml").write_text(_file({
        7: _agent(7, environment="agent-seven"),
        42: _agent(42, expires="2027-02-10"),
    }))
    capsys.readouterr()
    # WHEN affected runs
    assert main(["affected", "--base-file", str(tmp_path / "base.yaml"), "-f",
                 str(tmp_path / "identities.yaml"), "--today", TODAY_ARG, "--json"]) == 0
    # THEN exactly those two stacks are listed
    assert json.loads(capsys.readouterr().out) == ["agent-07", "agent-42"]


def test_a_defaults_change_affects_the_foundation_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "identities.yaml").write_text(
        BASE.replace('account_id: "123456789012"', 'account_id: "210987654321"'))
    capsys.readouterr()
    assert main(["affected", "--base-file", str(tmp_path / "base.yaml"), "-f",
                 str(tmp_path / "identities.yaml"), "--today", TODAY_ARG]) == 0
    assert capsys.readouterr().out.splitlines() == ["foundation", "release-bot"]


def test_base_from_a_git_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a repository whose HEAD holds the base and whose work tree holds the change
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "identities.yaml").write_text(BASE)
    git("add", "identities.yaml")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    (tmp_path / "identities.yaml").write_text(BASE + _agent(3))
    capsys.readouterr()
    assert main(["affected", "--base", "HEAD", "-f", str(tmp_path / "identities.yaml"),
                 "--today", TODAY_ARG]) == 0
    assert capsys.readouterr().out == "agent-03\n"
    # Review reads the same base; creating agent-03 is a grant that needs an escalation
    # (it passed before the gate failed closed on new agents).
    assert main(["review", "--base", "HEAD", "-f", str(tmp_path / "identities.yaml"),
                 "--today", TODAY_ARG, "--no-synth"]) == 1
    out = capsys.readouterr().out
    assert "Base `HEAD:identities.yaml`" in out
    assert "AgentId-Review-UnapprovedNewAgent" in out
    # An unknown revision is a clear error, not a traceback
    assert main(["review", "--base", "no-such-rev", "-f", str(tmp_path / "identities.yaml"),
                 "--today", TODAY_ARG, "--no-synth"]) == 1
    assert "is not a git revision that holds identities.yaml" in capsys.readouterr().err
