"""Rules about an agent's Azure identity: defaults, roles, scopes, subjects."""

from __future__ import annotations

from collections.abc import Iterator

from ..azure.alerts_plan import (
    MAX_ACTION_GROUPS,
    action_group_subscription_id,
    action_groups,
)
from ..azure.federation import MAX_FEDERATED_CREDENTIALS, federated_credentials
from ..azure.plan import uses_azure
from ..azure.roles import (
    agent_resource_problem,
    alert_tamper_problem,
    assignment_scope,
    role_problem,
    scope_problem,
)
from ..checks.common import defaults_missing, live_entries, live_users, repeats
from ..checks.engine import Problem, rule, rule_group
from ..errors import Path
from ..model import Agent, AzureDefaults, AzureRole, IdentitiesFile
from ..plan import is_azure_entry


def _scoped(identities: IdentitiesFile) -> Iterator[tuple[int, Agent, AzureDefaults]]:
    return live_users(identities, identities.defaults.azure, uses_azure)

def _roles(identities: IdentitiesFile) -> Iterator[tuple[Path, AzureRole, AzureDefaults]]:
    return live_entries(identities, identities.defaults.azure, uses_azure, ("azure", "roles"),
                        lambda agent: agent.azure.roles if agent.azure is not None else ())



@rule("AgentId-AzureDefaultsMissing")
def azure_defaults_missing(identities: IdentitiesFile) -> Iterator[Problem]:
    """An Azure identity needs the tenant, subscription, resource group and location it
    lives in; guessing them from the deployer's login would put an agent wherever
    that happens to point."""
    yield from defaults_missing(
        identities, identities.defaults.azure, uses_azure,
        lambda agent: "azure" if agent.azure is not None else "secrets", "Azure", "azure",
        "{tenant_id: ..., subscription_id: ..., resource_group: agents, location: westeurope}")


@rule_group({
    "AzurePrivilegedRole": ("AgentId-AzurePrivilegedRole", """Owner, Contributor, User
        Access Administrator, Role Based Access Control Administrator and other roles that
        write role assignments or mint credentials let an agent widen itself past every
        review. Without an offline role catalog this is a named list (names and built-in
        ids); at plan time every role's definition is also checked for
        Microsoft.Authorization/roleAssignments/write, whatever its name."""),
    "AzureRoleName": ("AgentId-AzureRoleName", """A role is named as Azure shows it
        (Storage Blob Data Reader) or by its role definition id; anything else fails at
        plan time or names the wrong role."""),
})
def roles(identities: IdentitiesFile) -> Iterator[Problem]:
    """Every assigned role, judged by :func:`cdk.azure.roles.role_problem`, whose first
    field is the kind of problem (one of the group's declared kinds)."""
    for at, entry, _ in _roles(identities):
        if (problem := role_problem(entry.role)) is not None:
            kind, message, fix = problem
            yield Problem((*at, "role"), message, fix, kind)


@rule("AgentId-AzureAlertTamperRole")
def alert_tamper_role(identities: IdentitiesFile) -> Iterator[Problem]:
    """An alert is worth something only if the principal it watches cannot switch it
    off. Azure has no deny agentid can write, so a role that writes or deletes
    activity log alerts or action groups (Monitoring Contributor, Monitoring Policy
    Contributor) is refused by name or built-in id here, and any role whose definition
    holds `Microsoft.Insights/activityLogAlerts` or `actionGroups` writes or deletes,
    or a wildcard over them, fails the plan-time role check, at every scope."""
    for at, entry, _ in _roles(identities):
        if (problem := alert_tamper_problem(entry.role)) is not None:
            yield Problem((*at, "role"), *problem)


@rule("AgentId-AzureScopeInvalid")
def scope_invalid(identities: IdentitiesFile) -> Iterator[Problem]:
    """A role is assigned at the narrowest scope that does the job, in the agent's own
    subscription; a subscription-wide assignment is the wide grant a reviewer misses
    unless it says why nothing narrower exists."""
    for at, entry, azure in _roles(identities):
        if (problem := scope_problem(entry, azure)) is not None:
            yield Problem((*at, "scope"), *problem)


@rule("AgentId-AzureAgentResource")
def agent_resource(identities: IdentitiesFile) -> Iterator[Problem]:
    """The agents' resource group holds every agent's managed identity and Key Vault;
    agentid assigns each agent `Key Vault Secrets User` on its own secrets and nothing
    else. A role on that group, on anything in it, or a Key Vault or managed-identity
    role on the whole subscription would let one agent read another's deploy keys or
    act as it. Azure has no deny agentid can write (deny assignments are made only by
    Azure itself), so this rule and the plan-time role check are what hold it."""
    for at, entry, azure in _roles(identities):
        if (problem := agent_resource_problem(entry, azure)) is not None:
            yield Problem((*at, "scope"), *problem)


@rule("AgentId-AzureDuplicateAssignment")
def duplicate_assignment(identities: IdentitiesFile) -> Iterator[Problem]:
    """Azure compares role names and resource ids without case: two entries that differ
    only in case name one role assignment, which the second would fail to create
    halfway through an apply."""
    for i, agent, azure in _scoped(identities):
        roles = agent.azure.roles if agent.azure is not None else ()
        keys = [(entry.role.strip().lower(), assignment_scope(entry, azure).lower())
                for entry in roles]
        for j, first in repeats(keys):
            entry = roles[j]
            yield Problem(("agents", i, "azure", "roles", j),
                          f"{entry.role} at {entry.scope.name} is already assigned by "
                          f"roles[{first}] (Azure ignores case in both)",
                          "keep one entry per role and scope")


@rule("AgentId-AzureTooManySubjects")
def too_many_subjects(identities: IdentitiesFile) -> Iterator[Problem]:
    """Entra ID allows at most 20 federated credentials per managed identity; the 21st
    would fail halfway through an apply, after the others were written."""
    for i, agent, _ in _scoped(identities):
        count = len(federated_credentials(agent, identities.defaults.github))
        if count > MAX_FEDERATED_CREDENTIALS:
            yield Problem(("agents", i, "runs_on"),
                          f"this agent runs as {count} distinct subjects; an Azure managed "
                          f"identity takes at most {MAX_FEDERATED_CREDENTIALS} federated "
                          "credentials",
                          "split the agent in two, or run it from fewer "
                          "repository/environment pairs")


@rule("AgentId-AzureWorkflowPin")
def workflow_pin(identities: IdentitiesFile) -> Iterator[Problem]:
    """A federated credential matches only issuer, subject and audience: it cannot
    check job_workflow_ref (nor repository_id), so on Azure a `workflow` pin would read
    as enforced while it is not; it is refused rather than silently dropped."""
    for i, agent, _ in _scoped(identities):
        for k, run in enumerate(agent.runs_on):
            if run.workflow is not None:
                yield Problem(("agents", i, "runs_on", k, "workflow"),
                              "Azure cannot enforce a workflow pin in a federated credential",
                              "drop `workflow`/`ref` for this agent (its environment's "
                              "required reviewers still approve every run), or keep the "
                              "pinned workflow on an AWS-only agent")


@rule("AgentId-AzureMustNeverHold")
def azure_must_never_hold(identities: IdentitiesFile) -> Iterator[Problem]:
    """Azure has no deny policy agentid can write (deny assignments are made only by
    Azure itself) and no offline catalog of what each role holds, so an Azure action in
    `must_never_hold` would read as enforced while nothing enforces it; it is refused."""
    for i, agent in enumerate(identities.agents):
        if agent.revoked is not None:
            continue
        for m, entry in enumerate(agent.must_never_hold):
            if is_azure_entry(entry):
                yield Problem(("agents", i, "must_never_hold", m),
                              f"{entry!r} is an Azure action, which agentid cannot deny",
                              "leave the role that carries it out of azure.roles; roles "
                              "that write role assignments are always refused")


@rule("AgentId-AzureActionGroupSubscription")
def action_group_subscription(identities: IdentitiesFile) -> Iterator[Problem]:
    """An agent's activity log alert lives in the agents' subscription and watches it;
    an action group of another subscription belongs to whoever runs that one, so the
    agent's failures would be reported outside the organization's view of this file
    (or the apply fails). Action groups are checked in `defaults.alerts.azure` and in
    every live agent's `alerts.azure`."""
    azure = identities.defaults.azure
    if azure is None:
        return  # alerts without defaults.azure: the alerts rules report it
    sections: list[tuple[Path, tuple[str, ...]]] = []
    if identities.defaults.alerts is not None and identities.defaults.alerts.azure is not None:
        sections.append((("defaults", "alerts", "azure", "action_groups"),
                         identities.defaults.alerts.azure.action_groups))
    for i, agent in enumerate(identities.agents):
        if agent.revoked is None and agent.alerts is not None and \
                agent.alerts.azure is not None:
            sections.append((("agents", i, "alerts", "azure", "action_groups"),
                             agent.alerts.azure.action_groups))
    for at, found in sections:
        for j, group in enumerate(found):
            subscription = action_group_subscription_id(group)
            if subscription.lower() != azure.subscription_id.lower():
                yield Problem((*at, j),
                              f"action group {group} is in subscription {subscription}, not "
                              f"{azure.subscription_id} of defaults.azure",
                              f"use an action group of subscription {azure.subscription_id}: "
                              f"/subscriptions/{azure.subscription_id}/resourceGroups/<group>/"
                              "providers/Microsoft.Insights/actionGroups/<name>")


@rule("AgentId-AlertsAzureDefaultsMissing")
def alerts_azure_defaults_missing(identities: IdentitiesFile) -> Iterator[Problem]:
    """Azure alerts are activity log alerts on the file's subscription:
    `defaults.alerts.azure` without `defaults.azure` names action groups for alerts
    that no stack would hold."""
    alerts = identities.defaults.alerts
    if identities.defaults.azure is None and alerts is not None and alerts.azure is not None:
        yield Problem(("defaults", "alerts", "azure"),
                      "defaults.alerts.azure names action groups but defaults.azure is not "
                      "set",
                      "add `azure: {tenant_id: ..., subscription_id: ..., resource_group: "
                      "agents, location: westeurope}` under defaults, or remove alerts.azure")


@rule("AgentId-AzureActionGroupsTooMany")
def action_groups_too_many(identities: IdentitiesFile) -> Iterator[Problem]:
    """Azure Monitor takes at most five action groups per alert rule: an agent's action
    groups (the file's and its own together) beyond that would fail the apply."""
    for i, agent, _ in _scoped(identities):
        found = action_groups(agent, identities)
        if len(found) > MAX_ACTION_GROUPS:
            yield Problem(("agents", i, "alerts", "azure", "action_groups"),
                          f"this agent's Azure alert would notify {len(found)} action groups "
                          f"(the file's and its own), over Azure Monitor's "
                          f"{MAX_ACTION_GROUPS}",
                          "list fewer action groups, or give one action group more "
                          "receivers instead")
