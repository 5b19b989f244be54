"""Azure invariants: federated credentials, role assignments, and the agent's Key Vault."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Agent, AzureDefaults
from ..names import principal
from . import expect
from .core import Finding, Reporter, Resource, Stack, Target, listed

AZURE: Target[AzureDefaults] = Target("Azure", lambda identities: identities.defaults.azure,
                                       expect.uses_azure)
# Restated from the plan on purpose (docs/architecture.md §1); a test keeps it equal.
AUDIENCE = "api://AzureADTokenExchange"
ASSIGNMENTS = ("azurerm_role_assignment", "azurerm_pim_active_role_assignment",
               "azurerm_pim_eligible_role_assignment")
# Restated from the plan on purpose (docs/architecture.md §1); a test keeps it equal.
SECRETS_USER_ID = "4633458b-17de-408a-b874-0445c86b69e6"
# Built-in roles that read or manage Key Vault contents, or write role assignments,
# anywhere below their scope: held at a scope containing the agents' resource group,
# they reach every agent's vault.
REACHING_ROLE_IDS = {
    "00482a5a-887f-4fb3-b363-3b7fe8e74483",  # Key Vault Administrator
    "4633458b-17de-408a-b874-0445c86b69e6",  # Key Vault Secrets User
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",  # Key Vault Secrets Officer
    "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",  # Key Vault Crypto Officer
    "12338af0-0e69-4776-bea7-57ae8d297424",  # Key Vault Crypto User
    "e147488a-f6f5-4113-8e2d-b22465e65bf6",  # Key Vault Crypto Service Encryption User
    "a4417e6f-fecd-4de8-b567-7b0420556985",  # Key Vault Certificates Officer
    "8b54135c-b56d-4d72-a534-26097cfdc8d8",  # Key Vault Data Access Administrator
    "f25e0fa2-a7c8-4377-a976-54943a77a395",  # Key Vault Contributor
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",  # Owner
    "b24988ac-6180-42a0-ab88-20f7382dd24c",  # Contributor
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",  # User Access Administrator
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168",  # Role Based Access Control Administrator
}
# Built-in roles that write or delete activity log alerts or action groups: an agent
# holding one could mute its own or another agent's alerts.
# Restated from the plan on purpose (docs/architecture.md §1); a test keeps them equal.
ALERT_TAMPER_ROLES = {
    "749f88d5-cbae-40b8-bcfc-e573ddc772fa": "monitoring contributor",
    "47be4a87-7950-4631-9daf-b664a405f074": "monitoring policy contributor",
}
# The actions (lower case, regular expression) every looked-up role definition is
# checked against at plan time: writes or deletes of activity log alerts or action
# groups, or a wildcard over them.
# Restated from the plan on purpose (docs/architecture.md §1); a test keeps it equal.
ALERT_TAMPER_ACTIONS = (r"\*(/(\*|write|delete))?"
                        r"|microsoft\.insights/(\*|\*/(\*|write|delete)"
                        r"|(activitylogalerts|actiongroups)/(\*|write|delete))")
REACHING_ROLE_NAMES = ("owner", "contributor", "user access administrator",
                       "role based access control administrator")
GUID_RE = re.compile(r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{12})$")


def _identity_refs(stack: Stack, attribute: str) -> set[str]:
    return {f"${{azurerm_user_assigned_identity.{r.name}.{attribute}}}"
            for r in stack.resources("azurerm_user_assigned_identity")}


def federation(stack: Stack, report: Reporter,
               agent: Agent, azure: AzureDefaults) -> Iterator[Finding]:
    """The agent's managed identity trusts exactly the record's subjects (a locked
    agent's: none), one credential each, with GitHub's issuer and the audience
    ``api://AzureADTokenExchange``."""
    identities = stack.resources("azurerm_user_assigned_identity")
    if [(i.get("name"), i.get("resource_group_name")) for i in identities] != [
            (principal(agent.name), azure.resource_group)]:
        yield report(stack.name, f"the stack does not hold exactly managed identity "
                                 f"{principal(agent.name)} in {azure.resource_group}")
    own = _identity_refs(stack, "id")
    want = set() if expect.locked(agent) else expect.all_subjects(stack.identities, agent)
    got: list[str] = []
    for credential in stack.resources("azurerm_federated_identity_credential"):
        got.append(str(credential.get("subject")))
        if credential.get("issuer") != expect.GITHUB_ISSUER:
            yield report(credential.address, f"issuer {credential.get('issuer')!r} is not "
                                             f"{expect.GITHUB_ISSUER}")
        if listed(credential.get("audience")) != [AUDIENCE]:
            yield report(credential.address, f"audience {credential.get('audience')!r} is "
                                             f"not [{AUDIENCE}]")
        if credential.get("user_assigned_identity_id") not in own:
            yield report(credential.address, "is on an identity other than the agent's own")
    duplicated = sorted({s for s in got if got.count(s) > 1})
    if duplicated:
        yield report(stack.name, f"subjects with more than one credential: {duplicated}")
    if set(got) != want:
        yield report(stack.name, f"federated subjects differ from the record's: extra "
                                 f"{sorted(set(got) - want)}, missing {sorted(want - set(got))}")


def _assignments(stack: Stack) -> list[Resource]:
    return stack.resources(*ASSIGNMENTS)


def assignment_principal(stack: Stack, report: Reporter,
                         agent: Agent, azure: AzureDefaults) -> Iterator[Finding]:
    """Every role assignment is for the agent's own managed identity."""
    own = _identity_refs(stack, "principal_id")
    for assignment in _assignments(stack):
        if assignment.get("principal_id") not in own:
            yield report(assignment.address, f"assigns a role to "
                                             f"{assignment.get('principal_id')!r}, not the "
                                             "agent's managed identity")


def _role_of(stack: Stack, assignment: Resource) -> tuple[str | None, str | None]:
    """The assignment's role as (definition GUID, lower-case name), as far as the output
    says: a literal definition id, a looked-up definition, or a role name."""
    if assignment.get("role_definition_name"):
        return None, str(assignment.get("role_definition_name")).lower()
    value = str(assignment.get("role_definition_id") or "")
    lookup = re.search(r"\$\{data\.azurerm_role_definition\.([A-Za-z0-9_-]+)\.", value)
    if lookup is not None:
        data = stack.reference(f"${{data.azurerm_role_definition.{lookup[1]}.id}}")
        if data is None:
            return None, None
        guid, name = data.get("role_definition_id"), data.get("name")
        return (str(guid).lower() if guid else None, str(name).lower() if name else None)
    match = GUID_RE.search(value)
    return (match[1].lower() if match else None), None


def _reaches_vaults(guid: str | None, name: str | None) -> bool:
    if guid is None and name is None:
        return True  # unknown: fail closed
    return (guid in REACHING_ROLE_IDS) or (name is not None and (
        "key vault" in name or name in REACHING_ROLE_NAMES))


def no_grant_on_agent_infrastructure(stack: Stack, report: Reporter,
                                     agent: Agent, azure: AzureDefaults) -> Iterator[Finding]:
    """No assignment on the agents' resource group or anything in it (another agent's
    vault or identity) beyond Key Vault Secrets User on the agent's own secrets, and no
    Key Vault or access-granting role at a scope that contains that group."""
    group = f"/subscriptions/{azure.subscription_id}/resourceGroups/{azure.resource_group}"
    containing = {"/", f"/subscriptions/{azure.subscription_id}".lower()}
    for assignment in _assignments(stack):
        scope = assignment.get("scope")
        guid, name = _role_of(stack, assignment)
        if isinstance(scope, str) and scope.startswith("${"):
            secret = stack.reference(scope, "azurerm_key_vault_secret")
            if secret is None:
                yield report(assignment.address, f"is at {scope}, not a secret of this stack")
            elif guid != SECRETS_USER_ID:
                yield report(assignment.address, f"grants role {guid or name!r} on the "
                                                 "agent's own secret: only Key Vault Secrets "
                                                 "User is read-only")
            continue
        lowered = str(scope).lower().rstrip("/") or "/"
        if lowered == group.lower() or lowered.startswith(group.lower() + "/"):
            yield report(assignment.address, f"is at {scope}, in the resource group that "
                                             "holds every agent's identity and vault")
        elif (lowered in containing or lowered.startswith("/providers/microsoft.management/")
              ) and _reaches_vaults(guid, name):
            yield report(assignment.address, f"grants {name or guid!r} at {scope}, which "
                                             "contains every agent's vault")


def no_alert_tamper_role(stack: Stack, report: Reporter,
                        agent: Agent, azure: AzureDefaults) -> Iterator[Finding]:
    """No assignment of a role that writes or deletes activity log alerts or action
    groups, and every looked-up role definition is checked at plan time for such
    actions, so a role of another name that holds them fails the plan."""
    tamper_names = set(ALERT_TAMPER_ROLES.values())
    for assignment in _assignments(stack):
        guid, name = _role_of(stack, assignment)
        if guid in ALERT_TAMPER_ROLES or name in tamper_names:
            role = name or ALERT_TAMPER_ROLES[str(guid)]
            yield report(assignment.address, f"grants {role!r}, which writes or deletes "
                                             "activity log alerts or action groups: the "
                                             "agent could mute alerts")
    # The regular expression as a Terraform string literal writes it (backslashes doubled).
    escaped = ALERT_TAMPER_ACTIONS.replace("\\", "\\\\")
    check = f'can(regex("^({escaped})$", lower(a)))'
    for definition in stack.data_sources("azurerm_role_definition"):
        lifecycle = definition.get("lifecycle")
        conditions = [str(c.get("condition")) for c in listed(
            lifecycle.get("postcondition") if isinstance(lifecycle, dict) else None)
            if isinstance(c, dict)]
        if not any("self.permissions[*].actions" in c and check in c for c in conditions):
            yield report(definition.address, "the role definition is not checked for "
                                             "activity log alert or action group writes")


def vaults(stack: Stack, report: Reporter, agent: Agent, azure: AzureDefaults) -> Iterator[Finding]:
    """The agent's Key Vault is in RBAC mode (no access policies) with public network
    access off and a deny-by-default network rule, and holds the agent's secrets."""
    found_vaults = stack.resources("azurerm_key_vault")
    if expect.uses_store(agent, "azure") and len(found_vaults) != 1:
        yield report(stack.name, f"{len(found_vaults)} Key Vaults: the record calls for one")
    for policy in stack.resources("azurerm_key_vault_access_policy"):
        yield report(policy.address, "an access policy: vaults are RBAC only")
    for secret in stack.resources("azurerm_key_vault_secret"):
        if stack.reference(secret.get("key_vault_id"), "azurerm_key_vault") is None:
            yield report(secret.address, f"is in vault {secret.get('key_vault_id')!r}, not "
                                         "the agent's own")
    for vault in found_vaults:
        rbac = vault.get("rbac_authorization_enabled", vault.get("enable_rbac_authorization"))
        if rbac is not True:
            yield report(vault.address, "RBAC authorization is not on")
        if vault.get("access_policy"):
            yield report(vault.address, "holds access policies: vaults are RBAC only")
        if vault.get("public_network_access_enabled") is not False:
            yield report(vault.address, "public network access is not off")
        acls = vault.get("network_acls")
        if not isinstance(acls, dict) or acls.get("default_action") != "Deny":
            yield report(vault.address, "network rules do not deny by default")


def locked_identity(stack: Stack, report: Reporter,
                    agent: Agent, azure: AzureDefaults) -> Iterator[Finding]:
    """A locked agent's managed identity stays, with no federated credential (no new
    token), no role assignment and no secret in its vault."""
    if not expect.locked(agent):
        return
    if not stack.resources("azurerm_user_assigned_identity"):
        yield report(stack.name, "no azurerm_user_assigned_identity: a locked agent keeps "
                                 "its managed identity")
    for resource in stack.resources("azurerm_federated_identity_credential"):
        yield report(resource.address, "a federated credential of a locked agent: GitHub "
                                       "tokens can still be exchanged")
    for resource in _assignments(stack):
        yield report(resource.address, "a role assignment of a locked agent: it may still "
                                       "act")
    for resource in stack.resources("azurerm_key_vault_secret"):
        yield report(resource.address, "a deploy-key secret of a locked agent: its keys are "
                                       "deleted")


FEDERATION = AZURE.per_agent(
    "AzureFederation", "The managed identity trusts exactly the record's subjects (none "
    "while the agent is locked), one credential each, with GitHub's issuer and the "
    "audience `api://AzureADTokenExchange`.", federation)
ASSIGNMENT_PRINCIPAL = AZURE.per_agent(
    "AzureAssignmentPrincipal", "Every role assignment is for the agent's own managed "
    "identity.", assignment_principal)
NO_GRANT_ON_AGENT_INFRASTRUCTURE = AZURE.per_agent(
    "AzureNoGrantOnAgentInfrastructure", "No assignment on the agents' resource group or "
    "another agent's vault beyond Key Vault Secrets User on the agent's own secrets, and "
    "no Key Vault or access-granting role at a scope containing that group.",
    no_grant_on_agent_infrastructure)
VAULT = AZURE.per_agent(
    "AzureVault", "The agent's Key Vault is in RBAC mode with public network access off, "
    "and the agent's secrets are in it.",
    vaults)

NO_ALERT_TAMPER_ROLE = AZURE.per_agent(
    "AzureNoAlertTamperRole", "No assignment of Monitoring Contributor or Monitoring "
    "Policy Contributor, and every looked-up role definition is checked at plan time for "
    "writes or deletes of activity log alerts or action groups.", no_alert_tamper_role)

LOCKED = AZURE.per_agent(
    "AzureLocked", "A locked agent's managed identity has no federated credential, no "
    "role assignment and no secret.", locked_identity)

INVARIANTS = (FEDERATION, ASSIGNMENT_PRINCIPAL, NO_GRANT_ON_AGENT_INFRASTRUCTURE, VAULT,
              NO_ALERT_TAMPER_ROLE, LOCKED)
