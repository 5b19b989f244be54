"""Record -> the agent's Azure identity, as plain data (no provider bindings).

SECURITY.md's federation rules, in Azure's terms:

- Each agent is one user-assigned managed identity ``agent-<name>``; each
  ``runs_on`` entry is one federated identity credential with GitHub's issuer,
  the audience ``api://AzureADTokenExchange`` and the exact subject of the form
  the entry states: immutable
  ``repo:<owner>@<owner_id>/<repo>@<repo_id>:environment:<env>`` or legacy
  ``repo:<owner>/<repo>:environment:<env>``. Entra ID compares the subject
  exactly (no wildcards), which is what we want.
- Entra ID cannot match any other claim: ``repository_id`` and
  ``job_workflow_ref`` cannot be pinned beside the subject. An immutable
  subject carries the owner and repository ids itself, so those entries are
  rename-proof; a legacy one names the repository only. ``both`` is refused
  (the legacy spelling would undo the pin). The exact subject plus the
  environment's required reviewers are the gate; a workflow pin is refused for
  Azure agents rather than shown as enforced.
- An identity takes at most 20 federated credentials, and Azure refuses
  concurrent credential writes on one identity
  (``ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity``):
  the credentials are chained with ``depends_on`` so Terraform writes them one
  at a time.
- Role assignments are time-bound PIM active assignments ending at ``expires``
  when ``defaults.azure.time_bound_assignments`` is on (Entra ID P2), plain
  assignments otherwise (the expiry rules and a revocation remove them).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import Path
from ..model import (
    AZURE_UUID_RE,
    Agent,
    AzureDefaults,
    AzureRole,
    GitHubDefaults,
    IdentitiesFile,
    RunsOn,
)
from ..names import OIDC_URL, principal, secret_name, tags
from ..plan import expiry_timestamp
from ..subjects import is_rename_proof, primary_subject

AUDIENCE = "api://AzureADTokenExchange"
# Entra ID: at most 20 federated identity credentials per managed identity.
MAX_FEDERATED_CREDENTIALS = 20
SECRETS_USER = "Key Vault Secrets User"
SECRETS_USER_ID = "4633458b-17de-408a-b874-0445c86b69e6"
# Key Vault: names 3-24 of [0-9a-zA-Z-], globally unique; secret names 1-127.
VAULT_NAME_MAX = 24
SECRET_NAME_MAX = 127
SOFT_DELETE_RETENTION_DAYS = 90
SECRET_CONTENT_TYPE = "application/x-openssh-private-key"
ROLE_DEFINITIONS = "providers/Microsoft.Authorization/roleDefinitions"
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


# At the subscription (which holds the agents' resource group) a role may not read
# Key Vault secrets, change vaults, or act on managed identities: (field of the
# role definition's permissions, regular expression over lower-case actions).
SUBSCRIPTION_REFUSED_ACTIONS = (
    ("actions", r"microsoft\.keyvault/(\*|vaults/(\*|write|accesspolicies/.*|secrets/.*))"
                r"|microsoft\.managedidentity/.*"),
    ("data_actions", r"\*|microsoft\.keyvault/(\*|vaults/(\*|secrets/.*))"),
)


# --------------------------------------------------------------------------- names


def identity_name(name: str) -> str:
    """The managed identity: ``agent-<name>``."""
    return principal(name)


def subscription_scope(azure: AzureDefaults) -> str:
    """``/subscriptions/<id>``."""
    return f"/subscriptions/{azure.subscription_id}"


def resource_group_id(azure: AzureDefaults, group: str) -> str:
    """A resource group of the subscription as a scope."""
    return f"{subscription_scope(azure)}/resourceGroups/{group}"


def identity_id(azure: AzureDefaults, name: str) -> str:
    """The managed identity's resource id (deterministic: review and card name it)."""
    return (f"{resource_group_id(azure, azure.resource_group)}/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/{identity_name(name)}")


def _short_hash(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:length]


def vault_name(azure: AzureDefaults, name: str) -> str:
    """The agent's Key Vault: ``agent-<name>`` cut to fit, plus a hash of subscription and
    agent.

    Vault names are global across Azure, 3-24 characters of ``[0-9a-zA-Z-]``, start
    with a letter, end with a letter or digit and have no ``--``; the hash keeps
    two subscriptions' agents of the same name apart and makes the name stable.
    """
    stem = re.sub(r"-+", "-", principal(name))[:VAULT_NAME_MAX - 9].rstrip("-")
    return f"{stem}-{_short_hash(azure.subscription_id, name)}"


def key_vault_secret_name(name: str, repo: str) -> str:
    """Key Vault secret name of a deploy key: the AWS name with anything but
    ``[0-9a-zA-Z-]`` as ``-``.

    ``agents/release-bot/deploy-keys/acme/api.v2`` ->
    ``agents-release-bot-deploy-keys-acme-api-v2``.
    Two repositories that would collide are already refused (they would share the
    deploy-key variable too). Over 127 characters, the name is cut and a hash of the
    full name appended.
    """
    full = secret_name(name, repo)
    mapped = re.sub(r"[^0-9a-zA-Z-]", "-", full)
    if len(mapped) <= SECRET_NAME_MAX:
        return mapped
    return f"{mapped[:SECRET_NAME_MAX - 9]}-{_short_hash(full)}"


def credential_name(github: GitHubDefaults, agent: Agent, run: RunsOn) -> str:
    """A federated credential's name: readable repository and environment, plus a hash
    of the exact subject (names allow 3-120 of ``[A-Za-z0-9_-]``)."""
    subject = primary_subject(github, agent, run)
    readable = re.sub(r"[^A-Za-z0-9_-]", "-", f"{run.repo}-{run.environment or ''}".rstrip("-"))
    return f"github-{readable[:100]}-{_short_hash(subject)}"


def role_definition_id(azure: AzureDefaults, guid: str) -> str:
    """A role definition id as PIM and role assignments take it."""
    return f"{subscription_scope(azure)}/{ROLE_DEFINITIONS}/{guid.lower()}"


# --------------------------------------------------------------------------- federation


@dataclass(frozen=True)
class FederatedCredential:
    """One exact subject the identity trusts."""

    name: str
    subject: str
    issuer: str = OIDC_URL
    audience: tuple[str, ...] = (AUDIENCE,)
    rename_proof: bool = False


def federated_credentials(agent: Agent, github: GitHubDefaults
                          ) -> tuple[FederatedCredential, ...]:
    """One credential per distinct subject, sorted by subject (the write order).

    Each entry has exactly one subject on Azure (``both`` is refused by the
    rules); :func:`cdk.subjects.primary_subject` is it.
    """
    seen: dict[str, FederatedCredential] = {}
    for run in agent.runs_on:
        subject = primary_subject(github, agent, run)
        seen.setdefault(subject, FederatedCredential(
            credential_name(github, agent, run), subject,
            rename_proof=is_rename_proof(github, run)))
    return tuple(seen[s] for s in sorted(seen))


# --------------------------------------------------------------------------- roles


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


def role_assignments(agent: Agent, identities: IdentitiesFile) -> tuple[Assignment, ...]:
    """``azure.roles`` that compile (the rules report the rest), sorted."""
    azure = identities.defaults.azure
    if azure is None or agent.azure is None:
        return ()
    found = {
        Assignment(entry.role, entry.scope.kind, assignment_scope(entry, azure),
                   ("azure", "roles", j))
        for j, entry in enumerate(agent.azure.roles)
        if role_problem(entry.role) is None and scope_problem(entry, azure) is None
        and agent_resource_problem(entry, azure) is None}
    return tuple(sorted(found, key=lambda a: (a.scope, a.role)))


def assignment_kind(identities: IdentitiesFile) -> str:
    """``pim`` (time-bound, ends at expiry) or ``plain`` (removed by revocation)."""
    azure = identities.defaults.azure
    return "pim" if azure is not None and azure.time_bound_assignments else "plain"


def assignment_summary(identities: IdentitiesFile, agent: Agent) -> str:
    """What kind of assignment the agent got, in reviewer's words."""
    if assignment_kind(identities) == "pim":
        return (f"time-bound PIM active assignments ending {expiry_timestamp(agent)} "
                "(Azure removes them at expiry)")
    return ("plain role assignments without an end date (removed by the expiry "
            "rules and revocation, not by Azure)")


def postcondition_expression(scope_kind: str = "resource") -> str:
    """Terraform condition on a role definition: none of its actions writes role
    assignments (or is a wildcard that does). At the subscription, which holds the
    agents' resource group, nor may it read Key Vault secrets or touch managed
    identities or vaults (:data:`SUBSCRIPTION_REFUSED_ACTIONS`)."""
    refused = ", ".join(f'"{a}"' for a in ROLE_ASSIGNMENT_WRITE_ACTIONS)
    expression = ("length(setintersection(toset([for a in flatten(self.permissions[*].actions) : "
                  f"lower(a)]), toset([{refused}]))) == 0")
    if scope_kind == "subscription":
        for field_, pattern in SUBSCRIPTION_REFUSED_ACTIONS:
            escaped = pattern.replace("\\", "\\\\")
            expression += (f" && length([for a in flatten(self.permissions[*].{field_}) : a "
                           f'if can(regex("^({escaped})$", lower(a)))]) == 0')
    return f"${{{expression}}}"


def refused_at_subscription(actions: list[str], data_actions: list[str]) -> list[str]:
    """What the subscription-scope part of :func:`postcondition_expression` refuses,
    evaluated in Python (for tests and review)."""
    found = {"actions": actions, "data_actions": data_actions}
    return [a for field_, pattern in SUBSCRIPTION_REFUSED_ACTIONS for a in found[field_]
            if re.match(f"^({pattern})$", a.lower())]


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


# --------------------------------------------------------------------------- plans


def uses_azure_store(agent: Agent) -> bool:
    """Whether the agent keeps deploy-key secrets in Key Vault."""
    return bool(agent.github.deploy_keys) and agent.secrets.store == "azure"


def uses_azure(agent: Agent) -> bool:
    """Whether the agent has an Azure identity."""
    return agent.azure is not None or uses_azure_store(agent)


@dataclass(frozen=True)
class IdentityPlan:
    """The agent's managed identity, its federated credentials and role assignments."""

    name: str
    resource_group: str
    location: str
    resource_id: str
    tags: dict[str, str]
    credentials: tuple[FederatedCredential, ...]
    assignments: tuple[Assignment, ...]
    assignment_kind: str
    subscription_scope: str
    expires_at: str
    justification: str


def plan_identity(agent: Agent, identities: IdentitiesFile) -> IdentityPlan:
    """Plan the agent's managed identity and everything it is trusted with."""
    azure = _azure(identities)
    return IdentityPlan(
        name=identity_name(agent.name),
        resource_group=azure.resource_group,
        location=azure.location,
        resource_id=identity_id(azure, agent.name),
        tags=tags(agent),
        credentials=federated_credentials(agent, identities.defaults.github),
        assignments=role_assignments(agent, identities),
        assignment_kind=assignment_kind(identities),
        subscription_scope=subscription_scope(azure),
        expires_at=expiry_timestamp(agent),
        justification=(f"agentid: agent-{agent.name} of {agent.owner}, expires "
                       f"{agent.expires.isoformat()}"),
    )


def environment_variables(agent: Agent, identities: IdentitiesFile) -> dict[str, str]:
    """What ``azure/login`` needs besides the client id (a reference, added by the stack)."""
    azure = _azure(identities)
    return {"AZURE_TENANT_ID": azure.tenant_id, "AZURE_SUBSCRIPTION_ID": azure.subscription_id}


@dataclass(frozen=True)
class AzureSecretPlan:
    """One Key Vault secret holding the private half of one deploy key."""

    repo: str
    name: str
    uri: str

    @property
    def construct_id(self) -> str:
        """Keyed by repository, like the deploy key it belongs to."""
        return f"secret_{self.repo}"


@dataclass(frozen=True)
class AzureSecretStorePlan:
    """The agent's Key Vault and secrets, fully decided."""

    vault_name: str
    resource_group: str
    location: str
    tenant_id: str
    soft_delete_retention_days: int
    content_type: str
    reader_role: str
    reader_role_id: str
    assignment_kind: str
    expires_at: str
    justification: str
    secrets: tuple[AzureSecretPlan, ...]
    tags: dict[str, str] = field(default_factory=dict)
    store: str = "azure"

    def secret_for(self, repo: str) -> AzureSecretPlan:
        """The secret planned for the deploy key on ``repo``."""
        return next(s for s in self.secrets if s.repo == repo)


def plan_secret_store(agent: Agent, identities: IdentitiesFile) -> AzureSecretStorePlan:
    """Plan a per-agent Key Vault (RBAC mode) and one secret per deploy key."""
    azure = _azure(identities)
    vault = vault_name(azure, agent.name)
    secrets = tuple(
        AzureSecretPlan(key.repo, name, f"https://{vault}.vault.azure.net/secrets/{name}")
        for key in agent.github.deploy_keys
        for name in [key_vault_secret_name(agent.name, key.repo)])
    return AzureSecretStorePlan(
        vault_name=vault,
        resource_group=azure.resource_group,
        location=azure.location,
        tenant_id=azure.tenant_id,
        soft_delete_retention_days=SOFT_DELETE_RETENTION_DAYS,
        content_type=SECRET_CONTENT_TYPE,
        reader_role=SECRETS_USER,
        reader_role_id=role_definition_id(azure, SECRETS_USER_ID),
        assignment_kind=assignment_kind(identities),
        expires_at=expiry_timestamp(agent),
        justification=f"agentid: agent-{agent.name} reads its deploy keys",
        secrets=secrets,
        tags=tags(agent),
    )


def _azure(identities: IdentitiesFile) -> AzureDefaults:
    if identities.defaults.azure is None:
        raise ValueError("defaults.azure is required for agents that use Azure")
    return identities.defaults.azure


def policy_documents(agent: Agent, identities: IdentitiesFile) -> dict[str, dict[str, Any]]:
    """The agent's Azure grants as statement documents, for review packets to diff.

    Federated subjects become the trust rows, each role assignment an Allow row
    (role at scope). Whether Azure ends an assignment at expiry (PIM or plain) is
    not part of the row: turning PIM on is no widening, and the card heading each
    agent's section of the packet says which kind the agent got.
    """
    if identities.defaults.azure is None or not uses_azure(agent):
        return {}
    plan = plan_identity(agent, identities)
    store_rows = []
    if uses_azure_store(agent):
        store = plan_secret_store(agent, identities)
        store_rows = [{"Effect": "Allow", "Action": [SECRETS_USER], "Resource": [s.uri]}
                      for s in store.secrets]
    return {
        "azure-federation": {"Statement": [
            {"Effect": "Allow", "Action": ["federated-credential"],
             "Resource": [c.subject for c in plan.credentials],
             "Condition": {"audience": AUDIENCE, "issuer": OIDC_URL}}]},
        "azure-roles": {"Statement": [
            *({"Effect": "Allow", "Action": [a.role], "Resource": [a.scope]}
              for a in plan.assignments),
            *store_rows]},
    }
