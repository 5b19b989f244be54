"""An Azure agent is watched for its own failed operations, and only its own
(docs/alerts.md).

GIVEN tests/fixtures/alerts-gcp-azure.yaml (agents ``docs`` and ``docs-writer``, whose
names share a prefix, the file's action group plus docs-writer's own, and a tombstone)
synthesized, WHEN each agent's stack is read, THEN it holds one activity log alert,
global, on the agents' subscription, for Administrative operations that ended Failed
whose caller is exactly its own managed identity's principal (object) id, notifying
exactly the configured action groups with the agent, its owner and rotation owner; a
tombstone or an agent without action groups has none; an action group of another
subscription is refused at its line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cdk.azure.alerts_plan import plan_alerts
from cdk.azure.target import TARGET
from cdk.validation import load

from ..alert_review import assert_harmless_synthesized, assert_harmless_without_synthesis
from ..conftest import FIXTURES, TODAY, Synthesized
from ..records import AZURE, assert_refused

FIXTURE = "alerts-gcp-azure"
SUBSCRIPTION = "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"
FILE_GROUP = (f"{SUBSCRIPTION}/resourceGroups/monitoring/providers/Microsoft.Insights/"
              "actionGroups/security")
OWN_GROUP = f"{SUBSCRIPTION}/resourceGroups/docs/providers/Microsoft.Insights/actionGroups/" \
            "docs-oncall"
OWNERS = {"docs": ("@acme/docs", "@acme/docs-oncall"),
          "docs-writer": ("@acme/docs", "@acme/docs-writers-oncall")}


@pytest.fixture(scope="module")
def identities() -> Any:
    return load(FIXTURES / f"{FIXTURE}.yaml", TODAY).identities


def _agent(identities: Any, name: str) -> Any:
    return next(a for a in identities.agents if a.name == name)


# ------------------------------------------------------------------ the plan (pure)


def test_the_plan_watches_failed_administrative_operations_of_the_agents_identity(
        identities: Any) -> None:
    plan = plan_alerts(_agent(identities, "docs"), identities)
    assert plan is not None

    assert (plan.category, plan.status, plan.location) == ("Administrative", "Failed",
                                                           "global")
    assert plan.caller_identity == "agent-docs"
    assert plan.scopes == (SUBSCRIPTION,)
    assert plan.action_groups == (FILE_GROUP,)


def test_action_groups_are_the_files_then_the_agents_own(identities: Any) -> None:
    plan = plan_alerts(_agent(identities, "docs-writer"), identities)
    assert plan is not None
    assert plan.action_groups == (FILE_GROUP, OWN_GROUP)


def test_no_alert_for_a_tombstone_or_without_action_groups(identities: Any) -> None:
    assert plan_alerts(_agent(identities, "docs-legacy"), identities) is None
    plain = load(FIXTURES / "azure.yaml", TODAY).identities
    assert all(plan_alerts(agent, plain) is None for agent in plain.agents)


def test_review_without_synthesis_and_the_card_show_the_alert(identities: Any) -> None:
    writer = _agent(identities, "docs-writer")
    content = TARGET.planned_content(writer, identities)
    lines = TARGET.card(writer, identities, TODAY).alerts

    assert content["plan.azure_alerts"]["action_groups"] == (FILE_GROUP, OWN_GROUP)
    assert content["plan.azure_alerts"]["caller_identity"] == "agent-docs-writer"
    assert len(lines) == 2
    assert FILE_GROUP in lines[0] and OWN_GROUP in lines[1]
    assert all("agent-docs-writer" in line and "control plane" in line for line in lines)
    assert "plan.azure_alerts" not in TARGET.planned_content(
        _agent(identities, "docs-legacy"), identities)


# ------------------------------------------------------------------ the synthesized stacks


@pytest.fixture(scope="module")
def out(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized_fixtures(FIXTURE)


def _only(out: Synthesized, stack: str, kind: str) -> tuple[str, dict[str, Any]]:
    found = out.stack(stack).get("resource", {}).get(kind, {})
    assert len(found) == 1, f"{stack}: {len(found)} {kind}"
    [(name, body)] = found.items()
    return name, body


@pytest.mark.parametrize(("name", "groups"), [("docs", [FILE_GROUP]),
                                              ("docs-writer", [FILE_GROUP, OWN_GROUP])])
def test_the_alert_names_exactly_the_agents_identity_and_its_action_groups(
        out: Synthesized, name: str, groups: list[str]) -> None:
    identity_name, identity = _only(out, name, "azurerm_user_assigned_identity")
    _, alert = _only(out, name, "azurerm_monitor_activity_log_alert")

    assert identity["name"] == f"agent-{name}"
    # Exactly this stack's identity's object id: the activity log's caller of a managed
    # identity. No other criterion narrows or widens whom it watches.
    assert alert["criteria"] == {
        "caller": f"${{azurerm_user_assigned_identity.{identity_name}.principal_id}}",
        "category": "Administrative",
        "status": "Failed",
    }
    assert alert["scopes"] == [SUBSCRIPTION]
    assert alert["location"] == "global"
    assert alert["resource_group_name"] == "agents"
    assert [a["action_group_id"] for a in alert["action"]] == groups
    owner, rotation = OWNERS[name]
    for action in alert["action"]:
        assert action["webhook_properties"] == {"agent": f"agent-{name}", "owner": owner,
                                                "rotation_owner": rotation}
    assert f"agent-{name} " in alert["description"]
    assert owner in alert["description"] and rotation in alert["description"]
    assert alert["tags"]["agent"] == name


def test_the_two_agents_alerts_watch_different_identities(out: Synthesized) -> None:
    # docs and docs-writer share a prefix; each alert's caller is its own stack's
    # identity, and the two identities are distinct resources with distinct names.
    callers = {name: _only(out, name, "azurerm_monitor_activity_log_alert")[1]["criteria"][
        "caller"] for name in ("docs", "docs-writer")}
    names = {name: _only(out, name, "azurerm_user_assigned_identity")[1]["name"]
             for name in ("docs", "docs-writer")}
    assert names == {"docs": "agent-docs", "docs-writer": "agent-docs-writer"}
    for name, caller in callers.items():
        identity_name, _ = _only(out, name, "azurerm_user_assigned_identity")
        assert caller == f"${{azurerm_user_assigned_identity.{identity_name}.principal_id}}"


def test_no_alert_for_a_tombstone(out: Synthesized) -> None:
    assert "azurerm_monitor_activity_log_alert" not in out.stack("docs-legacy").get(
        "resource", {})


def test_no_alert_without_configured_action_groups(synthesized_azure: Synthesized) -> None:
    for stack in synthesized_azure.stacks():
        assert synthesized_azure.resources(stack, "azurerm_monitor_activity_log_alert") == []


# ------------------------------------------------------------------ bad input

OTHER = ("/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/monitoring/"
         "providers/Microsoft.Insights/actionGroups/security")


@pytest.mark.parametrize(("text", "path"), [
    pytest.param(AZURE + f"    alerts:\n      azure:\n        action_groups: [{OTHER}]\n",
                 "agents[0].alerts.azure.action_groups[0]", id="agent"),
    pytest.param(AZURE.replace("agents:\n", f"  alerts:\n    azure:\n      action_groups: "
                                            f"[{OTHER}]\nagents:\n", 1),
                 "defaults.alerts.azure.action_groups[0]", id="defaults"),
])
def test_an_action_group_of_another_subscription_is_refused_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, path: str) -> None:
    assert_refused(tmp_path, capsys, text, path, OTHER,
                   f"action group {OTHER} is in subscription "
                   "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee, not "
                   "0b1f6471-1bf0-4dda-aec3-111122223333 of defaults.azure")


# ------------------------------------------------------------------ review

ALERT_KINDS = ("azurerm_monitor_activity_log_alert",)
WITH_ALERTS = AZURE + (
    "    alerts:\n      azure:\n        action_groups:\n"
    f"          - {SUBSCRIPTION}/resourceGroups/x/providers/Microsoft.Insights/actionGroups/y\n")


@pytest.mark.parametrize("direction", ["added", "removed"])
def test_adding_or_removing_alerts_is_harmless_in_review_without_synthesis(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], direction: str) -> None:
    base, head = (AZURE, WITH_ALERTS) if direction == "added" else (WITH_ALERTS, AZURE)
    assert_harmless_without_synthesis(tmp_path, capsys, base, head, "plan.azure_alerts")


def test_synthesized_alerts_are_harmless_to_add_change_or_remove(out: Synthesized) -> None:
    assert_harmless_synthesized(out, "docs-writer", ALERT_KINDS)
