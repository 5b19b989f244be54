"""`agentid review` on fixture pairs: what a reviewer sees, and which gates fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..records import BASE, variant
from .helpers import ESCALATION, SECOND_AGENT, SECOND_AGENT_ESCALATION, TOMBSTONE, WIDEN, review


def test_widening_without_escalation_fails_and_names_the_new_actions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a head that adds write access without an escalation
    result = review(tmp_path, BASE, variant(*WIDEN), capsys)
    # THEN the broadening gate fails and names the new actions
    assert result.code == 1
    assert result.gate_ids() == ["AgentId-Review-UnapprovedBroadening"]
    gate = result.packet["gates"][0]
    assert gate["agent"] == "release-bot"
    assert "s3:PutObject" in gate["message"] and "no new escalations entry" in gate["message"]
    assert "escalations:" in gate["example"]
    broadened = {g["action"] for g in result.agent("release-bot")["permissions"]["broadened"]}
    assert {"s3:PutObject", "s3:DeleteObject"} <= broadened
    assert "`s3:PutObject`" in result.markdown
    assert "**Broadened**" in result.markdown


def test_widening_with_a_new_escalation_passes_and_shows_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = variant(*ESCALATION, base=variant(*WIDEN))
    result = review(tmp_path, BASE, head, capsys)
    assert result.code == 0, result.packet["gates"]
    agent = result.agent("release-bot")
    assert agent["broadened"] is True
    assert agent["new_escalations"] == [
        "2026-11-28: Uploads release artifacts once the release job is approved "
        "(approved by @acme/security)"]
    assert "**Escalations added in this change**" in result.markdown


def test_an_escalation_already_in_the_base_does_not_approve_a_new_widening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = variant(*ESCALATION)
    result = review(tmp_path, base, variant(*WIDEN, base=base), capsys)
    assert result.gate_ids() == ["AgentId-Review-UnapprovedBroadening"]


@pytest.mark.parametrize(("reason", "on", "problem"), [
    ("too short", "2026-11-28", "at least 20 are needed"),
    ("Uploads release artifacts once approved", "2026-12-01", "dated after today"),
])
def test_an_escalation_must_have_substance_and_be_dated_within_the_change(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], reason: str, on: str,
        problem: str) -> None:
    escalation = ("    aws:\n", f"    escalations:\n      - on: {on}\n"
                  f"        reason: {reason}\n        approved_by: \"@acme/security\"\n"
                  "    aws:\n")
    result = review(tmp_path, BASE, variant(*escalation, base=variant(*WIDEN)), capsys)
    assert result.code == 1
    assert problem in result.packet["gates"][0]["message"]


def test_narrowing_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, variant(*WIDEN), BASE, capsys)
    assert result.code == 0
    agent = result.agent("release-bot")
    assert agent["broadened"] is False and agent["narrowed"] is True
    assert "**Narrowed**" in result.markdown


def test_a_new_agent_is_shown_with_its_grants_and_resources(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Creating an agent is a grant: with its escalation entry the new agent passes
    # (without one it fails: tests/review/test_fail_closed.py, class 7).
    result = review(tmp_path, BASE, BASE + SECOND_AGENT + SECOND_AGENT_ESCALATION, capsys)
    assert result.code == 0, result.packet["gates"]
    assert [a["name"] for a in result.packet["agents"]] == ["docs-reader"]
    agent = result.agent("docs-reader")
    assert agent["status"] == "new"
    assert "new repository acme/docs" in agent["trust"]["broadened"]
    creates = [c["address"] for c in agent["resources"]["changes"] if c["action"] == "create"]
    assert any(a.startswith("aws_iam_role.") for a in creates)
    assert "**Grants**" in result.markdown


def test_a_tombstone_shows_the_red_banner_and_what_the_next_deploy_destroys(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, BASE, variant(*TOMBSTONE), capsys)
    assert result.code == 0
    agent = result.agent("release-bot")
    assert agent["status"] == "revoked"
    assert any(a.startswith("aws_iam_role.") for a in agent["destroys"])
    assert any(a.startswith("github_repository_environment.") for a in agent["destroys"])
    assert "> [!CAUTION]" in result.markdown
    assert "The next `npx cdktn deploy release-bot` destroys" in result.markdown


def test_an_orphan_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the record removed without a tombstone in the base
    head = BASE[:BASE.index("  - name: release-bot")].replace("agents:\n", "agents: []\n")
    result = review(tmp_path, BASE, head, capsys)
    assert result.code == 1
    assert result.gate_ids() == ["AgentId-Review-Orphan"]
    assert "revoked:" in result.packet["gates"][0]["example"]
    assert any(a.startswith("aws_iam_role.") for a in result.agent("release-bot")["left_live"])
    assert "**Orphan:**" in result.markdown


def test_removing_a_record_already_tombstoned_in_the_base_passes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = BASE[:BASE.index("  - name: release-bot")].replace("agents:\n", "agents: []\n")
    result = review(tmp_path, variant(*TOMBSTONE), head, capsys)
    assert result.code == 0
    assert result.agent("release-bot")["status"] == "removed"


def test_an_expiry_extension_past_policy_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, BASE, variant("expires: 2027-02-15", "expires: 2027-06-30"),
                    capsys)
    assert result.code == 1
    assert result.gate_ids() == ["AgentId-Review-ExpiryBeyondPolicy"]
    assert "on or before 2027-02-27" in result.packet["gates"][0]["fix"]
    expiry = result.agent("release-bot")["expiry"]
    assert (expiry["before"], expiry["after"], expiry["extended"]) == (
        "2027-02-15", "2027-06-30", True)


def test_a_trust_change_adding_a_repo_is_a_broadening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = variant("        environment: agent-release-bot\n",
                   "        environment: agent-release-bot\n"
                   "      - repo: acme/web\n        repo_id: 654321\n")
    result = review(tmp_path, BASE, head, capsys)
    assert result.code == 1
    trust = result.agent("release-bot")["trust"]
    assert trust["repos_added"] == ["acme/web"]
    assert "new repository acme/web" in trust["broadened"]
    assert "new repository id 654321" in trust["broadened"]
    assert "new repository acme/web" in result.packet["gates"][0]["message"]
    assert "- trust: new repository acme/web" in result.markdown


def test_an_unchanged_agent_produces_no_section(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, BASE, BASE + SECOND_AGENT, capsys)
    assert "release-bot" not in [a["name"] for a in result.packet["agents"]]
    assert "### `release-bot`" not in result.markdown


def test_an_invalid_head_or_base_fails_its_gate(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = variant('owner: "@acme/platform"', 'owner: "@alice"')
    head_bad = review(tmp_path, BASE, broken, capsys)
    assert head_bad.code == 1 and head_bad.gate_ids() == ["AgentId-Review-HeadInvalid"]
    assert "identities.yaml:" in head_bad.packet["gates"][0]["message"]
    base_bad = review(tmp_path, broken, BASE, capsys)
    assert base_bad.code == 1 and base_bad.gate_ids() == ["AgentId-Review-BaseInvalid"]


def test_a_base_that_only_expired_since_it_merged_is_still_a_valid_base(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The change renews an agent whose expiry passed: the base fails a date rule
    # today, but was valid when merged and must still be comparable.
    base = variant("expires: 2027-02-15", "expires: 2026-11-01")
    result = review(tmp_path, base, BASE, capsys)
    assert result.gate_ids() == []
    assert result.agent("release-bot")["expiry"]["after"] == "2027-02-15"


def test_two_renders_are_byte_identical(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    first = review(tmp_path, BASE, variant(*WIDEN), capsys)
    second = review(tmp_path, BASE, variant(*WIDEN), capsys)
    assert first.markdown == second.markdown
    assert first.packet == second.packet


def test_the_comment_starts_with_the_marker_and_collapses_details(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, BASE, variant(*WIDEN), capsys)
    assert result.markdown.startswith("<!-- agentid-review -->\n")
    assert result.packet["marker"] == "<!-- agentid-review -->"
    # <code>, not backticks: GitHub renders no Markdown inside <summary>.
    assert ("<details><summary>Identity card of <code>agent-release-bot</code></summary>"
            in result.markdown)


def test_record_text_cannot_inject_markdown_html_or_mentions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = "<img src=x onerror=alert(1)> [click](https://evil.example) @acme/security #12"
    head = variant("description: Tags releases and uploads build artifacts",
                   f'description: "{hostile}"')
    result = review(tmp_path, BASE, head, capsys)
    md = result.markdown
    assert "<img" not in md and "[click](" not in md
    assert "https://evil" not in md and "@acme/security" not in md and " #12" not in md
    assert "&lt;img src=x" in md
    # The JSON keeps the text verbatim: machines escape for themselves.
    assert result.agent("release-bot")["card"]["description"] == hostile


DEPLOY_KEY = ("    aws:\n", "    github:\n      deploy_keys:\n"
              "        - {repo: acme/api, access: read}\n    aws:\n")


def test_a_new_deploy_key_is_a_broadening_and_a_removed_one_a_narrowing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    widened = review(tmp_path, BASE, variant(*DEPLOY_KEY), capsys, "--no-synth")
    assert widened.code == 1
    assert widened.agent("release-bot")["deploy_keys"]["broadened"] == [
        "new read deploy key on acme/api"]
    assert "new read deploy key on acme/api" in widened.packet["gates"][0]["message"]
    narrowed = review(tmp_path, variant(*DEPLOY_KEY), BASE, capsys, "--no-synth")
    assert narrowed.code == 0
    assert narrowed.agent("release-bot")["deploy_keys"]["narrowed"] == [
        "read deploy key on acme/api removed"]


def test_a_change_to_the_shared_foundation_gets_its_own_section(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = variant("aws: {account_id: \"123456789012\", region: eu-west-1}",
                   "aws: {account_id: \"123456789012\", region: eu-central-1}")
    result = review(tmp_path, BASE, head, capsys)
    assert [s["stack"] for s in result.packet["shared"]] == ["foundation"]
    assert "### Shared stack `foundation`" in result.markdown


def test_every_gate_explains_why_it_exists(capsys: pytest.CaptureFixture[str]) -> None:
    from cdk.cli import main
    from cdk.review.gates import GATES_WHY

    for gate in GATES_WHY:
        assert main(["validate", "--explain", gate]) == 0
        assert capsys.readouterr().out.startswith(f"{gate}: ")
