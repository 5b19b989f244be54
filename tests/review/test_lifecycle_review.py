"""`agentid review` of lock, unlock and rotate requests (issue #17).

A lock is a narrowing: it passes without an escalation and the packet opens with a
banner naming the agent, who locked it, when and why. What the lock takes away is
classified by the lock's exact forms only; a broadening written beside a lock still
needs its escalation. Unlocking is a broadening. A new rotate request is shown and
needs no escalation; rotate entries of the base are append-only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cdk.review.changes import LOCKING, UNLOCKING, classify
from cdk.review.render import md_text
from cdk.review.verdicts import (
    BROADENING,
    NARROWING,
    UNCLASSIFIED,
    denies_everything,
    trust_admits_nothing,
)

from ..conftest import FIXTURES
from ..records import BASE, variant
from .helpers import (
    BANNER,
    DEPLOY_KEY,
    KEYED,
    LOCK,
    LOCKED,
    OLDER_ROTATE,
    ROTATE,
    SECOND_AGENT,
    WIDEN,
    Result,
    entry,
    escalate,
    failed,
    passed,
    review,
)

BROADENING_GATE = "AgentId-Review-UnapprovedBroadening"
INVALID = "AgentId-Review-EscalationInvalid"
ROTATE_REWRITTEN = "AgentId-Review-RotateRewritten"

NO_SYNTH = "--no-synth"


def _top(markdown: str) -> str:
    """The packet before its first agent section and table: where a banner belongs."""
    return markdown[:markdown.index("| agent |")]


def _assert_lock_banner(result: Result) -> None:
    assert [lock["banner"] for lock in result.packet["locks"]] == [BANNER]
    assert result.packet["locks"][0]["change"] == "locked"
    assert f"**{md_text(BANNER)}**" in _top(result.markdown)


# --------------------------------------------------------------------------- lock


def test_a_lock_passes_without_an_escalation_and_opens_the_packet_with_its_banner(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an agent locked in the head, no escalation
    result = review(tmp_path, BASE, LOCKED, capsys, NO_SYNTH)
    # THEN every gate passes, the banner is the packet's first news, the agent is narrowed
    passed(result)
    _assert_lock_banner(result)
    agent = result.agent("release-bot")
    assert agent["status"] == "locked"
    assert agent["broadened"] is False and agent["narrowed"] is True
    assert agent["lock"] == {"agent": "release-bot", "change": "locked", "on": "2026-11-28",
                             "by": "@acme/security", "reason": "Token leaked in a build log",
                             "before": None, "banner": BANNER}
    assert "| `release-bot` | locked | narrowed |" in result.markdown
    # what the lock takes away, from the plans, each by the lock's form or a removal
    effects = {(e["address"], e["attribute"]): e["note"] for e in agent["lock_effects"]}
    assert effects[("plan.aws_role", "trust_policy")].startswith(
        "locked: the trust admits no token")
    for document in ("permissions", "boundary"):
        assert effects[("plan.aws_scope", document)].startswith(
            "locked: every action on every resource denied")
    assert effects[("plan.environment.acme/api/agent-release-bot", "admits_no_branch")]
    assert agent["content"] == []
    assert "`release-bot: plan.aws_role.trust_policy`: locked: the trust admits no token" \
        in result.markdown


# Every cloud at once: the fixture of the synthesized lock tests, its locks removed in
# the base (report-bot is never locked).
LOCKED_FIXTURE = (FIXTURES / "locked.yaml").read_text()
UNLOCKED_FIXTURE = re.sub(r"    locked:\n(      .*\n){3}", "", LOCKED_FIXTURE)


def test_a_lock_in_every_cloud_passes_and_each_effect_is_the_lock_s(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert UNLOCKED_FIXTURE.count("\n    locked:") == 0
    assert LOCKED_FIXTURE.count("\n    locked:") == 3
    result = review(tmp_path, UNLOCKED_FIXTURE, LOCKED_FIXTURE, capsys, NO_SYNTH)
    passed(result)
    assert [lock["agent"] for lock in result.packet["locks"]] == [
        "archive-bot", "incident-bot", "release-bot"]
    effects = {(e["stack"], e["address"].split(".", 2)[1], e["attribute"])
               for a in result.packet["agents"] for e in a["lock_effects"]}
    assert {("incident-bot", "gcp_service_account", "disabled"),
            ("incident-bot", "azure_identity", "credentials"),
            ("incident-bot", "azure_identity", "assignments"),
            ("incident-bot", "secret_store", "secrets"),
            ("incident-bot", "deploy_key", "*"),
            ("release-bot", "environment", "branch_pattern"),
            ("release-bot", "aws_role", "trust_policy"),
            ("archive-bot", "gcp_service_account", "disabled")} <= effects
    assert all(a["content"] == [] and not a["broadened"] for a in result.packet["agents"])


def test_a_lock_whose_record_changes_while_locked_passes_and_shows_the_old_record(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Decision: `locked` is a state, not a log: its by/on/reason may be corrected while
    # the agent stays locked (nothing it can do changes); the packet shows both.
    head = variant("reason: \"Token leaked in a build log\"",
                   "reason: \"Token leaked in build 4411's log\"", base=LOCKED)
    result = review(tmp_path, LOCKED, head, capsys, NO_SYNTH)
    passed(result)
    [lock] = result.packet["locks"]
    assert lock["change"] == "relocked"
    assert lock["before"] == "by @acme/security on 2026-11-28 — Token leaked in a build log"
    assert "Token leaked in build 4411's log" in lock["banner"]
    assert md_text(lock["banner"]) in _top(result.markdown)


def test_an_unchanged_lock_has_no_banner(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    head = variant("Tags releases and uploads build artifacts",
                   "Tags releases, uploads build artifacts", base=LOCKED)
    result = review(tmp_path, LOCKED, head, capsys, NO_SYNTH)
    passed(result)
    assert result.packet["locks"] == []
    assert result.agent("release-bot")["lock"]["change"] == "still locked"
    assert "(unchanged: the agent stays locked)" in result.markdown


# --------------------------------------------------------------------------- unlock


def test_unlocking_without_an_escalation_fails_as_a_broadening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, LOCKED, BASE, capsys, NO_SYNTH)
    gate = failed(result, BROADENING_GATE)
    assert result.gate_ids() == [BROADENING_GATE]
    assert gate["agent"] == "release-bot"
    assert "unlocked (was locked by @acme/security on 2026-11-28" in gate["message"]
    assert "escalations:" in gate["example"]
    agent = result.agent("release-bot")
    assert agent["status"] == "unlocked" and agent["broadened"] is True
    assert result.packet["locks"][0]["banner"].startswith("UNLOCKED: release-bot")
    assert "**Unlocked**" in result.markdown


def test_unlocking_with_a_new_escalation_passes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, LOCKED, escalate(BASE), capsys, NO_SYNTH)
    passed(result)
    assert result.agent("release-bot")["new_escalations"]


@pytest.mark.parametrize(("approval", "problem"), [
    (entry(approved_by="@acme/platform"), "an owner team never approves its own agent"),
    (entry(on="2026-11-01"), "more than 14 days before today"),
    (entry(approved_by="@alice"), "a person"),
    (entry(reason="unlock"), "at least 20 are needed"),
])
def test_unlocking_follows_the_escalation_rules(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], approval: str,
        problem: str) -> None:
    result = review(tmp_path, LOCKED, escalate(BASE, "release-bot", approval), capsys,
                    NO_SYNTH)
    assert problem in failed(result, INVALID)["message"]
    failed(result, BROADENING_GATE)


def test_unlocking_by_editing_the_lock_away_is_an_unlock(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `locked:` emptied to null is no lock
    head = BASE + "    locked: null\n"
    failed(review(tmp_path, LOCKED, head, capsys, NO_SYNTH), BROADENING_GATE)


# --------------------------------------------------------------------------- hostile locks


NEW_SUBJECT = ("        environment: agent-release-bot\n",
               "        environment: agent-release-bot\n      - repo: acme/web\n"
               "        repo_id: 654321\n")
APPROVER_SWAP = ('approvers: ["@acme/release-managers"]', 'approvers: ["@mallory"]')
HIDDEN = {
    "a new grant": (WIDEN, "s3:PutObject"),
    "a new runs_on subject": (NEW_SUBJECT, "acme/web"),
    "an approver swap": (APPROVER_SWAP, "@mallory"),
}


@pytest.mark.parametrize("change", sorted(HIDDEN))
def test_a_broadening_written_beside_a_lock_still_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str) -> None:
    (old, new), named = HIDDEN[change]
    head = variant(old, new, base=LOCKED)
    result = review(tmp_path, BASE, head, capsys, NO_SYNTH)
    assert named in failed(result, BROADENING_GATE)["message"]
    # ... and beside a lock already in the base: it would be live on the next unlock
    result = review(tmp_path, LOCKED, head, capsys, NO_SYNTH)
    assert named in failed(result, BROADENING_GATE)["message"]


def test_a_new_deploy_key_beside_a_lock_still_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, BASE, LOCKED + DEPLOY_KEY, capsys, NO_SYNTH)
    assert "new read deploy key on acme/docs" in failed(result, BROADENING_GATE)["message"]


def test_a_new_agent_created_locked_is_still_a_new_agent(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = BASE + SECOND_AGENT + LOCK.replace("Token leaked in a build log",
                                              "Created locked until the docs repo is ready")
    result = review(tmp_path, BASE, head, capsys, NO_SYNTH)
    failed(result, "AgentId-Review-UnapprovedNewAgent")


def test_removing_a_standing_deny_beside_a_lock_still_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # must_never_hold is a deny: dropping it while locked is judged as if unlocked
    guarded = variant("    aws:\n", '    must_never_hold: ["s3:DeleteObject"]\n    aws:\n')
    result = review(tmp_path, guarded, LOCKED, capsys, NO_SYNTH)
    assert "s3:DeleteObject" in failed(result, BROADENING_GATE)["message"]


# --------------------------------------------------------------------------- rotate


def test_a_rotate_request_is_shown_and_needs_no_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, KEYED, KEYED + ROTATE, capsys, NO_SYNTH)
    passed(result)
    line = ("keys rotated on request: Offboarding a member of the rotation team "
            "(by @acme/platform-oncall, on 2026-11-28)")
    agent = result.agent("release-bot")
    assert agent["rotation"]["line"] == line
    assert agent["broadened"] is False
    assert md_text(line) in result.markdown


def test_a_rotate_request_on_a_locked_agent_says_when_the_keys_come(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, KEYED + LOCK, KEYED + LOCK + ROTATE, capsys, NO_SYNTH)
    passed(result)
    assert result.agent("release-bot")["rotation"]["line"].endswith(
        "the agent is locked: its keys are deleted now and new ones are made when it is "
        "unlocked")


def test_only_a_new_newest_rotate_request_is_news(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An older entry added below the newest one rotates nothing: no line.
    base = KEYED + ROTATE
    result = review(tmp_path, base, base + OLDER_ROTATE, capsys, NO_SYNTH)
    passed(result)
    assert result.agent("release-bot")["rotation"] is None


@pytest.mark.parametrize("head", [
    KEYED,  # the request deleted
    KEYED + ROTATE.replace("Offboarding a member", "Offboarding two members"),  # rewritten
])
def test_rotate_requests_of_the_base_are_append_only(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], head: str) -> None:
    result = review(tmp_path, KEYED + ROTATE, head, capsys, NO_SYNTH)
    gate = failed(result, ROTATE_REWRITTEN)
    assert "Offboarding a member of the rotation team" in gate["message"]
    assert "append-only" in gate["fix"]
    # an escalation does not approve rewriting the record (like escalations themselves)
    assert ROTATE_REWRITTEN in review(tmp_path, KEYED + ROTATE, escalate(head), capsys,
                                      NO_SYNTH).gate_ids()


# --------------------------------------------------------------------------- lock forms


_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Sid": "AgentidLocked", "Effect": "Deny",
    "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/"
                               "token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity"}]}
_DENY_ALL = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AgentidLocked", "Effect": "Deny", "Action": "*", "Resource": "*"}]}
_ALLOW = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def _with(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    statement = {**document["Statement"][0], **changes}
    return {**document, "Statement": [{k: v for k, v in statement.items() if v is not None}]}


def test_the_lock_forms_are_recognised_exactly() -> None:
    assert trust_admits_nothing(json.dumps(_TRUST)) and denies_everything(_DENY_ALL)
    # Anything beside or instead of the exact statement is not the lock's
    near_trusts = [
        {**_TRUST, "Statement": [*_TRUST["Statement"], _ALLOW]},
        _with(_TRUST, Effect="Allow"),
        _with(_TRUST, Action="sts:AssumeRole"),
        _with(_TRUST, Condition={"StringEquals": {"aws:SourceIp": "10.0.0.1"}}),
        _with(_TRUST, Principal="*"),
        {**_TRUST, "Version": "2008-10-17"},
    ]
    assert not any(trust_admits_nothing(d) for d in near_trusts)
    near_denies = [
        {**_DENY_ALL, "Statement": [*_DENY_ALL["Statement"], _ALLOW]},
        _with(_DENY_ALL, Action="s3:*"),
        _with(_DENY_ALL, Resource="arn:aws:s3:::acme/*"),
        _with(_DENY_ALL, Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
        _with(_DENY_ALL, Action=None, NotAction="iam:*"),
        _with(_DENY_ALL, Effect="Allow"),
    ]
    assert not any(denies_everything(d) for d in near_denies)


_BASE_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": _TRUST["Statement"][0]["Principal"],
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": ["repo:x"]}}}]}


def test_the_lock_forms_narrow_only_for_a_lock_and_the_general_rules_stay() -> None:
    trust = ("aws_iam_role", "assume_role_policy")
    # a locked head: the lock's form narrows; anything else is judged as before
    assert classify(*trust, _BASE_TRUST, _TRUST, lock=LOCKING)[0] == NARROWING
    other = _with(_BASE_TRUST, Principal="*")
    assert classify(*trust, _BASE_TRUST, other, lock=LOCKING)[0] == UNCLASSIFIED
    # without a lock the same value is not a narrowing: the general trust rule cannot
    # judge a changed principal
    assert classify(*trust, _BASE_TRUST, _TRUST)[0] == UNCLASSIFIED
    # an unlock leaves the form: a broadening
    assert classify(*trust, _TRUST, _BASE_TRUST, lock=UNLOCKING)[0] == BROADENING
    policy = ("aws_iam_role_policy", "policy")
    standing = {"Statement": [_ALLOW, {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}
    assert classify(*policy, standing, _DENY_ALL, lock=LOCKING)[0] == NARROWING
    # the general policy rule: a standing deny removed broadens unless it is the lock
    assert classify(*policy, standing, _DENY_ALL)[0] == BROADENING
    branch = ("github_repository_environment", "deployment_branch_policy")
    open_, closed = ({"custom_branch_policies": False, "protected_branches": True},
                     {"custom_branch_policies": True, "protected_branches": False})
    assert classify(*branch, open_, closed, lock=LOCKING)[0] == NARROWING
    assert classify(*branch, open_, closed)[0] == BROADENING
    assert classify(*branch, closed, open_, lock=UNLOCKING)[0] == BROADENING


def test_a_disabled_service_account_is_the_lock_s_alone() -> None:
    from cdk.review.verdicts import MISSING

    account = ("google_service_account", "disabled")
    assert classify(*account, MISSING, True, lock=LOCKING)[0] == NARROWING
    assert classify(*account, True, MISSING, lock=UNLOCKING)[0] == BROADENING
    # no rule speaks for it outside a lock: fail closed
    assert classify(*account, MISSING, True)[0] == UNCLASSIFIED


def test_a_rotation_is_no_broadening_a_longer_period_is() -> None:
    # rotation-synth's rule (cdk/review/content.py), as the lifecycle review relies on it
    from cdk.github.rotation_plan import rotation_triggers

    before = rotation_triggers(30, "")
    requested = rotation_triggers(30, "2026-11-28")
    triggers = ("time_static", "triggers")
    assert classify(*triggers, before, requested)[0] == NARROWING
    assert classify(*triggers, before, rotation_triggers(60, ""))[0] == BROADENING
    assert classify(*triggers, before, {**requested, "extra": "x"})[0] == UNCLASSIFIED


# --------------------------------------------------------------------------- synthesized


@pytest.mark.synth
def test_a_lock_passes_with_synthesis_and_its_stack_changes_are_the_lock_s(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, KEYED, KEYED + LOCK, capsys)
    passed(result)
    _assert_lock_banner(result)
    agent = result.agent("release-bot")
    assert agent["content"] == [] and not agent["broadened"]
    effects = {(e["address"].split(".")[0], e["attribute"]): e["note"]
               for e in agent["lock_effects"]}
    assert effects[("aws_iam_role", "assume_role_policy")].startswith(
        "locked: the trust admits no token")
    for kind in ("aws_iam_role_policy", "aws_iam_policy"):  # inline policy, boundary
        assert effects[(kind, "policy")].startswith(
            "locked: every action on every resource denied")
    assert effects[("github_repository_environment", "deployment_branch_policy")].startswith(
        "locked: the environment admits no branch")
    for kind in ("github_repository_deploy_key", "tls_private_key",
                 "aws_secretsmanager_secret", "aws_secretsmanager_secret_version"):
        assert effects[(kind, "*")] == "deleted by the lock (a removal narrows)", kind
    # the next deploy: the stack's own changes match
    destroyed = {c["address"].split(".")[0] for c in agent["resources"]["changes"]
                 if c["action"] == "destroy"}
    assert {"github_repository_deploy_key", "tls_private_key"} <= destroyed
    assert "applies the lock" in result.markdown


@pytest.mark.synth
def test_a_lock_in_every_cloud_passes_with_synthesis(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, UNLOCKED_FIXTURE, LOCKED_FIXTURE, capsys)
    passed(result)
    assert len(result.packet["locks"]) == 3
    effects = {(e["stack"], e["address"].split(".")[0], e["attribute"])
               for a in result.packet["agents"] for e in a["lock_effects"]}
    assert {("incident-bot", "google_service_account", "disabled"),
            ("archive-bot", "google_service_account", "disabled"),
            ("incident-bot", "azurerm_federated_identity_credential", "*"),
            ("incident-bot", "azurerm_pim_active_role_assignment", "*"),
            ("incident-bot", "azurerm_key_vault_secret", "*"),
            ("release-bot", "github_repository_environment_deployment_policy", "*"),
            ("release-bot", "github_repository_environment", "deployment_branch_policy"),
            ("archive-bot", "google_secret_manager_secret_version", "*")} <= effects
    assert all(a["content"] == [] and not a["broadened"] for a in result.packet["agents"])


@pytest.mark.synth
@pytest.mark.parametrize("change", sorted(HIDDEN))
def test_a_broadening_written_beside_a_lock_still_fails_with_synthesis(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str) -> None:
    (old, new), named = HIDDEN[change]
    result = review(tmp_path, BASE, variant(old, new, base=LOCKED), capsys)
    assert named in failed(result, BROADENING_GATE)["message"]


@pytest.mark.synth
def test_unlocking_with_synthesis_fails_without_and_passes_with_an_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, KEYED + LOCK, KEYED, capsys)
    assert "unlocked (was locked" in failed(result, BROADENING_GATE)["message"]
    comes_back = {e["address"].split(".")[0] for e in result.agent("release-bot")["content"]}
    assert {"aws_iam_role", "github_repository_deploy_key"} <= comes_back
    passed(review(tmp_path, KEYED + LOCK, escalate(KEYED), capsys))


@pytest.mark.synth
def test_a_rotate_request_with_synthesis_replaces_the_keys_without_an_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, KEYED, KEYED + ROTATE, capsys)
    passed(result)
    agent = result.agent("release-bot")
    assert agent["rotation"]["line"].startswith(
        "keys rotated on request: Offboarding a member of the rotation team")
    triggers = [c for c in agent["content"] if c["address"].startswith("time_static.")]
    assert [c["kind"] for c in triggers] == ["narrowing"]
    assert "keys rotated on request" in result.markdown


@pytest.mark.synth
@pytest.mark.parametrize("fixture", ["azure", "gcp"])
def test_a_rotate_request_with_each_store_needs_no_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fixture: str) -> None:
    # Key Vault versions and Secret Manager versions roll with the key pair; what the
    # review sees change is the schedule (and Azure's expiry moving with it).
    base = (FIXTURES / f"{fixture}.yaml").read_text()
    assert base.count("\n  - name: ") == 1 and base.endswith("\n")
    result = review(tmp_path, base, base + ROTATE, capsys)
    passed(result)
    [agent] = result.packet["agents"]
    assert agent["rotation"]["line"].startswith("keys rotated on request: Offboarding")
    assert {c["address"].split(".")[0] for c in agent["content"]} == {"time_static"}
    assert not agent["broadened"]
