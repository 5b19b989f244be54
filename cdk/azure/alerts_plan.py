"""Record -> the agent's Azure alert, as plain data (docs/alerts.md).

An activity log alert on the agents' subscription fires on every Administrative
operation that ends ``Failed`` and whose ``caller`` is the agent's managed
identity, and notifies the action groups of ``defaults.alerts.azure`` and the
agent's own ``alerts.azure``.

For a service principal (a managed identity is one) the activity log's
``caller`` is the principal's **object id**, which Terraform calls the
identity's ``principal_id`` (not its client id, which is the application id
``azure/login`` uses). That id exists only once Azure creates the identity, so
the plan names the identity and the construct fills in the reference; the alert
criterion is an exact equality on it, never a pattern. The activity log records
control-plane operations only (Azure Resource Manager writes, deletes and
actions): reads and data-plane calls (a Key Vault secret read, a blob download)
never reach it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Agent, IdentitiesFile
from ..names import principal, tags
from ..plan import alert_channels
from .names import azure_defaults, identity_name, subscription_scope
from .plan import uses_azure

CATEGORY = "Administrative"
STATUS = "Failed"
# Activity log alerts are global resources: Azure refuses any other location.
LOCATION = "global"
# Azure Monitor takes at most five action groups per alert rule.
MAX_ACTION_GROUPS = 5


def action_group_subscription_id(group: str) -> str:
    """The subscription of ``/subscriptions/<id>/resourceGroups/.../actionGroups/<name>``."""
    return group.split("/")[2]


def action_groups(agent: Agent, identities: IdentitiesFile) -> tuple[str, ...]:
    """The file's action groups, then the agent's own, each once (ids compared without
    case, as Azure compares them)."""
    return alert_channels(
        agent, identities,
        lambda alerts: alerts.azure.action_groups if alerts.azure is not None else (),
        same=str.lower)


@dataclass(frozen=True)
class AzureAlertPlan:
    """The activity log alert on the agent's failed operations."""

    name: str
    resource_group: str
    location: str
    scopes: tuple[str, ...]
    description: str
    category: str
    status: str
    # The managed identity whose principal (object) id is the alert's exact ``caller``.
    caller_identity: str
    action_groups: tuple[str, ...]
    webhook_properties: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


def plan_alerts(agent: Agent, identities: IdentitiesFile) -> AzureAlertPlan | None:
    """The agent's alert, or None: a tombstone, an agent without a managed identity, or
    no action group to notify."""
    if agent.revoked is not None or identities.defaults.azure is None or not uses_azure(agent):
        return None
    groups = action_groups(agent, identities)
    if not groups:
        return None
    azure = azure_defaults(identities)
    who = principal(agent.name)
    return AzureAlertPlan(
        name=f"agentid-{who}-failed-operations",
        resource_group=azure.resource_group,
        location=LOCATION,
        scopes=(subscription_scope(azure),),
        description=(f"agentid: an Azure operation of {who} (owner {agent.owner}, rotation "
                     f"owner {agent.rotation_owner}) failed: a denied or broken control-plane "
                     "call by its managed identity"),
        category=CATEGORY,
        status=STATUS,
        caller_identity=identity_name(agent.name),
        action_groups=groups,
        webhook_properties={"agent": who, "owner": agent.owner,
                            "rotation_owner": agent.rotation_owner},
        tags=tags(agent),
    )
