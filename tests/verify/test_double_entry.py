"""verify restates the contract's lists on purpose, and this test keeps them equal.

``cdk/verify`` is the independent oracle (docs/architecture.md §1): it reads only
records and ``cdk.tf.json`` and imports no plan function, so the lists it checks
the output against are written again there rather than imported. Sharing them
would let one deletion weaken both the output and its check. The price of the
double entry is drift; this test fails when either side changes alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk import lifecycle, names, plan
from cdk.aws import denies as aws_denies
from cdk.aws import document as aws_document
from cdk.aws import plan as aws_plan
from cdk.aws import scope as aws_scope
from cdk.aws import secret_plan
from cdk.azure import alerts_plan as azure_alerts_plan
from cdk.azure import federation as azure_federation
from cdk.azure import plan as azure_plan
from cdk.azure import roles as azure_roles
from cdk.gcp import alerts_plan as gcp_alerts_plan
from cdk.gcp import denies as gcp_denies
from cdk.gcp import roles as gcp_roles
from cdk.github import app_plan as github_app_plan
from cdk.github import deploy_keys as github_deploy_keys
from cdk.github import plan as github_plan
from cdk.validation import load
from cdk.verify import (
    aws_common,
    aws_lock,
    azure,
    azure_alerts,
    expect,
    gcp,
    gcp_alerts,
    gcp_common,
    github,
)

from ..conftest import EXAMPLE, FIXTURES, TODAY


def test_gcp_always_denied_is_the_deny_policys() -> None:
    assert gcp_common.ALWAYS_DENIED == gcp_denies.ALWAYS_DENIED


def test_gcp_permission_form_is_the_deny_policys() -> None:
    assert gcp_common.PERMISSION_RE.pattern == gcp_denies.PERMISSION_RE.pattern
    assert gcp_common.SERVICE_FQDN == gcp_denies.SERVICE_FQDN
    for permission in ("storage.objects.delete", "resourcemanager.projects.setIamPolicy",
                       "iam.serviceAccounts.signJwt", "not-a-permission", "a.b"):
        assert gcp._v2(permission) == gcp_denies.permission_v2(permission)


def test_gcp_role_lists_are_the_rules() -> None:
    assert gcp_common.BASIC_ROLES == gcp_roles.BASIC_ROLES
    assert gcp_common.AGENT_INFRA_SERVICES == gcp_roles.AGENT_INFRA_SERVICES
    assert gcp_common.IMPERSONATE == gcp_roles.WORKLOAD_IDENTITY_USER


def test_aws_secret_writes_are_the_boundarys() -> None:
    assert aws_common.SECRET_WRITES == secret_plan.SECRET_WRITE_ACTIONS
    assert (aws_common.SECRET_READ,) == secret_plan.SECRET_READ_ACTIONS


def test_aws_always_denied_is_the_boundarys() -> None:
    boundary = {*aws_denies.IAM_WRITE_PATTERNS, *aws_denies.ASSUME_PATTERNS,
                *aws_denies.KEY_POLICY_ACTIONS, *secret_plan.SECRET_POLICY_ACTIONS}
    assert len(aws_common.ALWAYS_DENIED) == len(set(aws_common.ALWAYS_DENIED))
    assert set(aws_common.ALWAYS_DENIED) == boundary


def test_github_app_variables_are_the_plans() -> None:
    assert (github.APP_ID_VARIABLE, github.APP_KEY_VARIABLE) == (names.APP_ID_VARIABLE,
                                                                 names.APP_KEY_VARIABLE)


def test_aws_alert_denies_are_the_boundarys() -> None:
    assert aws_common.ALERT_RULE_WRITES == aws_denies.ALERT_RULE_ACTIONS
    assert aws_common.ALERT_TOPIC_WRITES == aws_denies.ALERT_TOPIC_ACTIONS
    aws = load(EXAMPLE, TODAY).identities.defaults.aws
    assert aws is not None
    assert aws_common._alert_rules(aws) == aws_denies.alert_rules_pattern(
        aws.partition, aws.account_id)


def test_azure_alert_tamper_lists_are_the_rules() -> None:
    assert azure.ALERT_TAMPER_ACTIONS == azure_roles.ALERT_TAMPER_ACTIONS
    restated = {guid: name for name, (guid, _) in azure_roles.ALERT_TAMPER_ROLES.items()}
    assert restated == azure.ALERT_TAMPER_ROLES


def test_azure_constants_are_the_plans() -> None:
    assert azure.AUDIENCE == azure_federation.AUDIENCE
    assert azure.SECRETS_USER_ID == azure_plan.SECRETS_USER_ID


RECORDS = [EXAMPLE, *sorted(FIXTURES.glob("*.yaml"))]


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_record_facts_are_the_plans(path: Path) -> None:
    agents = load(path, TODAY).identities.agents
    assert agents
    for agent in agents:
        assert expect.expiry(agent) == plan.expiry_timestamp(agent)
        for store in ("aws", "gcp", "azure"):
            assert expect.uses_store(agent, store) == plan.uses_store(agent, store)
        assert expect.locked(agent) == (lifecycle.state(agent) == "locked")
        if expect.live(agent):
            assert expect.holds_deploy_keys(agent) == bool(
                github_deploy_keys.plan_deploy_keys(agent, load(path, TODAY).identities))
        identities = load(path, TODAY).identities
        app = github_app_plan.plan_app(agent, identities)
        assert expect.holds_app(agent) == (app is not None)
        assert expect.app_key_secret_name(agent) == names.github_app_key_secret_name(
            agent.name)
        assert expect.gcp_app_key_secret_id(agent) == names.gcp_app_key_secret_id(agent.name)
        selected = expect.app_selected_repositories(agent)
        assert selected == (set(app.selected_repositories)
                            if app is not None and app.installed else None)
        for run in agent.runs_on:
            assert expect.workflow_pin(run) == plan.job_workflow_ref(run)
            assert expect.environment(agent, run) == plan.environment_of(agent, run)


def test_the_lock_documents_are_what_verify_requires() -> None:
    # The plan's locked trust and deny-all documents pass verify's reading of "admits no
    # token" and "denies everything"; the unlocked ones do not.
    aws = load(EXAMPLE, TODAY).identities.defaults.aws
    assert aws is not None
    provider = aws_plan.oidc_provider_arn(aws)
    assert aws_lock.trust_problem(aws_plan.locked_trust_policy(aws), provider) is None
    for kind in (aws_document.INLINE, aws_document.MANAGED):
        assert aws_lock.deny_all_problem(aws_scope.deny_all(kind)) is None
    agent = load(EXAMPLE, TODAY).identities.agents[0]
    github_defaults = load(EXAMPLE, TODAY).identities.defaults.github
    assert aws_lock.trust_problem(aws_plan.trust_policy(agent, aws, github_defaults),
                                  provider) is not None


def test_a_locked_environment_is_what_verify_requires() -> None:
    env = github_plan.EnvironmentPlan("acme/a", "e", (), (), admits_no_branch=True)
    assert {"protected_branches": env.protected_branches_only,
            "custom_branch_policies": not env.protected_branches_only
            } == github.ADMITS_NO_BRANCH
    assert not env.pinned


def test_rotation_schedule_is_the_lifecycles(tmp_path: Path) -> None:
    from datetime import date

    from cdk import lifecycle
    from cdk.github import rotation_plan
    from cdk.github.deploy_keys import plan_deploy_keys

    from ..lifecycle.rotation_records import WITH_ROTATE
    from ..records import write

    assert expect.ROTATION_EPOCH == lifecycle.EPOCH
    assert expect.PLAN_DAY == rotation_plan.PLAN_DAY
    assert expect.plan_day() == rotation_plan.interpolated(rotation_plan.plan_day_expression())
    identities = load(write(tmp_path, WITH_ROTATE), TODAY).identities
    for agent in identities.agents:
        assert expect.rotation_requested(agent) == (
            None if lifecycle.newest_request(agent) is None else lifecycle.anchor(agent))
        records = {key.repo: key for key in agent.github.deploy_keys}
        for key_plan in plan_deploy_keys(agent, identities):
            days = expect.rotation_days(identities, records[key_plan.repo])
            assert days == key_plan.rotation_days
            assert expect.rotation_triggers(agent, days) == rotation_plan.rotation_triggers(
                days, key_plan.requested)
            assert expect.next_rotation(agent, days) == rotation_plan.interpolated(
                rotation_plan.next_rotation_expression(lifecycle.anchor(agent), days))
    assert expect._days_since_1970(date(2024, 2, 29)) == rotation_plan.day_number(
        date(2024, 2, 29))


def test_alert_constants_are_the_plans() -> None:
    assert gcp_alerts.AUDIT_LOG_TYPE == gcp_alerts_plan.AUDIT_LOG_TYPE
    assert str(gcp_alerts_plan.PERMISSION_DENIED) == gcp_alerts.PERMISSION_DENIED
    assert gcp_alerts.METRIC_TYPE_PREFIX == gcp_alerts_plan.METRIC_TYPE_PREFIX
    assert azure_alerts.CRITERIA == {"category": azure_alerts_plan.CATEGORY,
                                     "status": azure_alerts_plan.STATUS}
    assert azure_alerts.LOCATION == azure_alerts_plan.LOCATION


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_alert_channels_are_the_plans(path: Path) -> None:
    identities = load(path, TODAY).identities
    for agent in identities.agents:
        assert expect.gcp_channels(identities, agent) == list(
            gcp_alerts_plan.channels(agent, identities))
        assert expect.azure_action_groups(identities, agent) == [
            g.lower() for g in azure_alerts_plan.action_groups(agent, identities)]
