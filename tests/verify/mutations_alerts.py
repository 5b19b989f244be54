"""The corruptions of a synthesized stack that the Google Cloud and Azure alert invariants
must catch (MUTATIONS): a filter or criterion broader than the agent's own principal,
or channels other than the record's.

tests/verify/test_alerts.py runs each; test_verify.py checks every invariant has one.
"""

from __future__ import annotations

from typing import Any

from cdk.verify import azure_alerts, gcp_alerts

from .helpers import Documents, Mutation, add_resource, resource

DOCS = "agent-docs@acme-agents.iam.gserviceaccount.com"
WRITER = "agent-docs-writer@acme-agents.iam.gserviceaccount.com"
CALLER = "protoPayload.authenticationInfo.principalEmail"
SUBSCRIPTION = "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"
GCP_ALERT, AZURE_ALERT = gcp_alerts.ALERT.id, azure_alerts.ALERT.id
# The synthesized tests/fixtures/alerts-gcp-azure.yaml (tests/verify/conftest.py).
OUT = "alerts_gcp_azure"


def _metric(documents: Documents, stack: str = "docs") -> tuple[str, dict[str, Any]]:
    return resource(documents, stack, "google_logging_metric")


def _policy(documents: Documents, stack: str = "docs") -> tuple[str, dict[str, Any]]:
    return resource(documents, stack, "google_monitoring_alert_policy")


def _activity_alert(documents: Documents, stack: str = "docs") -> tuple[str, dict[str, Any]]:
    return resource(documents, stack, "azurerm_monitor_activity_log_alert")


def _edit_filter(old: str, new: str) -> Any:
    def corrupt(documents: Documents) -> str:
        address, body = _metric(documents)
        assert old in body["filter"]
        body["filter"] = body["filter"].replace(old, new)
        return address
    return corrupt


def _extra_channel(documents: Documents) -> str:
    address, body = _policy(documents)
    body["notification_channels"].append("projects/acme-agents/notificationChannels/9999")
    return address


def _missing_channel(documents: Documents) -> str:
    address, body = _policy(documents, "docs-writer")
    body["notification_channels"].pop()
    return address


def _watches_the_other_agents_metric(documents: Documents) -> str:
    address, body = _policy(documents)
    threshold = body["conditions"][0]["condition_threshold"]
    threshold["filter"] = threshold["filter"].replace("agent-docs/", "agent-docs-writer/")
    return address


def _undocumented(documents: Documents) -> str:
    address, body = _policy(documents)
    body["documentation"]["content"] = "something was denied"
    return address


def _gcp_alert_without_channels(documents: Documents) -> str:
    email = "agent-model-trainer@acme-agents.iam.gserviceaccount.com"
    return add_resource(documents, "model-trainer", "google_logging_metric", "unasked", {
        "project": "acme-agents", "name": "agentid/agent-model-trainer/permission-denied",
        "filter": f'{CALLER}="{email}" AND protoPayload.status.code=7'})


def _caller(value: str | None) -> Any:
    def corrupt(documents: Documents) -> str:
        address, body = _activity_alert(documents)
        if value is None:
            body["criteria"].pop("caller")
        else:
            body["criteria"]["caller"] = value
        return address
    return corrupt


def _client_id_as_caller(documents: Documents) -> str:
    address, body = _activity_alert(documents)
    body["criteria"]["caller"] = body["criteria"]["caller"].replace(".principal_id}",
                                                                    ".client_id}")
    return address


def _any_status(documents: Documents) -> str:
    address, body = _activity_alert(documents)
    body["criteria"].pop("status")
    return address


def _extra_action_group(documents: Documents) -> str:
    address, body = _activity_alert(documents)
    body["action"].append({"action_group_id": f"{SUBSCRIPTION}/resourceGroups/x/providers/"
                                              "Microsoft.Insights/actionGroups/elsewhere"})
    return address


def _one_resource_group(documents: Documents) -> str:
    address, body = _activity_alert(documents)
    body["scopes"] = [f"{SUBSCRIPTION}/resourceGroups/docs-site"]
    return address


def _azure_alert_without_action_groups(documents: Documents) -> str:
    return add_resource(documents, "cost-analyst", "azurerm_monitor_activity_log_alert",
                        "unasked", {"location": "global", "scopes": [SUBSCRIPTION],
                                    "criteria": {"category": "Administrative",
                                                 "status": "Failed"}})


MUTATIONS = [
    Mutation("a substring match on the caller", OUT, "docs",
             _edit_filter(f'{CALLER}="', f'{CALLER}:"'), GCP_ALERT),
    Mutation("a regular expression on the caller", OUT, "docs",
             _edit_filter(f'{CALLER}="{DOCS}"', f'{CALLER}=~"agent-docs.*"'), GCP_ALERT),
    Mutation("another agent's service account", OUT, "docs",
             _edit_filter(f'"{DOCS}"', f'"{WRITER}"'), GCP_ALERT),
    Mutation("an OR that widens the filter", OUT, "docs",
             _edit_filter(f'{CALLER}="{DOCS}"', f'{CALLER}="{DOCS}" OR {CALLER}="{WRITER}"'),
             GCP_ALERT),
    Mutation("every entry, not only denials", OUT, "docs",
             _edit_filter(" AND protoPayload.status.code=7", ""), GCP_ALERT),
    Mutation("a channel the record does not name", OUT, "docs", _extra_channel,
             GCP_ALERT),
    Mutation("the agent's own channel dropped", OUT, "docs-writer", _missing_channel,
             GCP_ALERT),
    Mutation("a policy on another agent's metric", OUT, "docs",
             _watches_the_other_agents_metric, GCP_ALERT),
    Mutation("documentation without the owners", OUT, "docs", _undocumented, GCP_ALERT),
    Mutation("a Google Cloud alert without channels", "gcp", "model-trainer",
             _gcp_alert_without_channels, GCP_ALERT),
    Mutation("a caller that is another principal", OUT, "docs",
             _caller("00000000-0000-0000-0000-000000000000"), AZURE_ALERT),
    Mutation("no caller: every principal", OUT, "docs", _caller(None), AZURE_ALERT),
    Mutation("the client id as caller", OUT, "docs", _client_id_as_caller, AZURE_ALERT),
    Mutation("every status, not only failures", OUT, "docs", _any_status, AZURE_ALERT),
    Mutation("an action group the record does not name", OUT, "docs",
             _extra_action_group, AZURE_ALERT),
    Mutation("one resource group instead of the subscription", OUT, "docs",
             _one_resource_group, AZURE_ALERT),
    Mutation("an Azure alert without action groups", "azure", "cost-analyst",
             _azure_alert_without_action_groups, AZURE_ALERT),
]
