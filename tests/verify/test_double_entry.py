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

from cdk import plan
from cdk.aws import denies as aws_denies
from cdk.aws import secret_plan
from cdk.azure import alerts_plan as azure_alerts_plan
from cdk.azure import federation as azure_federation
from cdk.azure import plan as azure_plan
from cdk.gcp import alerts_plan as gcp_alerts_plan
from cdk.gcp import denies as gcp_denies
from cdk.gcp import roles as gcp_roles
from cdk.validation import load
from cdk.verify import (
    aws_common,
    azure,
    azure_alerts,
    expect,
    gcp,
    gcp_alerts,
    gcp_common,
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
        for run in agent.runs_on:
            assert expect.workflow_pin(run) == plan.job_workflow_ref(run)
            assert expect.environment(agent, run) == plan.environment_of(agent, run)


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
