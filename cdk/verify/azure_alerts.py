"""The Azure alert invariant: the agent's activity log alert watches exactly its own
managed identity's failed operations and notifies exactly the record's action groups
(docs/alerts.md)."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Agent, AzureDefaults
from ..names import principal
from . import expect
from .azure import AZURE, _identity_refs
from .core import Finding, Reporter, Stack, listed

# Restated from the plan on purpose (docs/architecture.md §1); a test keeps them equal.
CRITERIA = {"category": "Administrative", "status": "Failed"}
LOCATION = "global"


def alert(stack: Stack, report: Reporter, agent: Agent,
          azure: AzureDefaults) -> Iterator[Finding]:
    """With action groups in the record, one global activity log alert on the agents'
    subscription fires on Administrative operations that failed whose caller is exactly
    the agent's own managed identity (its principal id, no other criterion) and notifies
    exactly the record's action groups; without action groups there is none."""
    want = expect.azure_action_groups(stack.identities, agent)
    alerts = stack.resources("azurerm_monitor_activity_log_alert")
    if not want:
        for resource in alerts:
            yield report(resource.address, "an alert the record configures no action group "
                                           "for")
        return
    if len(alerts) != 1:
        yield report(stack.name, f"{len(alerts)} activity log alerts: the record's action "
                                 "groups call for one")
    own = _identity_refs(stack, "principal_id")
    subscription = f"/subscriptions/{azure.subscription_id}".lower()
    for resource in alerts:
        criteria = resource.get("criteria")
        criteria = criteria if isinstance(criteria, dict) else {}
        if criteria.get("caller") not in own or len(own) != 1:
            yield report(resource.address, f"caller {criteria.get('caller')!r} is not the "
                                           f"principal id of {principal(agent.name)}")
        if {k: v for k, v in criteria.items() if k != "caller"} != CRITERIA:
            yield report(resource.address, f"criteria {criteria!r} are not exactly "
                                           f"{CRITERIA} and the caller")
        scopes = [str(s).lower() for s in listed(resource.get("scopes"))]
        if scopes != [subscription]:
            yield report(resource.address, f"scopes {resource.get('scopes')!r} are not the "
                                           f"agents' subscription {subscription}")
        if resource.get("location") != LOCATION:
            yield report(resource.address, f"location {resource.get('location')!r} is not "
                                           f"{LOCATION}")
        if resource.get("enabled") is False:
            yield report(resource.address, "the alert is disabled")
        groups = [str(a.get("action_group_id")).lower() if isinstance(a, dict) else None
                  for a in listed(resource.get("action"))]
        if sorted(map(str, groups)) != sorted(want) or len(set(groups)) != len(groups):
            yield report(resource.address, f"notifies {groups}, not the record's action "
                                           f"groups {want}")


ALERT = AZURE.per_agent(
    "AzureAlert", "With action groups in the record, an activity log alert fires on failed "
    "Administrative operations whose caller is exactly the agent's managed identity and "
    "notifies exactly those action groups; without action groups there is none.", alert)

INVARIANTS = (ALERT,)
