"""Record -> the agent's Google Cloud identity, as plain data (no provider bindings).

SECURITY.md's federation rules, in Google's terms:

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..errors import Path
from ..model import Agent, GcpDefaults, GcpRole, IdentitiesFile, RunsOn
from ..names import (
    OIDC_URL,
    gcp_labels,
    gcp_secret_id,
    principal,
    service_account_id,
)
from ..plan import environment_of, expiry_timestamp, never_hold
from ..subjects import accepted_subjects

WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
# Google Cloud caps google.subject at 127 bytes, a provider's condition at 4,096
# characters.
SUBJECT_MAX_BYTES = 127
ATTRIBUTE_CONDITION_MAX_CHARS = 4096
# CMEK rotation: every 30 days (checkov CKV_GCP_43 asks for at most 90).
KEY_ROTATION_PERIOD = f"{30 * 24 * 3600}s"

# ``assertion.*`` claims mapped onto the pool's attributes. google.subject is built
# from the numeric repository id and the environment (see module docstring): the
# id is digits only, so the first `:` after the prefix ends it and no environment
# name can forge another repository's subject.
SUBJECT_PREFIX = "repository_id:"
ENVIRONMENT_INFIX = ":environment:"
ATTRIBUTE_MAPPING = {
    "google.subject": (f'"{SUBJECT_PREFIX}" + assertion.repository_id + '
                       f'"{ENVIRONMENT_INFIX}" + assertion.environment'),
    "attribute.repository_id": "assertion.repository_id",
    "attribute.repository_owner_id": "assertion.repository_owner_id",
    "attribute.environment": "assertion.environment",
    "attribute.job_workflow_ref": "assertion.job_workflow_ref",
}

# Predefined roles look like roles/storage.objectViewer; custom roles are named by
# their project or organization.
PREDEFINED_ROLE_RE = re.compile(r"^roles/[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$")
CUSTOM_ROLE_RE = re.compile(
    r"^(projects/(?P<project>[a-z][a-z0-9-]{4,28}[a-z0-9])|organizations/[0-9]{1,20})"
    r"/roles/[a-zA-Z0-9_.]{3,64}$")
# A permission as IAM v1 names it: service.resource.verb (resource may be dotted).
PERMISSION_RE = re.compile(r"^([a-z][a-z0-9]*)\.([a-zA-Z][a-zA-Z0-9.]*)\.([a-zA-Z][a-zA-Z0-9]*)$")
# Services whose deny-policy FQDN is not `<service>.googleapis.com`.
SERVICE_FQDN = {"resourcemanager": "cloudresourcemanager.googleapis.com"}

BASIC_ROLES = ("roles/owner", "roles/editor", "roles/viewer")
BASIC_WHY = ("a basic role holds thousands of permissions across every service of the "
             "project; bind a predefined role on the one resource the agent needs")
# Roles refused by name, with the reason a reviewer reads. There is no offline catalog
# of Google's ~2,000 roles here: this list and the patterns below catch the known
# ways to change IAM or mint credentials, and the deny policy blocks those
# permissions whatever role carries them.
REFUSED_ROLES = {
    "roles/iam.serviceAccountTokenCreator": "mints access and ID tokens for service "
                                            "accounts (getAccessToken, signBlob, signJwt)",
    "roles/iam.serviceAccountUser": "lets the agent act as other service accounts (actAs)",
    "roles/iam.serviceAccountOpenIdTokenCreator": "mints ID tokens for service accounts",
    "roles/iam.serviceAccountKeyAdmin": "creates service account keys",
    "roles/iam.workloadIdentityUser": "impersonates service accounts",
    "roles/iam.securityAdmin": "sets IAM policy on any resource",
    "roles/iam.securityReviewer": "reads every IAM policy of the project",
}
# Role name patterns refused with their reason. Names only hint at content: every
# bound role is also looked up at plan time and refused by what it holds
# (``IAM_CHANGE_PERMISSIONS``), whatever it is called.
REFUSED_PATTERNS = (
    (re.compile(r"^roles/iam\.[a-zA-Z]*[aA]dmin$"), "administers IAM (roles, service "
     "accounts, keys or policies)"),
    (re.compile(r"^roles/(resourcemanager|orgpolicy|accesscontextmanager|"
                r"privilegedaccessmanager|cloudkms|secretmanager)\.[a-zA-Z]*[aA]dmin$"),
     "administers IAM policies, keys or secrets of the project"),
    (re.compile(r"^roles/[a-zA-Z]+\.admin$"), "a service's admin role includes "
     "setIamPolicy on its resources, so the agent could grant itself more"),
    (re.compile(r"^roles/[a-zA-Z]+\.([a-zA-Z]*[oO]wner)$"), "an owner role (such as "
     "roles/bigquery.dataOwner) includes setIamPolicy on what it owns"),
    (re.compile(r"^roles/[a-zA-Z]+\.[a-zA-Z]*([sS]ecurity|[iI]am|[pP]olicy)[aA]dmin$"),
     "administers IAM or security policies"),
    (re.compile(r"^roles/[a-zA-Z]+\.[a-zA-Z]*([tT]okenCreator|[kK]eyAdmin)$"),
     "mints tokens or keys"),
)
# Permissions that change IAM or mint credentials (v1 form), as regular expressions
# a plan-time postcondition matches against every bound role's included
# permissions: any hit fails the plan, whatever the role is called.
IAM_CHANGE_PERMISSIONS = (
    r".*\.setIamPolicy",
    r"iam\.serviceAccounts\.(actAs|getAccessToken|getOpenIdToken|implicitDelegation"
    r"|signBlob|signJwt|create|update|patch|delete|undelete|enable|disable)",
    r"iam\.serviceAccountKeys\..*",
    r".*\.keys\.create",
    r".*[hH]macKeys\.create",
    r"iam\.roles\.(create|update|delete|undelete)",
    r"iam\.workloadIdentityPool.*\.(create|update|delete|undelete)",
    r"iam\.googleapis\.com/.*",
    r"resourcemanager\.projects\.(setIamPolicy|createPolicyBinding|updatePolicyBinding)",
    r"orgpolicy\.policy\.set",
    r"iam\.denypolicies\..*",
)
# What a role bound on the whole project may not hold at all, on top of the above:
# the project holds every agent's deploy-key secrets, their keys, service accounts
# and the workload identity pool.
PROJECT_FORBIDDEN_PERMISSIONS = (
    r"secretmanager\..*",
    r"cloudkms\..*",
    r"iam\..*",
)
# Services whose roles reach agents' infrastructure when bound on the project.
AGENT_INFRA_SERVICES = ("secretmanager", "cloudkms", "iam")
# Prefix of every deploy-key secret id agentid creates (``gcp_secret_id``).
AGENT_SECRET_PREFIX = "agents-"

# Denied to the agent's service account always, whatever its roles say (deny
# policies take the v2 form SERVICE_FQDN/RESOURCE.VERB): no credential minting,
# no impersonation, no IAM changes, no writes to its own deploy-key secrets, and
# (the isolation backstop) no creating, deleting, disabling or enabling service
# accounts, its peers' included, and no changes to the workload identity pool.
ALWAYS_DENIED = (
    "cloudkms.googleapis.com/cryptoKeys.setIamPolicy",
    "cloudresourcemanager.googleapis.com/projects.setIamPolicy",
    "iam.googleapis.com/roles.create",
    "iam.googleapis.com/roles.delete",
    "iam.googleapis.com/roles.update",
    "iam.googleapis.com/serviceAccountKeys.create",
    "iam.googleapis.com/serviceAccounts.actAs",
    "iam.googleapis.com/serviceAccounts.create",
    "iam.googleapis.com/serviceAccounts.delete",
    "iam.googleapis.com/serviceAccounts.disable",
    "iam.googleapis.com/serviceAccounts.enable",
    "iam.googleapis.com/serviceAccounts.getAccessToken",
    "iam.googleapis.com/serviceAccounts.getOpenIdToken",
    "iam.googleapis.com/serviceAccounts.implicitDelegation",
    "iam.googleapis.com/serviceAccounts.setIamPolicy",
    "iam.googleapis.com/serviceAccounts.signBlob",
    "iam.googleapis.com/serviceAccounts.signJwt",
    "iam.googleapis.com/serviceAccounts.undelete",
    "iam.googleapis.com/workloadIdentityPoolProviders.create",
    "iam.googleapis.com/workloadIdentityPoolProviders.delete",
    "iam.googleapis.com/workloadIdentityPoolProviders.undelete",
    "iam.googleapis.com/workloadIdentityPoolProviders.update",
    "iam.googleapis.com/workloadIdentityPools.create",
    "iam.googleapis.com/workloadIdentityPools.delete",
    "iam.googleapis.com/workloadIdentityPools.undelete",
    "iam.googleapis.com/workloadIdentityPools.update",
    "secretmanager.googleapis.com/secrets.setIamPolicy",
    "secretmanager.googleapis.com/versions.add",
    "storage.googleapis.com/buckets.setIamPolicy",
)


# --------------------------------------------------------------------------- names


def provider_name(gcp: GcpDefaults) -> str:
    """Full provider resource name, what ``google-github-actions/auth`` takes."""
    return (f"projects/{gcp.project_number}/locations/global/workloadIdentityPools/"
            f"{gcp.pool_id}/providers/{gcp.provider_id}")


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


def federated_subject(agent: Agent, run: RunsOn) -> str:
    """The ``google.subject`` a run's token maps to, from numeric claims only:
    ``repository_id:<repository_id>:environment:<environment>``."""
    return f"{SUBJECT_PREFIX}{run.repo_id}{ENVIRONMENT_INFIX}{environment_of(agent, run)}"


def federated_principal(gcp: GcpDefaults, agent: Agent, run: RunsOn) -> str:
    """The one principal of a ``runs_on`` entry: exactly one subject, never a pool set."""
    return (f"principal://iam.googleapis.com/projects/{gcp.project_number}/locations/global/"
            f"workloadIdentityPools/{gcp.pool_id}/subject/{federated_subject(agent, run)}")


def deny_policy_parent(gcp: GcpDefaults) -> str:
    """The project as a deny-policy attachment point: its URL-encoded full resource name."""
    return quote(f"cloudresourcemanager.googleapis.com/projects/{gcp.project_id}", safe="")


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
    gcp = _gcp(identities)
    return PoolPlan(
        project=gcp.project_id,
        pool_id=gcp.pool_id,
        provider_id=gcp.provider_id,
        issuer_uri=OIDC_URL,
        attribute_condition=attribute_condition(identities),
        attribute_mapping=dict(ATTRIBUTE_MAPPING),
    )


# --------------------------------------------------------------------------- roles


def expiry_condition(agent: Agent) -> dict[str, str]:
    """The IAM Condition every binding of the agent carries."""
    return {
        "title": f"expires-{agent.expires.isoformat()}",
        "description": f"agentid: agent-{agent.name} expires on {agent.expires.isoformat()}",
        "expression": f'request.time < timestamp("{expiry_timestamp(agent)}")',
    }


def role_problem(role: str, gcp: GcpDefaults) -> tuple[str, str, str] | None:
    """Why a role may not be bound (rule id suffix, message, hint), or None."""
    if role in BASIC_ROLES:
        return ("GcpBasicRole", f"{role} is a basic role: {BASIC_WHY}",
                "use a predefined role such as roles/storage.objectViewer on a bucket")
    custom = CUSTOM_ROLE_RE.match(role)
    if not PREDEFINED_ROLE_RE.match(role) and custom is None:
        return ("GcpRoleName", f"{role!r} is not a role name",
                "write a predefined role as roles/<service>.<roleName> (e.g. "
                "roles/storage.objectViewer) or a custom role as "
                "projects/<project>/roles/<id> or organizations/<id>/roles/<id>")
    if custom is not None and custom.group("project") not in (None, gcp.project_id):
        return ("GcpRoleName", f"{role} is a custom role of another project",
                f"use a custom role of {gcp.project_id} (defaults.gcp.project_id)")
    why = REFUSED_ROLES.get(role) or next(
        (reason for pattern, reason in REFUSED_PATTERNS if pattern.match(role)), None)
    if why is not None:
        return ("GcpPrivilegedRole", f"{role} {why}",
                "changing IAM and minting credentials are human decisions; bind a role "
                "without them")
    return None


def agent_resource_problem(entry: GcpRole) -> tuple[str, str] | None:
    """Why a role entry reaches agent-owned infrastructure (message, hint), or None.

    Agents' deploy-key secrets (``agents-...``) are bound only by agentid, for their
    own agent; a Secret Manager, Cloud KMS or IAM role on the whole project reaches
    every agent's secrets, keys, service accounts and the workload identity pool.
    """
    resource = entry.resource
    if resource.kind == "secret" and resource.name.startswith(AGENT_SECRET_PREFIX):
        return (f"secret {resource.name} is named like an agent's deploy-key secret "
                f"({AGENT_SECRET_PREFIX}...), which only agentid binds, for its own agent",
                "remove the binding: an agent reads its own deploy keys through the "
                "binding agentid writes, and never another agent's")
    service = entry.role.removeprefix("roles/").split(".", 1)[0]
    if resource.kind == "project" and entry.role.startswith("roles/") \
            and service in AGENT_INFRA_SERVICES:
        return (f"{entry.role} on the whole project reaches every agent's deploy-key "
                "secrets, keys, service accounts or the workload identity pool",
                "bind it on the one secret or bucket the agent needs (not an agent's)")
    return None


def postcondition_expression(kind: str) -> str:
    """Terraform condition on a looked-up role: none of its included permissions
    changes IAM or mints credentials (on the project: nor touches secrets, keys or
    IAM at all)."""
    patterns = IAM_CHANGE_PERMISSIONS + (PROJECT_FORBIDDEN_PERMISSIONS
                                         if kind == "project" else ())
    alternatives = "|".join(patterns).replace("\\", "\\\\")
    return ("${length([for p in self.included_permissions : p "
            f'if can(regex("^({alternatives})$", p))]) == 0}}')


def refused_permissions(permissions: list[str], kind: str) -> list[str]:
    """What :func:`postcondition_expression` refuses among ``permissions`` (for tests
    and review: the same patterns, evaluated in Python)."""
    patterns = IAM_CHANGE_PERMISSIONS + (PROJECT_FORBIDDEN_PERMISSIONS
                                         if kind == "project" else ())
    pattern = re.compile(f"^({'|'.join(patterns)})$")
    return [p for p in permissions if pattern.match(p)]


@dataclass(frozen=True)
class Binding:
    """One role on one resource for the agent's service account, until expiry."""

    role: str
    kind: str
    resource: str
    path: Path = ()
    internal: bool = False

    @property
    def resource_name(self) -> str:
        """The resource as a reviewer reads it: ``bucket acme-artifacts``."""
        return f"{self.kind} {self.resource}"

    @property
    def construct_id(self) -> str:
        """Keyed by resource and role, not position: reordering changes nothing."""
        return f"{self.kind}_{self.resource}_{self.role}"


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
    if uses_gcp_store(agent):
        bindings.extend(Binding(SECRET_ACCESSOR, "secret", gcp_secret_id(agent.name, key.repo),
                                ("github", "deploy_keys", k), internal=True)
                        for k, key in enumerate(agent.github.deploy_keys))
    return tuple(sorted(set(bindings), key=lambda b: (b.kind, b.resource, b.role)))


def resource_problem(entry: GcpRole, gcp: GcpDefaults) -> tuple[str, str] | None:
    """What is wrong with the resource of a role entry (message, hint), or None."""
    resource = entry.resource
    if resource.project is not None and resource.project != gcp.project_id:
        return (f"project {resource.project} is not {gcp.project_id} of defaults.gcp",
                "agents act only in their own project")
    if resource.project is not None and entry.reason is None:
        return ("a project-wide grant needs a `reason`",
                "bind the role on a bucket or secret, or add `reason:` saying why no "
                "narrower resource exists")
    return None


def uses_gcp_store(agent: Agent) -> bool:
    """Whether the agent keeps deploy-key secrets in Secret Manager."""
    return bool(agent.github.deploy_keys) and agent.secrets.store == "gcp"


def uses_gcp(agent: Agent) -> bool:
    """Whether the agent has a Google Cloud identity."""
    return agent.gcp is not None or uses_gcp_store(agent)


# --------------------------------------------------------------------------- denies


def permission_v2(permission: str) -> str | None:
    """``storage.objects.delete`` -> ``storage.googleapis.com/objects.delete`` (None if
    not a permission)."""
    match = PERMISSION_RE.match(permission)
    if match is None:
        return None
    service, resource, verb = match.groups()
    return f"{SERVICE_FQDN.get(service, f'{service}.googleapis.com')}/{resource}.{verb}"


def never_hold_roles(agent: Agent) -> tuple[str, ...]:
    """GCP ``must_never_hold`` entries that are roles (checked against the bindings)."""
    return tuple(e for e in never_hold(agent, "gcp") if "/" in e)


def denied_permissions(agent: Agent) -> tuple[str, ...]:
    """Everything the deny policy denies: always-on plus ``must_never_hold`` permissions.

    Roles in ``must_never_hold`` cannot be denied (deny policies take permissions); the
    rules refuse any binding of them instead.
    """
    extra = {v2 for e in never_hold(agent, "gcp") if (v2 := permission_v2(e)) is not None}
    return tuple(sorted(set(ALWAYS_DENIED) | extra))


# --------------------------------------------------------------------------- plans


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


def plan_service_account(agent: Agent, identities: IdentitiesFile) -> ServiceAccountPlan:
    """Plan the agent's service account and every binding and denial around it."""
    gcp = _gcp(identities)
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
        bindings=role_bindings(agent, identities),
        deny_parent=deny_policy_parent(gcp),
        deny_name=principal(agent.name),
        deny_principal=deny_principal(gcp, agent.name),
        denied_permissions=denied_permissions(agent),
        provider_name=provider_name(gcp),
    )


def environment_variables(agent: Agent, identities: IdentitiesFile) -> dict[str, str]:
    """What ``google-github-actions/auth`` needs in the agent's environments."""
    gcp = _gcp(identities)
    return {"GCP_WORKLOAD_IDENTITY_PROVIDER": provider_name(gcp),
            "GCP_SERVICE_ACCOUNT": service_account_email(gcp, agent.name)}


@dataclass(frozen=True)
class GcpSecretPlan:
    """One Secret Manager secret holding the private half of one deploy key."""

    repo: str
    secret_id: str
    resource_name: str

    @property
    def construct_id(self) -> str:
        """Keyed by repository, like the deploy key it belongs to."""
        return f"secret_{self.repo}"


@dataclass(frozen=True)
class GcpSecretStorePlan:
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

    def secret_for(self, repo: str) -> GcpSecretPlan:
        """The secret planned for the deploy key on ``repo``."""
        return next(s for s in self.secrets if s.repo == repo)


def plan_secret_store(agent: Agent, identities: IdentitiesFile) -> GcpSecretStorePlan:
    """Plan a per-agent key ring and CMEK, and one secret per deploy key."""
    gcp = _gcp(identities)
    secrets = tuple(
        GcpSecretPlan(key.repo, sid, f"projects/{gcp.project_id}/secrets/{sid}")
        for key in agent.github.deploy_keys
        for sid in [gcp_secret_id(agent.name, key.repo)])
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


def _gcp(identities: IdentitiesFile) -> GcpDefaults:
    if identities.defaults.gcp is None:
        raise ValueError("defaults.gcp is required for agents that use Google Cloud")
    return identities.defaults.gcp


def policy_documents(agent: Agent, identities: IdentitiesFile) -> dict[str, dict[str, Any]]:
    """The agent's GCP grants as statement documents, for review packets to diff.

    Each binding becomes an Allow row (role on resource, with its condition) and the
    deny policy Deny rows, so the packet shows GCP widening and narrowing in the same
    role x resource rows as AWS's action x resource.
    """
    if identities.defaults.gcp is None or not uses_gcp(agent):
        return {}
    plan = plan_service_account(agent, identities)
    gcp, github = _gcp(identities), identities.defaults.github
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
