"""Record -> the agent's Google Cloud identity, as plain data (no provider bindings).

The federation rules of docs/architecture.md §6.1, in Google's terms:

- The shared pool's GitHub provider accepts only tokens of the organization
  whose repository id, environment and exact subject (in the form(s) the entry
  states: legacy names, immutable ids, or both) some live agent runs as
  (``attribute_condition`` pins ``repository_owner_id``, ``repository_id``,
  ``environment`` and ``sub``), and maps ``google.subject`` from numeric claims
  only: ``repository_id:<repository_id>:environment:<environment>``. A binding
  never depends on names or on the subject form, so a renamed-and-re-created
  repository never inherits the trust and switching a repository to immutable
  subjects changes the condition, not the binding.
- Each ``runs_on`` entry becomes one ``principal://.../subject/...`` granted
  ``roles/iam.workloadIdentityUser`` on the agent's own service account, never a
  whole-pool ``principalSet``.
- Every binding (impersonation, roles, secret access) carries the IAM Condition
  ``request.time < timestamp("<expires>T00:00:00Z")``: Google itself stops
  honouring the agent at expiry, whatever state Terraform is in.
- A deny policy on the service account blocks identity and credential changes
  always, and the record's GCP ``must_never_hold`` permissions.
- A locked agent (``locked:``, docs/lifecycle.md) keeps everything above, but its
  service account is disabled (``disabled = true``): Google then refuses its
  existing tokens and issues no new ones. Its deploy-key secrets (and their
  accessor bindings) are gone; the key ring and key stay (Google never deletes a
  key ring, so a re-created one would collide on unlock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..lifecycle import state
from ..model import Agent, GcpDefaults, IdentitiesFile
from ..names import (
    GITHUB_APP_KEY,
    OIDC_URL,
    gcp_app_key_secret_id,
    gcp_labels,
    gcp_secret_id,
    principal,
    service_account_id,
)
from ..plan import SecretsByRepo, StoredSecret, environment_of, uses_store
from ..subjects import accepted_subjects
from .denies import denied_permissions
from .names import (
    ATTRIBUTE_MAPPING,
    deny_policy_parent,
    expiry_condition,
    federated_principal,
    gcp_defaults,
    provider_name,
)
from .roles import (
    SECRET_ACCESSOR,
    WORKLOAD_IDENTITY_USER,
    Binding,
    agent_resource_problem,
    resource_problem,
    role_problem,
)

# CMEK rotation: every 30 days (checkov CKV_GCP_43 asks for at most 90).
KEY_ROTATION_PERIOD = f"{30 * 24 * 3600}s"


def uses_gcp(agent: Agent) -> bool:
    """Whether the agent has a Google Cloud identity."""
    return agent.gcp is not None or uses_store(agent, "gcp")


# --------------------------------------------------------------------------- service account names


def service_account_email(gcp: GcpDefaults, name: str) -> str:
    """``agent-<name>@<project>.iam.gserviceaccount.com``."""
    return f"{service_account_id(name)}@{gcp.project_id}.iam.gserviceaccount.com"


def service_account_name(gcp: GcpDefaults, name: str) -> str:
    """The service account's resource name, as IAM bindings on it take it."""
    return f"projects/{gcp.project_id}/serviceAccounts/{service_account_email(gcp, name)}"


def member(gcp: GcpDefaults, name: str) -> str:
    """The service account as an allow-policy member."""
    return f"serviceAccount:{service_account_email(gcp, name)}"


def deny_principal(gcp: GcpDefaults, name: str) -> str:
    """The service account as a deny-policy principal."""
    return f"principal://iam.googleapis.com/projects/-/serviceAccounts/" \
           f"{service_account_email(gcp, name)}"


# --------------------------------------------------------------------------- pool


def federated_runs(identities: IdentitiesFile) -> list[tuple[int, str, tuple[str, ...]]]:
    """Every (repository id, environment, accepted subjects) a live Google Cloud agent
    runs as, sorted."""
    github = identities.defaults.github
    return sorted({(run.repo_id, environment_of(agent, run),
                    accepted_subjects(github, agent, run))
                   for agent in identities.agents if uses_gcp(agent) and agent.revoked is None
                   for run in agent.runs_on})


def _subject_test(subjects: tuple[str, ...]) -> str:
    """``assertion.sub == "<sub>"``, one per accepted form, or-ed."""
    tests = [f'assertion.sub == "{subject}"' for subject in subjects]
    return tests[0] if len(tests) == 1 else f"({' || '.join(tests)})"


def attribute_condition(identities: IdentitiesFile) -> str:
    """The provider's condition (Google requires one): the organization, and only the
    (repository id, environment, exact subject) triples that some live agent runs as,
    the subject in the form(s) its entry states.

    Bindings already name one repository id and environment each; the condition
    makes the provider refuse every other token too, so a hand-made binding to a
    wider ``principalSet`` of the pool finds nothing to accept. With no live agent
    it accepts nothing.
    """
    owner = f'assertion.repository_owner_id == "{identities.defaults.github.owner_id}"'
    runs = [f'assertion.repository_id == "{repo_id}" && assertion.environment == '
            f'"{environment}" && {_subject_test(subjects)}'
            for repo_id, environment, subjects in federated_runs(identities)]
    if not runs:
        return f"{owner} && false"
    return f"{owner} && ({' || '.join(f'({run})' for run in runs)})"


@dataclass(frozen=True)
class PoolPlan:
    """The foundation's workload identity pool and GitHub provider."""

    project: str
    pool_id: str
    provider_id: str
    issuer_uri: str
    attribute_condition: str
    attribute_mapping: dict[str, str]


def plan_pool(identities: IdentitiesFile) -> PoolPlan:
    """Plan the pool and provider from ``defaults.gcp`` and the GitHub organization id."""
    gcp = gcp_defaults(identities)
    return PoolPlan(
        project=gcp.project_id,
        pool_id=gcp.pool_id,
        provider_id=gcp.provider_id,
        issuer_uri=OIDC_URL,
        attribute_condition=attribute_condition(identities),
        attribute_mapping=dict(ATTRIBUTE_MAPPING),
    )


# --------------------------------------------------------------------------- plans


def role_bindings(agent: Agent, identities: IdentitiesFile) -> tuple[Binding, ...]:
    """``gcp.roles`` that compile (the rules report the rest), plus agentid's own grants."""
    gcp = identities.defaults.gcp
    if gcp is None:
        return ()
    bindings: list[Binding] = []
    if agent.gcp is not None:
        for j, entry in enumerate(agent.gcp.roles):
            if role_problem(entry.role, gcp) is None and resource_problem(entry, gcp) is None \
                    and agent_resource_problem(entry) is None:
                bindings.append(Binding(entry.role, entry.resource.kind, entry.resource.name,
                                        ("gcp", "roles", j)))
    if uses_store(agent, "gcp"):
        bindings.extend(Binding(SECRET_ACCESSOR, "secret", gcp_secret_id(agent.name, key.repo),
                                ("github", "deploy_keys", k), internal=True)
                        for k, key in enumerate(agent.github.deploy_keys))
        if agent.github.app is not None:
            bindings.append(Binding(SECRET_ACCESSOR, "secret",
                                    gcp_app_key_secret_id(agent.name), ("github", "app"),
                                    internal=True))
    return tuple(sorted(set(bindings), key=lambda b: (b.kind, b.resource, b.role)))


@dataclass(frozen=True)
class ServiceAccountPlan:
    """The agent's service account, who may impersonate it, what it may touch."""

    project: str
    account_id: str
    email: str
    name: str
    display_name: str
    description: str
    member: str
    workload_identity_members: tuple[str, ...]
    condition: dict[str, str]
    bindings: tuple[Binding, ...]
    deny_parent: str
    deny_name: str
    deny_principal: str
    denied_permissions: tuple[str, ...]
    provider_name: str
    # A locked agent's account is disabled: Google refuses its tokens.
    disabled: bool = False


def plan_service_account(agent: Agent, identities: IdentitiesFile) -> ServiceAccountPlan:
    """Plan the agent's service account and every binding and denial around it (a
    locked agent's: disabled, and without the bindings of the secrets it no longer
    holds)."""
    gcp = gcp_defaults(identities)
    locked = state(agent) == "locked"
    bindings = role_bindings(agent, identities)
    description = (f"agentid: owner {agent.owner}, expires {agent.expires.isoformat()}: "
                   f"{agent.description}")
    return ServiceAccountPlan(
        project=gcp.project_id,
        account_id=service_account_id(agent.name),
        email=service_account_email(gcp, agent.name),
        name=service_account_name(gcp, agent.name),
        display_name=principal(agent.name),
        description=description[:256],
        member=member(gcp, agent.name),
        workload_identity_members=tuple(sorted(
            {federated_principal(gcp, agent, run) for run in agent.runs_on})),
        condition=expiry_condition(agent),
        bindings=tuple(b for b in bindings if not (locked and b.internal)),
        deny_parent=deny_policy_parent(gcp),
        deny_name=principal(agent.name),
        deny_principal=deny_principal(gcp, agent.name),
        denied_permissions=denied_permissions(agent),
        provider_name=provider_name(gcp),
        disabled=locked,
    )


def environment_variables(agent: Agent, identities: IdentitiesFile) -> dict[str, str]:
    """What ``google-github-actions/auth`` needs in the agent's environments."""
    gcp = gcp_defaults(identities)
    return {"GCP_WORKLOAD_IDENTITY_PROVIDER": provider_name(gcp),
            "GCP_SERVICE_ACCOUNT": service_account_email(gcp, agent.name)}


@dataclass(frozen=True)
class GcpSecretPlan(StoredSecret):
    """One Secret Manager secret holding the private half of one deploy key."""

    secret_id: str
    resource_name: str


@dataclass(frozen=True)
class GcpSecretStorePlan(SecretsByRepo[GcpSecretPlan]):
    """The agent's key ring, CMEK and secrets, fully decided."""

    project: str
    location: str
    key_ring: str
    crypto_key: str
    rotation_period: str
    secret_manager_agent: str
    accessor: str
    condition: dict[str, str]
    secrets: tuple[GcpSecretPlan, ...]
    labels: dict[str, str] = field(default_factory=dict)
    store: str = "gcp"


def plan_secret_store(agent: Agent, identities: IdentitiesFile) -> GcpSecretStorePlan:
    """Plan a per-agent key ring and CMEK, and one secret per deploy key (a locked
    agent's key ring and key stay, holding no secret)."""
    gcp = gcp_defaults(identities)
    keys = () if state(agent) == "locked" else agent.github.deploy_keys
    ids = [(key.repo, gcp_secret_id(agent.name, key.repo)) for key in keys]
    if agent.github.app is not None and state(agent) == "active":
        # The GitHub App's key: the same CMEK, replication and reader, no version.
        ids.append((GITHUB_APP_KEY, gcp_app_key_secret_id(agent.name)))
    secrets = tuple(GcpSecretPlan(repo, sid, f"projects/{gcp.project_id}/secrets/{sid}")
                    for repo, sid in ids)
    return GcpSecretStorePlan(
        project=gcp.project_id,
        location=gcp.region,
        key_ring=principal(agent.name),
        crypto_key="deploy-keys",
        rotation_period=KEY_ROTATION_PERIOD,
        secret_manager_agent=(f"serviceAccount:service-{gcp.project_number}"
                              "@gcp-sa-secretmanager.iam.gserviceaccount.com"),
        accessor=member(gcp, agent.name),
        condition=expiry_condition(agent),
        secrets=secrets,
        labels=gcp_labels(agent),
    )


def policy_documents(agent: Agent, identities: IdentitiesFile) -> dict[str, dict[str, Any]]:
    """The agent's GCP grants as statement documents, for review packets to diff.

    Each binding becomes an Allow row (role on resource, with its condition) and the
    deny policy Deny rows, so the packet shows GCP widening and narrowing in the same
    role x resource rows as AWS's action x resource.
    """
    if identities.defaults.gcp is None or not uses_gcp(agent):
        return {}
    plan = plan_service_account(agent, identities)
    gcp, github = gcp_defaults(identities), identities.defaults.github
    condition = {"expression": plan.condition["expression"]}
    # One row per entry: its principal, and (from the pool's condition) the exact
    # subjects a token of that principal must carry, so a change of subject form
    # shows here although the principal stays the same.
    impersonation = {
        federated_principal(gcp, agent, run): list(accepted_subjects(github, agent, run))
        for run in agent.runs_on}
    return {
        "gcp-impersonation": {"Statement": [
            {"Effect": "Allow", "Action": [WORKLOAD_IDENTITY_USER], "Resource": [who],
             "Condition": {**condition, "sub": impersonation[who]}}
            for who in sorted(impersonation)]},
        # Allows and denies in one document, like AWS's boundary: a deny that
        # disappears while the agent still holds a role is a widening.
        "gcp-scope": {"Statement": [
            *({"Effect": "Allow", "Action": [b.role], "Resource": [b.resource_name],
               "Condition": condition} for b in plan.bindings),
            {"Effect": "Deny", "Action": list(plan.denied_permissions),
             "Resource": [plan.deny_principal]}]},
    }
