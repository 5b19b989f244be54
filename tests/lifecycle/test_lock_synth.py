"""A locked agent's synthesized stacks (``cdk.tf.json``), cloud by cloud.

GIVEN tests/fixtures/locked.yaml synthesized, and the same file with every ``locked:``
block removed synthesized beside it, THEN each locked agent's stack holds the lock's
effect and nothing else differs:

- AWS: the role (name, ARN, tags, boundary, exclusive resources) stays; its trust
  admits no token (one deny, no allow); its inline policy (same name) and boundary
  deny every action on every resource.
- Google Cloud: the service account says ``disabled = true``; everything else stays.
- Azure: the managed identity stays with no federated credential and no assignment.
- GitHub: every environment keeps reviewers and variables but admits no branch
  (custom branch policies, no deployment policy); no deploy key, key pair or secret
  in any store, while the tls/time providers and the store's provider stay.
- report-bot (unlocked) and the foundation come out byte for byte as without the locks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from ..conftest import FIXTURES, Synthesized, synthesize

PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
DENY_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AgentidLocked", "Effect": "Deny", "Principal": {"Federated": PROVIDER},
     "Action": "sts:AssumeRoleWithWebIdentity"}]}
DENY_ALL = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AgentidLocked", "Effect": "Deny", "Action": "*", "Resource": "*"}]}
ADMITS_NO_BRANCH = {"protected_branches": False, "custom_branch_policies": True}
LOCKED = ("incident-bot", "release-bot", "archive-bot")
# What a lock takes out of a stack, and nothing else.
GONE = {
    "azurerm_federated_identity_credential", "azurerm_pim_active_role_assignment",
    "azurerm_role_assignment", "azurerm_key_vault_secret",
    "aws_secretsmanager_secret", "aws_secretsmanager_secret_policy",
    "aws_secretsmanager_secret_version", "google_secret_manager_secret",
    "google_secret_manager_secret_version", "google_secret_manager_secret_iam_member",
    "github_repository_deploy_key", "github_repository_environment_deployment_policy",
    "tls_private_key", "time_rotating", "time_static",
    # The deploy-key variable named a secret that no longer exists.
    "github_actions_environment_variable",
    # Azure's role lookups go with the assignments they served.
    "data.azurerm_role_definition",
}
# What a lock changes in a resource it keeps.
CHANGED = {
    ("aws_iam_role", "assume_role_policy"), ("aws_iam_role_policy", "policy"),
    ("aws_iam_policy", "policy"), ("google_service_account", "disabled"),
    ("github_repository_environment", "deployment_branch_policy"),
}
SECRETS = {"aws_secretsmanager_secret", "aws_secretsmanager_secret_version",
           "google_secret_manager_secret", "google_secret_manager_secret_version",
           "azurerm_key_vault_secret"}


@pytest.fixture(scope="module")
def synthesized_locked(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized_fixtures("locked")


@pytest.fixture(scope="module")
def synthesized_unlocked(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """locked.yaml with every ``locked:`` block removed: what unlocking gives back."""
    text = (FIXTURES / "locked.yaml").read_text()
    unlocked, count = re.subn(r"\n    locked:\n(?:      .*\n)+", "\n", text)
    assert count == len(LOCKED) and "\n    locked:" not in unlocked
    project = tmp_path_factory.mktemp("unlocked")
    (project / "identities.yaml").write_text(unlocked)
    return synthesize(project / "identities.yaml", project / "cdktf.out")


def _resources(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``address -> body`` of every resource and data source, without metadata."""
    found = {}
    for section, prefix in (("resource", ""), ("data", "data.")):
        for kind, by_name in stack.get(section, {}).items():
            for name, body in by_name.items():
                found[f"{prefix}{kind}.{name}"] = {k: v for k, v in body.items() if k != "//"}
    return found


def _kind(address: str) -> str:
    return address.rsplit(".", 1)[0]


def _one(synthesized: Synthesized, stack: str, kind: str) -> dict[str, Any]:
    found = synthesized.resources(stack, kind)
    assert len(found) == 1, (stack, kind, found)
    return found[0]


# --------------------------------------------------------------------------- AWS


@pytest.mark.parametrize("stack", ["incident-bot", "release-bot"])
def test_aws_trust_admits_no_token(synthesized_locked: Synthesized, stack: str) -> None:
    role = _one(synthesized_locked, stack, "aws_iam_role")
    trust = json.loads(role["assume_role_policy"])
    assert trust == DENY_TRUST
    assert not [s for s in trust["Statement"] if s["Effect"] != "Deny"]
    # The role itself stays: its name, boundary and session length.
    assert role["name"] == f"agent-{stack}"
    assert role["permissions_boundary"] == (
        f"arn:aws:iam::123456789012:policy/agent-{stack}-boundary")
    assert role["max_session_duration"] == 3600
    assert role["tags"]["agent"] == stack


@pytest.mark.parametrize("stack", ["incident-bot", "release-bot"])
def test_aws_inline_policy_and_boundary_deny_every_action(
        synthesized_locked: Synthesized, stack: str) -> None:
    inline = _one(synthesized_locked, stack, "aws_iam_role_policy")
    boundary = _one(synthesized_locked, stack, "aws_iam_policy")
    assert inline["name"] == f"agent-{stack}-scope"
    assert json.loads(inline["policy"]) == DENY_ALL
    assert boundary["name"] == f"agent-{stack}-boundary"
    assert json.loads(boundary["policy"]) == DENY_ALL
    # Still managed exclusively: nothing attached out of band survives.
    exclusive = _one(synthesized_locked, stack, "aws_iam_role_policies_exclusive")
    assert exclusive["policy_names"] == [f"agent-{stack}-scope"]
    assert _one(synthesized_locked, stack,
                "aws_iam_role_policy_attachments_exclusive")["policy_arns"] == []


# --------------------------------------------------------------------------- Google Cloud


@pytest.mark.parametrize("stack", ["incident-bot", "archive-bot"])
def test_gcp_service_account_disabled(synthesized_locked: Synthesized, stack: str) -> None:
    account = _one(synthesized_locked, stack, "google_service_account")
    assert account["disabled"] is True
    assert account["account_id"] == f"agent-{stack}"
    # Impersonation and the deny policy stay: unlocking is `disabled` alone.
    assert synthesized_locked.resources(stack, "google_service_account_iam_member")
    assert synthesized_locked.resources(stack, "google_iam_deny_policy")


def test_gcp_neighbour_account_enabled(synthesized_locked: Synthesized) -> None:
    assert "disabled" not in _one(synthesized_locked, "report-bot", "google_service_account")


# --------------------------------------------------------------------------- Azure


def test_azure_identity_stays_without_credentials_or_assignments(
        synthesized_locked: Synthesized) -> None:
    identity = _one(synthesized_locked, "incident-bot", "azurerm_user_assigned_identity")
    assert identity["name"] == "agent-incident-bot"
    for kind in ("azurerm_federated_identity_credential", "azurerm_role_assignment",
                 "azurerm_pim_active_role_assignment", "azurerm_key_vault_secret"):
        assert synthesized_locked.resources("incident-bot", kind) == [], kind
    # The neighbour, unlocked, has both.
    assert synthesized_locked.resources("report-bot", "azurerm_federated_identity_credential")
    assert synthesized_locked.resources("report-bot", "azurerm_pim_active_role_assignment")


# --------------------------------------------------------------------------- GitHub


@pytest.mark.parametrize("stack", LOCKED)
def test_environments_admit_no_branch(synthesized_locked: Synthesized, stack: str) -> None:
    environments = synthesized_locked.resources(stack, "github_repository_environment")
    assert environments
    for environment in environments:
        assert environment["deployment_branch_policy"] == ADMITS_NO_BRANCH
        # Reviewers stay; nobody bypasses.
        assert environment["reviewers"]["teams"]
        assert environment["prevent_self_review"] is True
        assert environment["can_admins_bypass"] is False
    assert synthesized_locked.resources(
        stack, "github_repository_environment_deployment_policy") == []


def test_pinned_environment_loses_its_deployment_policy(
        synthesized_locked: Synthesized, synthesized_unlocked: Synthesized) -> None:
    # The premise: unlocked, release-bot's release environment admits main only.
    policies = synthesized_unlocked.resources(
        "release-bot", "github_repository_environment_deployment_policy")
    assert [p["branch_pattern"] for p in policies] == ["main"]
    assert synthesized_locked.resources(
        "release-bot", "github_repository_environment_deployment_policy") == []


@pytest.mark.parametrize("stack", LOCKED)
def test_no_deploy_keys_or_secrets_while_the_providers_stay(
        synthesized_locked: Synthesized, synthesized_unlocked: Synthesized,
        stack: str) -> None:
    document = synthesized_locked.stack(stack)
    resources = document.get("resource", {})
    for kind in ("github_repository_deploy_key", "tls_private_key", "time_rotating",
                 "time_static", *SECRETS):
        assert kind not in resources, kind
    # Unlocked, the same stack held them (the premise of the test).
    unlocked = synthesized_unlocked.stack(stack)["resource"]
    assert "github_repository_deploy_key" in unlocked
    assert SECRETS & set(unlocked)
    # Terraform needs the providers to destroy what the state holds.
    assert {"tls", "time", "github"} <= set(document["provider"])
    assert set(document["provider"]) == set(synthesized_unlocked.stack(stack)["provider"])
    assert set(document["terraform"]["required_providers"]) == set(
        synthesized_unlocked.stack(stack)["terraform"]["required_providers"])
    # No variable names a deploy-key secret that no longer exists.
    names = [v["variable_name"] for v in synthesized_locked.resources(
        stack, "github_actions_environment_variable")]
    assert names and not [n for n in names if "DEPLOY_KEY" in n]


def test_the_stores_stay_empty(synthesized_locked: Synthesized) -> None:
    # Key, key ring and vault stay (Google never deletes a key ring: re-creating one
    # on unlock would collide); they hold nothing.
    assert len(synthesized_locked.resources("release-bot", "aws_kms_key")) == 1
    assert len(synthesized_locked.resources("archive-bot", "google_kms_key_ring")) == 1
    assert len(synthesized_locked.resources("incident-bot", "azurerm_key_vault")) == 1


@pytest.mark.parametrize("stack", LOCKED)
def test_environment_variables_stay(synthesized_locked: Synthesized,
                                    synthesized_unlocked: Synthesized, stack: str) -> None:
    def identity_variables(synthesized: Synthesized) -> list[tuple[str, str]]:
        return sorted((v["variable_name"], v["value"]) for v in synthesized.resources(
            stack, "github_actions_environment_variable")
            if not v["variable_name"].startswith("AGENT_DEPLOY_KEY"))

    assert identity_variables(synthesized_locked) == identity_variables(synthesized_unlocked)


# --------------------------------------------------------------------------- as a whole


@pytest.mark.parametrize("stack", LOCKED)
def test_the_lock_changes_only_what_it_stops(
        synthesized_locked: Synthesized, synthesized_unlocked: Synthesized,
        stack: str) -> None:
    locked = _resources(synthesized_locked.stack(stack))
    unlocked = _resources(synthesized_unlocked.stack(stack))
    assert not set(locked) - set(unlocked), "a lock adds no resource"
    gone = {_kind(a) for a in set(unlocked) - set(locked)}
    assert gone <= GONE, gone - GONE
    for address in set(locked) & set(unlocked):
        before, after = unlocked[address], locked[address]
        changed = {k for k in {*before, *after} if before.get(k) != after.get(k)}
        unexpected = {k for k in changed if (_kind(address), k) not in CHANGED}
        # An environment variable's value (a reference) is compared above.
        assert not unexpected, (address, unexpected)


@pytest.mark.parametrize("stack", ["report-bot", "foundation"])
def test_neighbour_and_foundation_unaffected(synthesized_locked: Synthesized,
                                             synthesized_unlocked: Synthesized,
                                             stack: str) -> None:
    assert synthesized_locked.stack(stack) == synthesized_unlocked.stack(stack)
