"""The review gate fails closed: one test per class of change that used to pass unreviewed.

Each class runs on records (YAML files through `agentid review`), fails with its
gate id and a fix text, and has a passing twin carrying a valid escalation.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cdk.cli import main

from ..conftest import FIXTURES, TODAY_ARG
from ..records import BASE, DEPLOY_KEYS, variant
from .helpers import SECOND_AGENT, entry, escalate, failed, passed, review

BROADENING = "AgentId-Review-UnapprovedBroadening"
NEW_AGENT = "AgentId-Review-UnapprovedNewAgent"
REWRITTEN = "AgentId-Review-EscalationRewritten"
INVALID = "AgentId-Review-EscalationInvalid"
EXPIRY = "AgentId-Review-ExpiryBeyondPolicy"
UNCLASSIFIED = "AgentId-Review-UnclassifiedChange"


# --------------------------------------------------------------------------- 1 base as a file


def _git(tmp_path: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(tmp_path), *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_1_a_base_revision_that_names_a_file_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a repository whose base commit holds one agent, and a pull request that
    # widens it and adds a file named like the base revision holding its own head
    _git(tmp_path, "init", "-q")
    (tmp_path / "identities.yaml").write_text(BASE)
    _git(tmp_path, "add", "identities.yaml")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "b")
    sha = _git(tmp_path, "rev-parse", "HEAD")
    head = variant("        read: [", "        write: [")
    (tmp_path / "identities.yaml").write_text(head)
    (tmp_path / sha).write_text(head)
    capsys.readouterr()
    for command in ("review", "affected"):
        # WHEN review or affected is given that revision
        code = main([command, "--base", sha, "-f", str(tmp_path / "identities.yaml"),
                     "--today", TODAY_ARG, *(["--no-synth"] if command == "review" else [])])
        # THEN it refuses, says which flag takes a file, and prints no packet
        captured = capsys.readouterr()
        assert code == 2
        assert f"--base {sha!r} names an existing file" in captured.err
        assert f"--base-file {sha}" in captured.err
        assert "[AgentId-Review-BaseNamesAFile]" in captured.err
        assert captured.out == ""
    # AND the same revision without the decoy is read from git, and the widening fails
    (tmp_path / sha).unlink()
    assert main(["review", "--base", sha, "-f", str(tmp_path / "identities.yaml"),
                 "--today", TODAY_ARG, "--no-synth"]) == 1
    assert BROADENING in capsys.readouterr().out


def test_1_twin_a_file_base_is_given_with_base_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, BASE, escalate(variant("        read: [", "        write: [")),
                    capsys, "--no-synth")
    passed(result)
    assert result.packet["base"].endswith("base.yaml")


def test_1_base_and_base_file_are_exclusive_and_one_is_required(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "identities.yaml").write_text(BASE)
    with pytest.raises(SystemExit) as missing:
        main(["review", "-f", str(tmp_path / "identities.yaml")])
    assert missing.value.code == 2
    with pytest.raises(SystemExit) as both:
        main(["review", "--base", "HEAD", "--base-file", "x", "-f",
              str(tmp_path / "identities.yaml")])
    assert both.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# --------------------------------------------------------------------------- 2 store-only role

# docs-sync's only AWS use is its deploy key's secret: it still gets an IAM role.
STORE_ONLY_RUN = ("        repo_id: 918273645\n    github:\n      deploy_keys:\n"
                  "        - {repo: acme/docs-mirror}\n  - name: old-mirror",
                  "        repo_id: 918273645\n      - repo: acme/web\n        repo_id: 654321\n"
                  "    github:\n      deploy_keys:\n        - {repo: acme/docs-mirror}\n"
                  "  - name: old-mirror")


@pytest.mark.parametrize("synth", [False, True], ids=["plans", "synthesized"])
def test_2_a_store_only_agent_gaining_a_repository_is_a_broadening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], synth: bool) -> None:
    head = variant(*STORE_ONLY_RUN, base=DEPLOY_KEYS)
    result = review(tmp_path, DEPLOY_KEYS, head, capsys, *([] if synth else ["--no-synth"]))
    gate = failed(result, BROADENING)
    assert gate["agent"] == "docs-sync"
    assert "new repository acme/web" in gate["message"]
    assert "escalations" in gate["fix"]
    card = result.agent("docs-sync")["card"]
    assert "role agent-docs-sync" in card["credential_source"]
    # twin: the same change with an escalation passes
    passed(review(tmp_path, DEPLOY_KEYS, escalate(head, "docs-sync"), capsys,
                  *([] if synth else ["--no-synth"])))


STORE_GCP = variant('  aws: {account_id: "123456789012", region: eu-west-1}\n',
                    '  aws: {account_id: "123456789012", region: eu-west-1}\n'
                    "  gcp: {project_id: acme-agents, project_number: 987654321098, "
                    "region: europe-west1}\n",
                    base=variant("        - {repo: acme/docs-mirror}\n  - name: old-mirror",
                                 "        - {repo: acme/docs-mirror}\n    secrets: {store: gcp}"
                                 "\n  - name: old-mirror", base=DEPLOY_KEYS))


def test_2_moving_a_store_to_aws_creates_a_role_and_is_a_broadening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = variant("    secrets: {store: gcp}\n", "    secrets: {store: aws}\n", base=STORE_GCP)
    result = review(tmp_path, STORE_GCP, head, capsys, "--no-synth")
    gate = failed(result, BROADENING)
    assert "deploy-key store gcp -> aws" in gate["message"]
    assert "new repository acme/docs" in gate["message"] or "trust" in result.markdown
    passed(review(tmp_path, STORE_GCP, escalate(head, "docs-sync"), capsys, "--no-synth"))


PINNED = variant("        repo_id: 918273645\n    github:",
                 "        repo_id: 918273645\n        workflow: .github/workflows/sync.yml\n"
                 "        ref: refs/heads/main\n    github:", base=DEPLOY_KEYS)


def test_2_a_store_only_agent_losing_its_workflow_pin_is_a_broadening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, PINNED, DEPLOY_KEYS, capsys, "--no-synth")
    gate = failed(result, BROADENING)
    assert gate["agent"] == "docs-sync"
    assert "pin .github/workflows/sync.yml@refs/heads/main dropped" in gate["message"]
    passed(review(tmp_path, PINNED, escalate(DEPLOY_KEYS, "docs-sync"), capsys, "--no-synth"))
    # and adding the pin is a narrowing the gate names
    narrowed = review(tmp_path, DEPLOY_KEYS, PINNED, capsys, "--no-synth")
    passed(narrowed)
    assert narrowed.agent("docs-sync")["narrowed"] is True


# --------------------------------------------------------------------------- 3 approvers

TWO_APPROVERS = variant('approvers: ["@acme/release-managers"]',
                        'approvers: ["@acme/release-managers", "@acme/sre"]')


@pytest.mark.parametrize("approvers", [
    '["@alice"]',                       # replaced by one person
    '["@acme/platform"]',               # replaced by the owner team
    '["@acme/release-managers"]',       # one dropped
    '["@acme/release-managers", "@acme/sre", "@acme/interns"]',  # one added: any one approves
], ids=["one-person", "owner-team", "one-dropped", "one-added"])
def test_3_changing_approvers_is_a_broadening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], approvers: str) -> None:
    head = variant('approvers: ["@acme/release-managers", "@acme/sre"]',
                   f"approvers: {approvers}", base=TWO_APPROVERS)
    result = review(tmp_path, TWO_APPROVERS, head, capsys, "--no-synth")
    gate = failed(result, BROADENING)
    assert "approvers @acme/release-managers, @acme/sre ->" in gate["message"]
    assert "- control: approvers" in result.markdown
    passed(review(tmp_path, TWO_APPROVERS, escalate(head), capsys, "--no-synth"))


def test_3_approvers_change_is_a_broadening_in_the_synthesized_stack_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = variant('approvers: ["@acme/release-managers", "@acme/sre"]',
                   'approvers: ["@alice"]', base=TWO_APPROVERS)
    result = review(tmp_path, TWO_APPROVERS, head, capsys)
    failed(result, BROADENING)
    content = result.agent("release-bot")["content"]
    assert any(c["attribute"] == "reviewers" and c["kind"] == "broadening" for c in content)


# --------------------------------------------------------------------------- 4 escalations

WITH_ENTRY = escalate(BASE)
# The second agent of the shared cases, with an approval of its own.
OTHER_AGENT = SECOND_AGENT + """\
    escalations:
      - on: 2026-11-27
        reason: Reads the documentation bucket for the nightly build
        approved_by: "@acme/security"
"""
WIDEN = ('        read: ["arn:aws:s3:::acme-artifacts/',
         '        write: ["arn:aws:s3:::acme-artifacts/')


@pytest.mark.parametrize("edit", [
    ("reason: Approved in the security review of this change",
     "reason: Approved in a different security review"),
    ("approved_by: \"@acme/security\"", "approved_by: \"@acme/security-leads\""),
    ("on: 2026-11-28", "on: 2026-11-20"),
], ids=["reason", "approver", "date"])
def test_4_an_entry_of_the_base_may_not_be_changed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: tuple[str, str]) -> None:
    result = review(tmp_path, WITH_ENTRY, variant(*edit, base=WITH_ENTRY), capsys, "--no-synth")
    gate = failed(result, REWRITTEN)
    assert gate["agent"] == "release-bot"
    assert "2026-11-28: Approved in the security review of this change" in gate["message"]
    assert "append-only" in gate["fix"]


def test_4_an_entry_of_the_base_may_not_be_removed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failed(review(tmp_path, WITH_ENTRY, BASE, capsys, "--no-synth"), REWRITTEN)
    # twin: whitespace and letter case of an old entry are not a rewrite
    relaxed = variant("reason: Approved in the security review of this change",
                      'reason: "approved in the  security review of this change "',
                      base=WITH_ENTRY)
    passed(review(tmp_path, WITH_ENTRY, relaxed, capsys, "--no-synth"))


@pytest.mark.parametrize(("new_entry", "problem"), [
    # another agent's entry copied verbatim
    (entry("2026-11-27", "Reads the documentation bucket for the nightly build"),
     "repeats an entry of agent docs-reader in the base"),
    # the base's own entry, its case changed / a trailing space added (normalized: the same)
    (entry("2026-11-27", "READS THE DOCUMENTATION BUCKET FOR THE NIGHTLY BUILD"),
     "repeats an entry of agent docs-reader"),
    (entry("2026-11-27", '"Reads the documentation bucket for the nightly build   "'),
     "repeats an entry of agent docs-reader"),
    (entry("1970-01-01"), "more than 14 days before today"),
    (entry("2026-12-01"), "dated after today"),
    (entry(reason="too short"), "at least 20 are needed"),
    (entry(approved_by="@acme/agent-release-bot"), "may not approve it"),
    (entry(approved_by="@acme/release-bot"), "may not approve it"),
    (entry(approved_by="@acme/platform"), "may not approve it"),
    (entry(approved_by="@ACME/platform"), "may not approve it"),
    (entry(approved_by="@other/security"), "outside the organization acme"),
    (entry(approved_by="@alice"), "a person"),
], ids=["copied", "case", "whitespace", "1970", "future", "short", "agent", "agent-name",
        "owner-team", "owner-team-case", "outside-org", "person"])
def test_4_a_new_entry_that_breaks_a_rule_approves_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], new_entry: str,
        problem: str) -> None:
    base = BASE + OTHER_AGENT
    head = escalate(variant(*WIDEN, base=base), "release-bot", new_entry)
    result = review(tmp_path, base, head, capsys, "--no-synth")
    assert problem in failed(result, INVALID)["message"]
    assert "no new escalations entry" in failed(result, BROADENING)["message"]


def test_4_twin_a_fresh_team_approval_approves(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = BASE + OTHER_AGENT
    head = escalate(variant(*WIDEN, base=base), "release-bot",
                    entry("2026-11-16", "Writes release artifacts after the release job"))
    result = review(tmp_path, base, head, capsys, "--no-synth")
    passed(result)
    assert result.agent("release-bot")["new_escalations"] == [
        "2026-11-16: Writes release artifacts after the release job "
        "(approved by @acme/security)"]


def test_4_an_entry_deleted_and_re_added_later_is_no_new_approval(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the first change removed the entry (refused), and the second re-adds it
    # beside a widening: it repeats the entry of the revision before
    first = review(tmp_path, WITH_ENTRY, BASE, capsys, "--no-synth")
    failed(first, REWRITTEN)
    second = review(tmp_path, WITH_ENTRY, variant(*WIDEN, base=WITH_ENTRY), capsys,
                    "--no-synth")
    assert "no new escalations entry" in failed(second, BROADENING)["message"]


# --------------------------------------------------------------------------- 5 limits


def test_5_limits_are_the_bases_not_the_heads(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a change that raises max_lifetime_days and extends expires in one go,
    # with a defaults escalation for the raised limit
    head = escalate(variant("max_lifetime_days: 90", "max_lifetime_days: 365",
                            base=variant("expires: 2027-02-15", "expires: 2027-10-01")),
                    "defaults")
    result = review(tmp_path, BASE, head, capsys, "--no-synth")
    # THEN the expiry is judged with the base's 90 days
    gate = failed(result, EXPIRY)
    assert "more than the base policy's 90 days" in gate["message"]
    assert gate["fix"] == "set `expires` on or before 2027-02-27"
    # twin: the limit raised alone (approved) passes; a later change may use it
    passed(review(tmp_path, BASE, escalate(variant("max_lifetime_days: 90",
                                                   "max_lifetime_days: 365"), "defaults"),
                  capsys, "--no-synth"))


# --------------------------------------------------------------------------- 6 defaults

S3 = variant("  backend: {local: {}}\n",
             "  backend: {s3: {bucket: acme-agent-state, region: eu-west-1}}\n")


@pytest.mark.parametrize(("base", "old", "new", "named"), [
    (BASE, "max_session_minutes: 60", "max_session_minutes: 720",
     "defaults.policy.max_session_minutes 60 -> 720"),
    (BASE, "deploy_key_rotation_days: 30", "deploy_key_rotation_days: 90",
     "defaults.policy.deploy_key_rotation_days 30 -> 90"),
    (S3, "bucket: acme-agent-state", "bucket: elsewhere-state",
     "defaults.backend s3 -> s3 changed"),
    (BASE, "  backend: {local: {}}\n", "  backend: {local: {dir: /tmp/state}}\n"
     .replace("/tmp/state", "elsewhere"), "defaults.backend local -> local changed"),
], ids=["sessions", "rotation", "backend-moved", "local-dir"])
def test_6_weakened_defaults_need_a_defaults_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str, old: str, new: str,
        named: str) -> None:
    head = variant(old, new, base=base)
    result = review(tmp_path, base, head, capsys, "--no-synth")
    gate = next(g for g in result.packet["gates"] if g["agent"] is None
                and g["id"] == BROADENING)
    assert named in gate["message"]
    assert "defaults.escalations" in gate["fix"]
    assert "**weakened:**" in result.markdown
    passed(review(tmp_path, base, escalate(head, "defaults"), capsys, "--no-synth"))


def test_6_azure_time_bound_assignments_off_is_a_broadening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = (FIXTURES / "azure.yaml").read_text()
    head = variant("time_bound_assignments: true", "time_bound_assignments: false", base=base)
    result = review(tmp_path, base, head, capsys, "--no-synth")
    gate = next(g for g in result.packet["gates"] if g["agent"] is None)
    assert "defaults.azure.time_bound_assignments True -> False" in gate["message"]
    # every Azure agent's assignments lose their end date: named in its own content too
    assert any(c["note"].startswith("Azure time-bound (PIM) assignments off")
               for a in result.packet["agents"] for c in a["content"])
    passed(review(tmp_path, base, escalate(head, "defaults"), capsys, "--no-synth"))


def test_6_a_backend_moved_is_not_shown_as_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Synthesized: every stack's backend differs, and the packet says so
    head = variant("bucket: acme-agent-state", "bucket: elsewhere-state", base=S3)
    result = review(tmp_path, S3, head, capsys)
    assert result.code == 1
    assert any(c["address"] == "terraform.backend" and c["kind"] == "broadening"
               for c in result.agent("release-bot")["content"])
    assert any(c["address"] == "terraform.backend" for c in result.packet["shared_content"])


def test_6_an_escalation_in_defaults_is_append_only_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = escalate(BASE, "defaults")
    result = review(tmp_path, base, BASE, capsys, "--no-synth")
    gate = failed(result, REWRITTEN)
    assert gate["agent"] is None and "defaults.escalations" in gate["message"]


# --------------------------------------------------------------------------- 7 new agents


def test_7_a_new_agent_without_an_escalation_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = OTHER_AGENT[:OTHER_AGENT.index("    escalations:")]
    result = review(tmp_path, BASE, BASE + new, capsys, "--no-synth")
    gate = failed(result, NEW_AGENT)
    assert gate["agent"] == "docs-reader"
    assert "creating an agent is a grant" in gate["message"]
    # its full scope is shown as new
    agent = result.agent("docs-reader")
    assert agent["status"] == "new"
    assert "new repository acme/docs" in agent["trust"]["broadened"]
    assert "**Grants**" in result.markdown
    # twin: with an escalation it passes
    passed(review(tmp_path, BASE, BASE + OTHER_AGENT, capsys, "--no-synth"))


def test_7_a_revoked_agent_re_created_under_another_name_needs_approval(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tombstoned = variant("    aws:\n", '    revoked: {on: 2026-11-20, by: "@acme/platform", '
                         "reason: Agent retired}\n    aws:\n")
    wider = variant("  - name: release-bot", "  - name: release-bot2",
                    base=variant(*WIDEN)).replace("agent-release-bot", "agent-release-bot2")
    head = tombstoned + wider[wider.index("  - name: release-bot2"):]
    result = review(tmp_path, tombstoned, head, capsys, "--no-synth")
    assert failed(result, NEW_AGENT)["agent"] == "release-bot2"
    passed(review(tmp_path, tombstoned, escalate(head, "release-bot2"), capsys, "--no-synth"))


def test_7_bringing_an_agent_back_from_its_tombstone_needs_approval(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tombstoned = variant("    aws:\n", '    revoked: {on: 2026-11-20, by: "@acme/platform", '
                         "reason: Agent retired}\n    aws:\n")
    result = review(tmp_path, tombstoned, BASE, capsys, "--no-synth")
    assert "brought back from its tombstone" in failed(result, BROADENING)["message"]
    passed(review(tmp_path, tombstoned, escalate(BASE), capsys, "--no-synth"))


# --------------------------------------------------------------------------- unclassified


def test_an_unclassified_difference_fails_naming_stack_resource_and_attribute() -> None:
    from datetime import date

    from cdk.loader import validate_schema
    from cdk.model import IdentitiesFile
    from cdk.review.build import build_packet
    from cdk.review.packet import Side
    from cdk.yamlsafe import parse

    identities: IdentitiesFile = validate_schema(parse("x.yaml", BASE))
    stack = {"resource": {"aws_iam_role": {"r": {"name": "agent-release-bot",
                                                 "permissions_boundary": "arn:a"}}}}
    changed = {"resource": {"aws_iam_role": {"r": {"name": "agent-release-bot",
                                                   "permissions_boundary": "arn:b"}}}}
    base = Side("base", identities, (), {"release-bot": stack})
    head = Side("head", identities, (), {"release-bot": changed})
    packet = build_packet(base, head, date(2026, 11, 29))
    gate = next(g for g in packet.gates if g.id == UNCLASSIFIED)
    assert gate.agent == "release-bot"
    assert "release-bot: aws_iam_role.r.permissions_boundary" in gate.message
    assert "RULES" in gate.fix


ENFORCED = variant("  github: {owner: acme, owner_id: 1342004}\n",
                   "  github:\n    owner: acme\n    owner_id: 1342004\n"
                   "    identities: {repo: acme/identities, security_team: \"@acme/security\"}\n")


def test_6_dropping_the_identities_ruleset_is_a_broadening_adding_it_a_narrowing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dropped = review(tmp_path, ENFORCED, BASE, capsys, "--no-synth")
    gate = next(g for g in dropped.packet["gates"] if g["agent"] is None)
    assert "defaults.github.identities" in gate["message"]
    assert "GitHub enforces this review" in dropped.markdown
    added = review(tmp_path, BASE, ENFORCED, capsys, "--no-synth")
    passed(added)
    assert "GitHub does not enforce the human review" in added.markdown
    assert [c["kind"] for c in added.packet["shared_content"]] == ["narrowing"]


# --------------------------------------------------------------------------- narrowings pass

_KEY = "    github:\n      deploy_keys:\n        - {repo: acme/api}\n"
_TWO_RUNS = ("        environment: agent-release-bot\n",
             "        environment: agent-release-bot\n      - repo: acme/web\n"
             "        repo_id: 654321\n")


def _narrowings() -> dict[str, tuple[str, str]]:
    from ..records import AZURE, GCP

    cases = {
        "aws-one-key-of-two": (DEPLOY_KEYS, variant("        - {repo: acme/docs, "
                                                    "rotation_days: 7}\n", "",
                                                    base=DEPLOY_KEYS)),
        "aws-store-only-last-key": (DEPLOY_KEYS, variant(
            "    github:\n      deploy_keys:\n        - {repo: acme/docs-mirror}\n"
            "  - name: old-mirror", "  - name: old-mirror", base=DEPLOY_KEYS)),
    }
    for cloud, base in (("gcp", GCP), ("azure", AZURE)):
        cases[f"{cloud}-key"] = (base + _KEY + f"    secrets: {{store: {cloud}}}\n", base)
        cases[f"{cloud}-run"] = (variant(*_TWO_RUNS, base=base), base)
    return cases


@pytest.mark.parametrize("case", sorted(_narrowings()))
def test_narrowings_in_synthesized_stacks_pass_and_are_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    # GIVEN a deploy key or a runs_on entry removed: secrets, keys, policies and the
    # pool's condition lose what they guarded together with it
    base, head = _narrowings()[case]
    result = review(tmp_path, base, head, capsys)
    passed(result)
    assert result.packet["agents"][0]["narrowed"] is True


def test_a_run_added_to_a_gcp_agent_widens_the_shared_pool_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ..records import GCP

    head = variant(*_TWO_RUNS, base=GCP)
    result = review(tmp_path, GCP, head, capsys)
    gate = next(g for g in result.packet["gates"] if g["agent"] == "foundation")
    assert gate["id"] == BROADENING
    assert ("the pool now admits repo:acme@1342004/web@654321:environment:agent-release-bot "
            "(repository id 654321, environment agent-release-bot)") in gate["message"]
    passed(review(tmp_path, GCP, escalate(head), capsys))


# --------------------------------------------------------------------------- the example

_EXAMPLE_CASES = {
    # (old, new, expected exit): narrowings of the example's GCP and Azure agents pass,
    # a deny dropped fails
    "gcp-expiry-shortened": ("expires: 2027-02-01", "expires: 2027-01-20", 0),
    "gcp-deny-added": ('must_never_hold: ["storage.objects.delete"]',
                       'must_never_hold: ["storage.objects.delete", "storage.buckets.delete"]',
                       0),
    "gcp-deny-dropped": ('    must_never_hold: ["storage.objects.delete"]\n', "", 1),
    "azure-time-bound-on": ("    location: westeurope\n",
                            "    location: westeurope\n    time_bound_assignments: true\n", 0),
}


@pytest.mark.parametrize("synth", [False, True], ids=["plans", "synthesized"])
@pytest.mark.parametrize("case", sorted(_EXAMPLE_CASES))
def test_changes_to_the_example_are_judged_alike_on_plans_and_stacks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, synth: bool) -> None:
    from ..conftest import EXAMPLE

    old, new, expected = _EXAMPLE_CASES[case]
    example = EXAMPLE.read_text()
    result = review(tmp_path, example, variant(old, new, base=example), capsys,
                    *([] if synth else ["--no-synth"]))
    assert result.code == expected, result.packet["gates"]
    if expected:
        assert result.gate_ids() == [BROADENING]


def test_4_no_agent_approves_a_defaults_change(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = escalate(variant("max_session_minutes: 60", "max_session_minutes: 120"),
                    "defaults", entry(approved_by="@acme/agent-release-bot", indent=4))
    result = review(tmp_path, BASE, head, capsys, "--no-synth")
    assert "may not approve" in failed(result, INVALID)["message"]


def test_tags_the_isolation_denies_read_are_not_harmless() -> None:
    from cdk.review.changes import classify
    from cdk.review.verdicts import HARMLESS, UNCLASSIFIED

    old = {"agent": "a", "owner": "@acme/x", "managed-by": "agentid"}
    assert classify("aws_kms_key", "tags", old, {**old, "owner": "@acme/y"})[0] == HARMLESS
    for tag in ("agent", "managed-by"):
        assert classify("aws_kms_key", "tags", old, {**old, tag: "other"})[0] == UNCLASSIFIED
