"""Record -> the agent's Azure identity, as plain data (no provider bindings).

The federation rules of docs/architecture.md §6.1, in Azure's terms:

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
- A locked agent (``locked:``, docs/lifecycle.md) keeps its managed identity (and
  so its client id and environment variables) but has no federated credential
  and no role assignment, and its Key Vault holds no secret. Access tokens Entra ID
  issued before the lock are not revoked: a managed identity's token may stay
  cached and usable for up to 24 hours (:data:`LOCK_TOKEN_LIFETIME`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..lifecycle import state
from ..model import Agent, IdentitiesFile
from ..names import OIDC_URL, principal, tags
from ..plan import SecretsByRepo, StoredSecret, expiry_timestamp, uses_store
from .federation import AUDIENCE, FederatedCredential, federated_credentials
from .names import (
    azure_defaults,
    identity_id,
    identity_name,
    key_vault_secret_name,
    role_definition_id,
    subscription_scope,
    vault_name,
)
from .roles import (
    Assignment,
    agent_resource_problem,
    assignment_scope,
    role_problem,
    scope_problem,
)

SECRETS_USER = "Key Vault Secrets User"
SECRETS_USER_ID = "4633458b-17de-408a-b874-0445c86b69e6"
SOFT_DELETE_RETENTION_DAYS = 90
SECRET_CONTENT_TYPE = "application/x-openssh-private-key"
# How long a managed identity's access token issued before a lock may stay usable:
# Entra ID caches managed-identity tokens and does not revoke them.
LOCK_TOKEN_LIFETIME = "24 hours"


def uses_azure(agent: Agent) -> bool:
    """Whether the agent has an Azure identity."""
    return agent.azure is not None or uses_store(agent, "azure")


def role_assignments(agent: Agent, identities: IdentitiesFile) -> tuple[Assignment, ...]:
    """``azure.roles`` that compile (the rules report the rest), sorted (the record's,
    locked or not: :func:`plan_identity` leaves them out of a locked agent's stack)."""
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
    """Plan the agent's managed identity and everything it is trusted with (a locked
    agent: the identity alone, no credential, no assignment)."""
    azure = azure_defaults(identities)
    locked = state(agent) == "locked"
    return IdentityPlan(
        name=identity_name(agent.name),
        resource_group=azure.resource_group,
        location=azure.location,
        resource_id=identity_id(azure, agent.name),
        tags=tags(agent),
        credentials=() if locked else federated_credentials(agent,
                                                             identities.defaults.github),
        assignments=() if locked else role_assignments(agent, identities),
        assignment_kind=assignment_kind(identities),
        subscription_scope=subscription_scope(azure),
        expires_at=expiry_timestamp(agent),
        justification=(f"agentid: {principal(agent.name)} of {agent.owner}, expires "
                       f"{agent.expires.isoformat()}"),
    )


def environment_variables(agent: Agent, identities: IdentitiesFile) -> dict[str, str]:
    """What ``azure/login`` needs besides the client id (a reference, added by the stack)."""
    azure = azure_defaults(identities)
    return {"AZURE_TENANT_ID": azure.tenant_id, "AZURE_SUBSCRIPTION_ID": azure.subscription_id}


@dataclass(frozen=True)
class AzureSecretPlan(StoredSecret):
    """One Key Vault secret holding the private half of one deploy key."""

    name: str
    uri: str


@dataclass(frozen=True)
class AzureSecretStorePlan(SecretsByRepo[AzureSecretPlan]):
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


def plan_secret_store(agent: Agent, identities: IdentitiesFile) -> AzureSecretStorePlan:
    """Plan a per-agent Key Vault (RBAC mode) and one secret per deploy key (a locked
    agent's vault stays, holding none)."""
    azure = azure_defaults(identities)
    vault = vault_name(azure, agent.name)
    keys = () if state(agent) == "locked" else agent.github.deploy_keys
    secrets = tuple(
        AzureSecretPlan(key.repo, name, f"https://{vault}.vault.azure.net/secrets/{name}")
        for key in keys
        for name in [key_vault_secret_name(agent.name, key.repo)])
    return AzureSecretStorePlan(
        vault_name=vault,
        resource_group=azure.resource_group,
        location=azure.location,
        tenant_id=azure.tenant_id,
        soft_delete_retention_days=SOFT_DELETE_RETENTION_DAYS,
        content_type=SECRET_CONTENT_TYPE,
        reader_role=SECRETS_USER,
        reader_role_id=role_definition_id(subscription_scope(azure), SECRETS_USER_ID.lower()),
        assignment_kind=assignment_kind(identities),
        expires_at=expiry_timestamp(agent),
        justification=f"agentid: {principal(agent.name)} reads its deploy keys",
        secrets=secrets,
        tags=tags(agent),
    )


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
    if uses_store(agent, "azure"):
        store = plan_secret_store(agent, identities)
        store_rows = [{"Effect": "Allow", "Action": [SECRETS_USER], "Resource": [s.uri]}
                      for s in store.secrets]
    return {
        # A locked agent has no credential: no row rather than a row trusting nothing.
        "azure-federation": {"Statement": [
            {"Effect": "Allow", "Action": ["federated-credential"],
             "Resource": [c.subject for c in plan.credentials],
             "Condition": {"audience": AUDIENCE, "issuer": OIDC_URL}}] if plan.credentials
            else []},
        "azure-roles": {"Statement": [
            *({"Effect": "Allow", "Action": [a.role], "Resource": [a.scope]}
              for a in plan.assignments),
            *store_rows]},
    }
