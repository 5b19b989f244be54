"""No agent may mute an alert on Azure (issue #18, docs/alerts.md).

Azure has no deny agentid can write, so what keeps an agent from muting its activity
log alert (or another agent's, or their action groups) is twofold. GIVEN a role that
writes or deletes activity log alerts or action groups, WHEN it is named by its name or
built-in id, THEN it is refused at FILE:LINE (``AgentId-AzureAlertTamperRole``); and
WHEN tests/fixtures/alerts-gcp-azure.yaml is synthesized, THEN every looked-up role
definition carries a plan-time postcondition that refuses any role whose actions write
or delete them (or a wildcard over them), whatever the role is called. verify fails
when such a role is assigned or a lookup loses its check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cdk.azure.roles import (
    ALERT_TAMPER_ACTIONS,
    alert_tamper_problem,
    postcondition_expression,
    refused_as_alert_tamper,
)
from cdk.validation import load
from cdk.verify import verify_documents

from ..conftest import FIXTURES, TODAY, Synthesized
from ..records import AZURE, AZURE_ROLE, assert_refused, variant

FIXTURE = FIXTURES / "alerts-gcp-azure.yaml"
MUTING = ["Microsoft.Insights/activityLogAlerts/write",
          "Microsoft.Insights/ActivityLogAlerts/Delete",
          "Microsoft.Insights/activityLogAlerts/*",
          "Microsoft.Insights/actionGroups/write", "Microsoft.Insights/ActionGroups/Delete",
          "Microsoft.Insights/actionGroups/*", "Microsoft.Insights/*",
          "Microsoft.Insights/*/write", "Microsoft.Insights/*/delete", "*/write", "*/delete",
          "*"]
HARMLESS = ["*/read", "Microsoft.Insights/*/read", "Microsoft.Insights/actionGroups/read",
            "Microsoft.Insights/activityLogAlerts/read",
            "Microsoft.Insights/metricAlerts/write", "Microsoft.Storage/storageAccounts/read",
            "Microsoft.Insights/diagnosticSettings/read"]


# ------------------------------------------------------------------ the plan


def test_the_plan_time_check_refuses_what_mutes_alerts_and_nothing_else() -> None:
    assert refused_as_alert_tamper(MUTING + HARMLESS) == MUTING


@pytest.mark.parametrize("scope_kind", ["resource", "resource_group", "subscription"])
def test_the_check_is_in_the_postcondition_at_every_scope(scope_kind: str) -> None:
    expression = postcondition_expression(scope_kind)
    escaped = ALERT_TAMPER_ACTIONS.replace("\\", "\\\\")
    assert f'can(regex("^({escaped})$", lower(a)))' in expression


@pytest.mark.parametrize("role", ["Monitoring Contributor", "monitoring contributor",
                                  "Monitoring Policy Contributor",
                                  "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
                                  "47BE4A87-7950-4631-9DAF-B664A405F074"])
def test_the_roles_that_mute_alerts_are_known_by_name_and_id(role: str) -> None:
    assert alert_tamper_problem(role) is not None


@pytest.mark.parametrize("role", ["Monitoring Reader", "Reader", "Storage Blob Data Reader",
                                  "43d0d8ad-25c7-4714-9337-8ba259a9fe05"])
def test_reading_alerts_is_not_refused(role: str) -> None:
    assert alert_tamper_problem(role) is None


# ------------------------------------------------------------------ the rule


@pytest.mark.parametrize("role", ["Monitoring Contributor", "Monitoring Policy Contributor",
                                  "749f88d5-cbae-40b8-bcfc-e573ddc772fa"])
def test_a_role_that_mutes_alerts_is_refused(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             role: str) -> None:
    entry = (f"        - role: {role}\n"
             "          scope: {resource_group: monitoring}\n")
    text = variant(AZURE_ROLE, entry, AZURE)
    assert_refused(tmp_path, capsys, text, "agents[0].azure.roles[0].role", f"role: {role}",
                   "the agent could mute its own or another agent's alerts")


# ------------------------------------------------------------- the synthesized stacks


@pytest.fixture(scope="module")
def alerts(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized_fixtures("alerts-gcp-azure")


@pytest.mark.parametrize("stack", ["docs", "docs-writer"])
def test_every_synthesized_role_lookup_refuses_alert_writes(alerts: Synthesized,
                                                            stack: str) -> None:
    lookups = alerts.stack(stack)["data"]["azurerm_role_definition"]
    assert lookups
    for lookup in lookups.values():
        [condition] = lookup["lifecycle"]["postcondition"]
        found = re.findall(r'can\(regex\("\^\((.*?)\)\$", lower\(a\)\)\)',
                           condition["condition"])
        regexes = [f.replace("\\\\", "\\") for f in found]
        assert any(re.match(f"^({r})$", "microsoft.insights/activitylogalerts/write")
                   for r in regexes)
        assert not any(re.match(f"^({r})$", "microsoft.insights/activitylogalerts/read")
                       for r in regexes)
        assert "activity log alerts" in condition["error_message"]


# ------------------------------------------------------------------ the verifier


def _documents(alerts: Synthesized) -> dict[str, dict[str, object]]:
    loaded: dict[str, dict[str, object]] = json.loads(json.dumps(
        {name: alerts.stack(name) for name in alerts.stacks()}))
    return loaded


def test_verify_fails_when_a_lookup_loses_its_check(alerts: Synthesized) -> None:
    identities = load(FIXTURE, TODAY).identities
    documents = _documents(alerts)
    assert verify_documents(documents, identities).ok
    data = documents["docs"]["data"]
    assert isinstance(data, dict)
    name, body = next(iter(data["azurerm_role_definition"].items()))
    condition = body["lifecycle"]["postcondition"][0]
    condition["condition"] = condition["condition"].split(" && ")[0] + "}"
    report = verify_documents(documents, identities)
    assert ("AgentId-Verify-AzureNoAlertTamperRole", "docs",
            f"data.azurerm_role_definition.{name}") in [
        (f.invariant, f.stack, f.address) for f in report.findings]
