"""`agentid card`: the per-run identity block a run record carries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cdk.cli import main

from ..conftest import EXAMPLE, ROOT, TODAY_ARG


def _card(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["card", *args, "-f", str(EXAMPLE), "--today", TODAY_ARG])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_card_names_identity_scope_expiry_approver_and_limits(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # The approver is whom GitHub recorded approving the agent's environment.
    approvals = tmp_path / "approvals.json"
    approvals.write_text(json.dumps([{"state": "approved", "user": {"login": "alice"},
                                      "environments": [{"name": "agent-release-bot"}]}]))
    code, out, _ = _card(capsys, "release-bot", "--run-id", "run-2026-11-29-7",
                         "--approvals", str(approvals))
    assert code == 0
    assert out.startswith("### Run identity: `agent-release-bot`\n")
    assert "- **Run:** `run-2026-11-29-7`" in out
    assert "- **Human approver of this run:** `@alice`" in out
    assert "for role agent-release-bot in account 123456789012" in out
    assert ("AWS s3:PutObject, s3:AbortMultipartUpload on "
            "arn:aws:s3:::acme-artifacts/releases/\\*") in out
    assert "- **Expires:** 2027-02-15 (78 days left)" in out
    assert "**If this run needs wider access it must stop and ask.**" in out
    assert "- **Must never touch:** `s3:DeleteObject`, any IAM identity" in out


def test_card_without_an_approver_points_at_the_environment_reviewers(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _card(capsys, "docs-reader")
    assert code == 0
    assert "required reviewer of the environment (`@acme/docs-maintainers`)" in out
    assert "**Run:**" not in out


@pytest.mark.parametrize(("name", "message"), [
    ("triage-assistant", "is revoked"),
    ("nobody", "no agent 'nobody'"),
])
def test_card_refuses_revoked_and_unknown_agents(capsys: pytest.CaptureFixture[str],
                                                 name: str, message: str) -> None:
    code, out, err = _card(capsys, name)
    assert code == 1 and out == ""
    assert message in err


def test_card_and_review_without_synth_never_load_provider_bindings() -> None:
    code = ("import sys; from cdk.cli import main; "
            f"a = main(['card', 'release-bot', '-f', {str(EXAMPLE)!r}, '--today', "
            f"{TODAY_ARG!r}]); "
            f"b = main(['review', '--base-file', {str(EXAMPLE)!r}, '-f', {str(EXAMPLE)!r}, "
            f"'--today', {TODAY_ARG!r}, '--no-synth']); "
            "loaded = [m for m in sys.modules if m == 'jsii' or m.startswith('cdktn')]; "
            "print(loaded); sys.exit(a or b or bool(loaded))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
