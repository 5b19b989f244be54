"""No agent may mute an alert on Google Cloud (issue #18, docs/alerts.md).

GIVEN tests/fixtures/alerts-gcp-azure.yaml (``docs`` and ``docs-writer``, each with a
log-based metric and an alert policy) and tests/fixtures/gcp.yaml (no alerts), WHEN
they are synthesized, THEN every agent's deny policy denies, without condition or
exception, deleting or rewriting log-based metrics, alert policies and notification
channels, creating or rewriting exclusions and deleting or rewriting sinks, every
agent's alike (deny policies name permissions, not resources); every bound role is
checked at plan time for those permissions and snoozes; the predefined roles that hold
them are refused at FILE:LINE (``AgentId-GcpAlertTamperRole``); and verify fails when
the deny policy stops denying one of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cdk.gcp import denies
from cdk.gcp.roles import postcondition_expression, refused_permissions
from cdk.validation import load
from cdk.verify import verify_documents

from ..conftest import FIXTURES, TODAY, Synthesized
from ..records import GCP, GCP_ROLE, assert_refused, variant

FIXTURE = FIXTURES / "alerts-gcp-azure.yaml"
TAMPER = (
    "logging.googleapis.com/sinks.delete",
    "logging.googleapis.com/sinks.update",
)
PROJECT = "acme-agents"


def _email(name: str) -> str:
    return f"agent-{name}@{PROJECT}.iam.gserviceaccount.com"


def _deny_rules(synthesized: Synthesized, stack: str) -> list[dict[str, Any]]:
    [policy] = synthesized.resources(stack, "google_iam_deny_policy")
    return [rule["deny_rule"] for rule in policy["rules"]]


# ------------------------------------------------------------------ the plan


def test_the_always_denied_set_holds_every_alert_tamper_permission() -> None:
    assert denies.ALERT_TAMPER == TAMPER
    assert set(TAMPER) <= set(denies.ALWAYS_DENIED)
    for agent in load(FIXTURE, TODAY).identities.agents:
        assert set(TAMPER) <= set(denies.denied_permissions(agent))


def test_the_tamper_permissions_are_in_the_deny_policys_form() -> None:
    # SERVICE_FQDN/RESOURCE.VERB, each the v2 spelling of a v1 permission a role lists.
    for permission in TAMPER:
        service, rest = permission.split("/")
        v1 = f"{service.removesuffix('.googleapis.com')}.{rest}"
        assert denies.permission_v2(v1) == permission


@pytest.mark.parametrize("kind", ["bucket", "secret", "project"])
def test_the_plan_time_role_check_refuses_roles_that_mute_alerts(kind: str) -> None:
    muting = ["logging.logMetrics.update", "logging.logMetrics.delete", "logging.sinks.update",
              "logging.sinks.delete", "logging.exclusions.create",
              "logging.exclusions.update", "monitoring.alertPolicies.update",
              "monitoring.alertPolicies.delete", "monitoring.notificationChannels.update",
              "monitoring.notificationChannels.delete", "monitoring.snoozes.create",
              "monitoring.snoozes.update"]
    harmless = ["logging.logEntries.create", "logging.logMetrics.get",
                "logging.logMetrics.create", "monitoring.alertPolicies.get",
                "monitoring.alertPolicies.list", "monitoring.timeSeries.create",
                "monitoring.metricDescriptors.create", "storage.objects.get"]
    assert refused_permissions(muting + harmless, kind) == muting
    # The same patterns go into the synthesized postcondition.
    assert "logMetrics|sinks" in postcondition_expression(kind)
    assert "monitoring\\\\.snoozes" in postcondition_expression(kind)


# ------------------------------------------------------------- the synthesized stacks


@pytest.fixture(scope="module")
def alerts(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized_fixtures("alerts-gcp-azure")


@pytest.mark.parametrize("stack", ["docs", "docs-writer"])
def test_the_synthesized_deny_policy_denies_muting_alerts(alerts: Synthesized,
                                                          stack: str) -> None:
    [rule] = _deny_rules(alerts, stack)
    assert rule["denied_principals"] == [
        f"principal://iam.googleapis.com/projects/-/serviceAccounts/{_email(stack)}"]
    assert set(TAMPER) <= set(rule["denied_permissions"])
    assert not rule.get("denial_condition") and not rule.get("exception_permissions")


def test_an_agent_without_alerts_is_denied_too(synthesized_gcp: Synthesized) -> None:
    [rule] = _deny_rules(synthesized_gcp, "model-trainer")
    assert set(TAMPER) <= set(rule["denied_permissions"])


def test_every_synthesized_role_lookup_checks_for_alert_permissions(
        alerts: Synthesized) -> None:
    lookups = alerts.stack("docs")["data"]["google_iam_role"]
    assert lookups
    for lookup in lookups.values():
        [condition] = lookup["lifecycle"]["postcondition"]
        pattern = re.search(r'regex\("(.*)", p\)', condition["condition"])
        assert pattern is not None
        regex = pattern.group(1).replace("\\\\", "\\")
        assert re.match(regex, "monitoring.alertPolicies.delete")
        assert not re.match(regex, "monitoring.alertPolicies.get")
        assert "mutes alerts" in condition["error_message"]


# ------------------------------------------------------------------ the rule


@pytest.mark.parametrize("role", ["roles/monitoring.alertPolicyEditor",
                                  "roles/monitoring.notificationChannelEditor",
                                  "roles/monitoring.editor", "roles/monitoring.snoozeEditor",
                                  "roles/logging.configWriter"])
def test_a_role_that_mutes_alerts_is_refused(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             role: str) -> None:
    entry = (f"        - role: {role}\n          resource: {{project: {PROJECT}}}\n"
             "          reason: the agent manages the team's dashboards\n")
    text = variant(GCP_ROLE, entry, GCP)
    assert_refused(tmp_path, capsys, text, "agents[0].gcp.roles[0].role", f"role: {role}",
                   "the agent could mute its own or another agent's alerts")


# ------------------------------------------------------------------ the verifier


def _without(permission: str) -> Callable[[dict[str, Any]], str]:
    def corrupt(documents: dict[str, Any]) -> str:
        [(name, body)] = documents["docs"]["resource"]["google_iam_deny_policy"].items()
        body["rules"][0]["deny_rule"]["denied_permissions"].remove(permission)
        return f"google_iam_deny_policy.{name}"
    return corrupt


@pytest.mark.parametrize("permission", TAMPER)
def test_verify_fails_when_the_deny_policy_stops_denying_one(alerts: Synthesized,
                                                             permission: str) -> None:
    identities = load(FIXTURE, TODAY).identities
    documents = {name: json.loads(json.dumps(alerts.stack(name))) for name in alerts.stacks()}
    assert verify_documents(documents, identities).ok
    address = _without(permission)(documents)
    report = verify_documents(documents, identities)
    found = [f for f in report.findings
             if (f.invariant, f.stack, f.address) == ("AgentId-Verify-GcpDenyPolicy", "docs",
                                                       address)]
    assert found and permission in found[0].message, [f.render() for f in report.findings]
