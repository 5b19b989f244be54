"""A locked agent's plans (pure, no bindings): what each target builds for it, what
``review --no-synth`` reads (``Target.planned_content``) and what the card says.

GIVEN tests/fixtures/locked.yaml (three locked agents covering AWS, Google Cloud,
Azure, a pinned workflow and a store in each cloud, and report-bot unlocked), WHEN
each target plans them, THEN the locked ones admit no token, may do nothing, hold
no deploy key or secret, and report-bot plans as if no neighbour were locked.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from cdk.aws.plan import oidc_provider_arn, plan_role, trust_policy
from cdk.aws.scope import permissions_document, plan_scope, policy_documents
from cdk.azure.plan import plan_identity, plan_secret_store
from cdk.gcp.plan import plan_service_account
from cdk.github.deploy_keys import plan_deploy_keys
from cdk.github.plan import plan_environments
from cdk.lifecycle import state
from cdk.loader import Loaded
from cdk.model import Agent, IdentitiesFile, Locked
from cdk.review.card import identity_card
from cdk.targets import target, used
from cdk.validation import load

from ..conftest import FIXTURES, TODAY

DENY_ALL = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AgentidLocked", "Effect": "Deny", "Action": "*", "Resource": "*"}]}
PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
DENY_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AgentidLocked", "Effect": "Deny", "Principal": {"Federated": PROVIDER},
     "Action": "sts:AssumeRoleWithWebIdentity"}]}
LOCKED = ("incident-bot", "release-bot", "archive-bot")


@pytest.fixture(scope="module")
def loaded() -> Loaded:
    return load(FIXTURES / "locked.yaml", TODAY)


def _file(loaded: Loaded) -> IdentitiesFile:
    return loaded.identities


def _agent(loaded: Loaded, name: str) -> Agent:
    return next(a for a in _file(loaded).agents if a.name == name)


def _unlocked(loaded: Loaded, name: str) -> tuple[Agent, IdentitiesFile]:
    """The agent as if its ``locked:`` block were removed, in a file saying the same."""
    agent = _agent(loaded, name).model_copy(update={"locked": None})
    identities = _file(loaded)
    agents = tuple(agent if a.name == name else a for a in identities.agents)
    return agent, identities.model_copy(update={"agents": agents})


def test_fixture_states(loaded: Loaded) -> None:
    assert [state(a) for a in _file(loaded).agents] == ["locked", "locked", "locked",
                                                         "active"]


@pytest.mark.parametrize("name", ["incident-bot", "release-bot"])
def test_aws_role_stays_but_trusts_no_token(loaded: Loaded, name: str) -> None:
    agent, identities = _agent(loaded, name), _file(loaded)
    role = plan_role(agent, identities)
    unlocked = plan_role(*_unlocked(loaded, name))
    assert role.trust_policy == DENY_TRUST
    assert identities.defaults.aws is not None
    assert oidc_provider_arn(identities.defaults.aws) == PROVIDER
    # Name, ARN, tags and session length stay: unlocking changes the trust alone.
    assert dataclasses.replace(role, trust_policy={}) == dataclasses.replace(
        unlocked, trust_policy={})
    assert not [s for s in role.trust_policy["Statement"] if s["Effect"] == "Allow"]


@pytest.mark.parametrize("name", ["incident-bot", "release-bot"])
def test_aws_inline_policy_and_boundary_deny_every_action(loaded: Loaded, name: str) -> None:
    agent, identities = _agent(loaded, name), _file(loaded)
    scope = plan_scope(agent, identities)
    unlocked = plan_scope(*_unlocked(loaded, name))
    assert scope.permissions == DENY_ALL
    assert scope.boundary == DENY_ALL
    # The inline policy and boundary keep their names: unlocking is an in-place change.
    assert (scope.inline_policy_name, scope.boundary_name, scope.boundary_arn) == (
        unlocked.inline_policy_name, unlocked.boundary_name, unlocked.boundary_arn)
    assert policy_documents(agent, identities) == {
        "trust": DENY_TRUST, "boundary": DENY_ALL, "permissions": DENY_ALL}


def test_aws_agent_without_scope_gets_the_deny_inline_policy(loaded: Loaded) -> None:
    # An agent whose only AWS use is its store: unlocked its inline policy reads its
    # secrets; locked, it is the deny of every action like every locked agent's.
    agent = _agent(loaded, "release-bot").model_copy(update={"aws": None})
    base = agent.model_copy(update={"locked": None})
    unlocked = permissions_document(base, _file(loaded))
    assert unlocked is not None and "DecryptOwnDeployKeySecrets" in str(unlocked)
    assert permissions_document(agent, _file(loaded)) == DENY_ALL


def test_trust_policy_of_the_record_is_kept_for_the_rules(loaded: Loaded) -> None:
    # The rules judge (and size) the record's own trust: unlocking must fit.
    agent, identities = _agent(loaded, "incident-bot"), _file(loaded)
    assert identities.defaults.aws is not None
    assert trust_policy(agent, identities.defaults.aws, identities.defaults.github) == \
        plan_role(*_unlocked(loaded, "incident-bot")).trust_policy


@pytest.mark.parametrize("name", ["incident-bot", "archive-bot"])
def test_gcp_service_account_disabled_and_everything_else_stays(loaded: Loaded,
                                                                name: str) -> None:
    plan = plan_service_account(_agent(loaded, name), _file(loaded))
    unlocked = plan_service_account(*_unlocked(loaded, name))
    assert plan.disabled is True and unlocked.disabled is False
    # Impersonation, role bindings and the deny policy stay; only the bindings of the
    # deploy-key secrets it no longer holds go.
    assert plan.workload_identity_members == unlocked.workload_identity_members
    assert plan.denied_permissions == unlocked.denied_permissions
    assert plan.bindings == tuple(b for b in unlocked.bindings if not b.internal)


def test_gcp_store_keeps_its_key_ring_without_secrets(loaded: Loaded) -> None:
    agent, identities = _agent(loaded, "archive-bot"), _file(loaded)
    store = target("gcp").plan_secret_store
    assert store is not None
    locked, unlocked = store(agent, identities), store(*_unlocked(loaded, "archive-bot"))
    assert locked.secrets == () and unlocked.secrets
    assert dataclasses.replace(unlocked, secrets=()) == locked


def test_azure_identity_stays_without_credentials_or_assignments(loaded: Loaded) -> None:
    agent, identities = _agent(loaded, "incident-bot"), _file(loaded)
    plan = plan_identity(agent, identities)
    unlocked = plan_identity(*_unlocked(loaded, "incident-bot"))
    assert plan.credentials == () and plan.assignments == ()
    assert unlocked.credentials and unlocked.assignments
    assert (plan.name, plan.resource_id, plan.tags) == (
        unlocked.name, unlocked.resource_id, unlocked.tags)
    store = plan_secret_store(agent, identities)
    assert store.secrets == () and store.vault_name == plan_secret_store(
        *_unlocked(loaded, "incident-bot")).vault_name
    documents = target("azure").documents(agent, identities)
    assert documents == {"azure-federation": {"Statement": []},
                         "azure-roles": {"Statement": []}}


def test_aws_store_keeps_its_key_without_secrets(loaded: Loaded) -> None:
    agent, identities = _agent(loaded, "release-bot"), _file(loaded)
    store = target("aws").plan_secret_store
    assert store is not None
    locked, unlocked = store(agent, identities), store(*_unlocked(loaded, "release-bot"))
    assert locked.secrets == () and unlocked.secrets
    assert dataclasses.replace(unlocked, secrets=()) == locked


@pytest.mark.parametrize("name", LOCKED)
def test_github_environments_admit_no_branch_and_no_deploy_keys(loaded: Loaded,
                                                                name: str) -> None:
    agent, identities = _agent(loaded, name), _file(loaded)
    assert plan_deploy_keys(agent, identities) == []
    variables = {"AWS_ROLE_ARN": "arn"}
    environments = plan_environments(agent, identities, variables)
    unlocked = plan_environments(*_unlocked(loaded, name), variables)
    assert len(environments) == len(agent.runs_on)
    for env, before in zip(environments, unlocked, strict=True):
        assert env.admits_no_branch and not env.protected_branches_only and not env.pinned
        assert (env.branch_pattern, env.tag_pattern) == (None, None)
        # Reviewers and variables stay.
        assert (env.repo, env.environment, env.reviewer_teams, env.reviewer_users,
                env.variables) == (before.repo, before.environment, before.reviewer_teams,
                                   before.reviewer_users, before.variables)


def test_pinned_environment_unlocked_has_its_pattern(loaded: Loaded) -> None:
    # The premise of the test above: release-bot's release environment is pinned.
    unlocked = plan_environments(*_unlocked(loaded, "release-bot"), {})
    assert [e.pinned for e in unlocked] == [True, False]


def _content(loaded: Loaded, name: str) -> dict[str, dict[str, Any]]:
    agent, identities = _agent(loaded, name), _file(loaded)
    content: dict[str, dict[str, Any]] = {}
    for t in used(agent, identities):
        content.update(t.planned_content(agent, identities))
    return content


def test_planned_content_describes_the_locked_stack(loaded: Loaded) -> None:
    content = _content(loaded, "incident-bot")
    assert content["plan.aws_role"]["trust_policy"] == DENY_TRUST
    assert content["plan.aws_scope"]["permissions"] == DENY_ALL
    assert content["plan.aws_scope"]["boundary"] == DENY_ALL
    assert content["plan.gcp_service_account"]["disabled"] is True
    assert content["plan.azure_identity"]["credentials"] == ()
    assert content["plan.azure_identity"]["assignments"] == ()
    assert content["plan.secret_store"]["secrets"] == ()
    assert not [k for k in content if k.startswith("plan.deploy_key.")]
    environments = [v for k, v in content.items() if k.startswith("plan.environment.")]
    assert len(environments) == 2
    assert all(e["admits_no_branch"] and e["branch_pattern"] is None for e in environments)
    assert content["provider.github"] == {"owner": "acme"}


def test_planned_content_of_the_neighbour_is_unaffected(loaded: Loaded) -> None:
    content = _content(loaded, "report-bot")
    assert content["plan.aws_role"]["trust_policy"]["Statement"][0]["Effect"] == "Allow"
    assert content["plan.gcp_service_account"]["disabled"] is False
    assert content["plan.azure_identity"]["credentials"]
    assert content["plan.secret_store"]["secrets"]
    assert [k for k in content if k.startswith("plan.deploy_key.")] == [
        "plan.deploy_key.acme/incidents"]


def test_card_shows_the_lock_and_what_stopped(loaded: Loaded) -> None:
    card = identity_card(_agent(loaded, "incident-bot"), _file(loaded), TODAY)
    assert card.state == "locked"
    assert card.locked == ("on 2026-11-28 by @acme/security: Token seen in a public build "
                           "log; locked while the leak is investigated")
    effects = "\n".join(card.lock_effects)
    assert [line.split(":", 1)[0] for line in card.lock_effects] == [
        "GitHub", "AWS", "Google Cloud", "Azure"]
    assert "trusts no token" in effects and "deny every action" in effects
    assert "is disabled" in effects
    assert "no federated credential and no role assignment" in effects
    assert "up to 24 hours" in effects
    assert "admits no branch" in effects and "deploy keys" in effects
    neighbour = identity_card(_agent(loaded, "report-bot"), _file(loaded), TODAY)
    assert (neighbour.state, neighbour.locked, neighbour.lock_effects) == ("active", None, ())


def test_revoked_wins_over_locked(loaded: Loaded) -> None:
    # A tombstone keeps only providers whatever the lock says.
    from cdk.model import Revoked

    agent = _agent(loaded, "incident-bot")
    revoked = agent.model_copy(update={"revoked": Revoked(
        on=date(2026, 11, 29), by="@acme/security", reason="Decommissioned for good")})
    assert state(revoked) == "revoked"
    assert isinstance(agent.locked, Locked)
    for t in used(revoked, _file(loaded)):
        content = t.planned_content(revoked, _file(loaded))
        assert not [k for k in content if k.startswith("plan.")]


def test_the_rendered_card_shows_the_lock(capsys: pytest.CaptureFixture[str]) -> None:
    from cdk.cli import main

    from ..conftest import TODAY_ARG

    capsys.readouterr()
    code = main(["card", "incident-bot", "-f", str(FIXTURES / "locked.yaml"),
                 "--today", TODAY_ARG])
    out = capsys.readouterr().out
    assert code == 0
    lock = next(line for line in out.splitlines() if line.startswith("- **LOCKED**"))
    assert "on 2026-11-28" in lock and "Token seen in a public build log" in lock
    assert "acme/security" in lock
    for cloud in ("GitHub:", "AWS:", "Google Cloud:", "Azure:"):
        assert f"  - {cloud}" in out
    assert "may stay cached and usable for up to 24 hours" in out
    capsys.readouterr()
    assert main(["card", "report-bot", "-f", str(FIXTURES / "locked.yaml"),
                 "--today", TODAY_ARG]) == 0
    assert "LOCKED" not in capsys.readouterr().out
