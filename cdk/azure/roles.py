"""Which Azure roles an agent may be assigned, at what scope, and the plan-time check of
every role's definition.

There is no offline catalog of Azure's roles here: :data:`REFUSED_ROLES` names the
known ways to change role assignments or mint credentials, and every role is also
checked at plan time against Azure's own definition
(:func:`postcondition_expression`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Path
from ..model import AZURE_UUID_RE, AzureDefaults, AzureRole
from .names import resource_group_id, subscription_scope

UUID_RE = re.compile(AZURE_UUID_RE)
# Roles refused by name or built-in id, with the reason a reviewer reads. There is no
# offline catalog of Azure's roles here: this list names the known ways to change
# role assignments or mint credentials, and every role is also checked at plan time
# against Azure's own definition (see ``ROLE_ASSIGNMENT_WRITE_ACTIONS``).
REFUSED_ROLES: dict[str, tuple[str, str]] = {
    "owner": ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
              "holds every action including role assignments (Microsoft.Authorization/*)"),
    "contributor": ("b24988ac-6180-42a0-ab88-20f7382dd24c",
                    "holds every action of every service in its scope (`*`); no reviewer "
                    "can tell what such an agent may do"),
    "user access administrator": ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
                                  "writes role assignments (Microsoft.Authorization/*)"),
    "role based access control administrator": (
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "writes role assignments (Microsoft.Authorization/roleAssignments/write)"),
    "key vault data access administrator": (
        "8b54135c-b56d-4d72-a534-26097cfdc8d8",
        "writes role assignments on Key Vaults (Microsoft.Authorization/roleAssignments/write)"),
    "managed identity contributor": (
        "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59",
        "creates managed identities and their federated credentials: trust for other "
        "subjects"),
    "managed identity operator": ("f1a07417-d97a-45cb-824c-7a7467783830",
                                  "assigns managed identities to resources: acting as "
                                  "other identities"),
}
REFUSED_IDS = {guid: (name, why) for name, (guid, why) in REFUSED_ROLES.items()}
# Actions of a role definition that let its holder write role assignments (compared
# lower case): a plan-time postcondition on every role's definition refuses them,
# whatever the role is called, and the rule above refuses the named ones offline.
ROLE_ASSIGNMENT_WRITE_ACTIONS = (
    "*",
    "*/write",
    "microsoft.authorization/*",
    "microsoft.authorization/*/write",
    "microsoft.authorization/roleassignments/*",
    "microsoft.authorization/roleassignments/write",
)
# Roles that write or delete activity log alerts or action groups, refused by name or
# built-in id (AgentId-AzureAlertTamperRole): the agent could mute its own or another
# agent's alerts. Any role whose definition holds such an action (ALERT_TAMPER_ACTIONS)
# fails the plan-time check, whatever it is called.
ALERT_TAMPER_ROLES: dict[str, tuple[str, str]] = {
    "monitoring contributor": ("749f88d5-cbae-40b8-bcfc-e573ddc772fa",
                               "writes and deletes activity log alerts and action groups "
                               "(Microsoft.Insights/ActivityLogAlerts/*, ActionGroups/*)"),
    "monitoring policy contributor": ("47be4a87-7950-4631-9daf-b664a405f074",
                                      "writes and deletes alert rules and action groups"),
}
ALERT_TAMPER_IDS = {guid: (name, why) for name, (guid, why) in ALERT_TAMPER_ROLES.items()}
# Actions (lower case, regular expression) that write or delete an activity log alert
# or an action group, or a wildcard that covers them: refused at every scope by the
# plan-time check. `*/read` (Reader) and `microsoft.insights/*/read` are not.
ALERT_TAMPER_ACTIONS = (r"\*(/(\*|write|delete))?"
                        r"|microsoft\.insights/(\*|\*/(\*|write|delete)"
                        r"|(activitylogalerts|actiongroups)/(\*|write|delete))")
# At the subscription (which holds the agents' resource group) a role may not read
# Key Vault secrets, change vaults, or act on managed identities: (field of the
# role definition's permissions, regular expression over lower-case actions).
SUBSCRIPTION_REFUSED_ACTIONS = (
    ("actions", r"microsoft\.keyvault/(\*|vaults/(\*|write|accesspolicies/.*|secrets/.*))"
                r"|microsoft\.managedidentity/.*"),
    ("data_actions", r"\*|microsoft\.keyvault/(\*|vaults/(\*|secrets/.*))"),
)


def alert_tamper_problem(role: str) -> tuple[str, str] | None:
    """Why a role could mute alerts (message, hint), or None."""
    lowered = role.strip().lower()
    named = ALERT_TAMPER_ROLES.get(lowered)
    found = (role, named[1]) if named is not None else None
    if found is None and lowered in ALERT_TAMPER_IDS:
        name, why = ALERT_TAMPER_IDS[lowered]
        found = (f"{role} ({name.title()})", why)
    if found is None:
        return None
    return (f"{found[0]} {found[1]}: the agent could mute its own or another agent's alerts",
            "alerting configuration is a human's; assign a role without "
            "Microsoft.Insights/activityLogAlerts or actionGroups writes (Monitoring Reader "
            "reads them)")


def role_problem(role: str) -> tuple[str, str, str] | None:
    """Why a role may not be assigned (rule id suffix, message, hint), or None."""
    lowered = role.strip().lower()
    if lowered in REFUSED_ROLES:
        return ("AzurePrivilegedRole", f"{role} {REFUSED_ROLES[lowered][1]}",
                "changing role assignments and minting credentials are human decisions; "
                "assign a data-plane role such as Storage Blob Data Reader on one resource")
    if UUID_RE.match(role) and lowered in REFUSED_IDS:
        name, why = REFUSED_IDS[lowered]
        return ("AzurePrivilegedRole", f"{role} is {name.title()}: it {why}",
                "assign a narrower role on one resource")
    if role != role.strip() or not re.match(r"^[A-Za-z0-9][A-Za-z0-9 ._()/-]*$", role):
        return ("AzureRoleName", f"{role!r} is not a role name or role definition id",
                "write a role's name as Azure shows it (Storage Blob Data Reader) or its "
                "role definition id (a GUID)")
    return None


def scope_problem(entry: AzureRole, azure: AzureDefaults) -> tuple[str, str] | None:
    """What is wrong with the scope of a role entry (message, hint), or None."""
    target = entry.scope
    if target.kind == "subscription" and target.name.lower() != azure.subscription_id.lower():
        return (f"subscription {target.name} is not {azure.subscription_id} of defaults.azure",
                "agents act only in their own subscription")
    if target.kind == "resource" and not target.name.lower().startswith(
            subscription_scope(azure).lower() + "/"):
        return (f"{target.name} is not in subscription {azure.subscription_id} of "
                "defaults.azure", "agents act only in their own subscription")
    if target.kind == "subscription" and entry.reason is None:
        return ("a subscription-wide assignment needs a `reason`",
                "assign the role on one resource or resource group, or add `reason:` "
                "saying why no narrower scope exists")
    return None


def agent_resource_problem(entry: AzureRole, azure: AzureDefaults) -> tuple[str, str] | None:
    """Why a role entry reaches agent-owned infrastructure (message, hint), or None.

    ``defaults.azure.resource_group`` holds every agent's managed identity and Key
    Vault: no role there, on anything in it, or (by its name) on the whole
    subscription that reads vaults or acts on identities.
    """
    target = entry.scope
    group = resource_group_id(azure, azure.resource_group).lower()
    if target.kind == "resource_group" and target.name.lower() == azure.resource_group.lower():
        return (f"resource group {target.name} holds every agent's managed identity and "
                "Key Vault (defaults.azure.resource_group)",
                "assign the role on the resource the agent needs, outside the agents' "
                "resource group")
    if target.kind == "resource" and target.name.lower().startswith(group + "/"):
        return (f"{target.name} is in the agents' resource group {azure.resource_group}, "
                "with every agent's managed identity and Key Vault",
                "an agent reads its own deploy keys through the assignment agentid "
                "writes; assign roles only on resources outside that group")
    lowered = entry.role.lower()
    if target.kind == "subscription" and (lowered.startswith("key vault")
                                          or "managed identity" in lowered):
        return (f"{entry.role} on the whole subscription reaches every agent's Key Vault "
                "or managed identity",
                "assign it on the one vault or identity the agent needs, outside the "
                "agents' resource group")
    return None


@dataclass(frozen=True)
class Assignment:
    """One role for the agent's identity at one scope."""

    role: str
    scope_kind: str
    scope: str
    path: Path = ()

    @property
    def by_id(self) -> bool:
        """Whether the role is named by its definition id (a GUID)."""
        return UUID_RE.match(self.role) is not None

    @property
    def scope_name(self) -> str:
        """The scope as a reviewer reads it: ``resource group agents-data``."""
        return f"{self.scope_kind.replace('_', ' ')} {self.scope.rsplit('/', 1)[-1]}" \
            if self.scope_kind != "resource" else f"resource {self.scope}"

    @property
    def construct_id(self) -> str:
        """Keyed by scope and role, not position: reordering changes nothing."""
        return f"{self.scope}_{self.role}"


def assignment_scope(entry: AzureRole, azure: AzureDefaults) -> str:
    """The scope as the full id Azure takes."""
    target = entry.scope
    if target.kind == "resource":
        return target.name
    if target.kind == "resource_group":
        return resource_group_id(azure, target.name)
    return subscription_scope(azure)


def postcondition_expression(scope_kind: str = "resource") -> str:
    """Terraform condition on a role definition: none of its actions writes role
    assignments, or writes or deletes activity log alerts or action groups
    (:data:`ALERT_TAMPER_ACTIONS`), or is a wildcard that does. At the subscription,
    which holds the agents' resource group, nor may it read Key Vault secrets or touch
    managed identities or vaults (:data:`SUBSCRIPTION_REFUSED_ACTIONS`)."""
    refused = ", ".join(f'"{a}"' for a in ROLE_ASSIGNMENT_WRITE_ACTIONS)
    expression = ("length(setintersection(toset([for a in flatten(self.permissions[*].actions) : "
                  f"lower(a)]), toset([{refused}]))) == 0")
    escaped = ALERT_TAMPER_ACTIONS.replace("\\", "\\\\")
    expression += (" && length([for a in flatten(self.permissions[*].actions) : a "
                   f'if can(regex("^({escaped})$", lower(a)))]) == 0')
    if scope_kind == "subscription":
        for field_, pattern in SUBSCRIPTION_REFUSED_ACTIONS:
            escaped = pattern.replace("\\", "\\\\")
            expression += (f" && length([for a in flatten(self.permissions[*].{field_}) : a "
                           f'if can(regex("^({escaped})$", lower(a)))]) == 0')
    return f"${{{expression}}}"


def refused_as_alert_tamper(actions: list[str]) -> list[str]:
    """What the alert part of :func:`postcondition_expression` refuses, evaluated in
    Python (for tests and review)."""
    return [a for a in actions if re.match(f"^({ALERT_TAMPER_ACTIONS})$", a.lower())]


def refused_at_subscription(actions: list[str], data_actions: list[str]) -> list[str]:
    """What the subscription-scope part of :func:`postcondition_expression` refuses,
    evaluated in Python (for tests and review)."""
    found = {"actions": actions, "data_actions": data_actions}
    return [a for field_, pattern in SUBSCRIPTION_REFUSED_ACTIONS for a in found[field_]
            if re.match(f"^({pattern})$", a.lower())]
