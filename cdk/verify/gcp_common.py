"""What the Google Cloud invariants share: the always-denied permissions, and reading
a stack's bindings and the pool's subject mapping."""

from __future__ import annotations

import re
from typing import Any

from ..model import Agent, GcpDefaults, IdentitiesFile, RunsOn
from ..names import FOUNDATION, principal
from . import cel, expect
from .core import Resource, Stack, Target, listed

GCP: Target[GcpDefaults] = Target("Google Cloud", lambda identities: identities.defaults.gcp,
                                   expect.uses_gcp)
IMPERSONATE = "roles/iam.workloadIdentityUser"
KEY_USER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
# Denied to every agent's service account whatever its roles say (deny policies
# name permissions as SERVICE_FQDN/RESOURCE.VERB): credential minting, IAM changes,
# writes to deploy-key secrets, service-account lifecycle, pool and provider changes,
# and muting alerts (the project's sinks; the rest is refused by role checks).
# Restated from the plan on purpose (docs/architecture.md §1); a test keeps them equal.
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
    "logging.googleapis.com/sinks.delete",
    "logging.googleapis.com/sinks.update",
    "secretmanager.googleapis.com/secrets.setIamPolicy",
    "secretmanager.googleapis.com/versions.add",
    "storage.googleapis.com/buckets.setIamPolicy",
)
# Restated from the plan on purpose (docs/architecture.md §1); a test keeps them equal.
PERMISSION_RE = re.compile(r"^([a-z][a-z0-9]*)\.([a-zA-Z][a-zA-Z0-9.]*)\.([a-zA-Z][a-zA-Z0-9]*)$")
SERVICE_FQDN = {"resourcemanager": "cloudresourcemanager.googleapis.com"}
# A project-wide role of these services reaches every agent's secrets, keys or
# service accounts (all agents share the project).
# Restated from the plan on purpose (docs/architecture.md §1); a test keeps them equal.
AGENT_INFRA_SERVICES = ("secretmanager", "cloudkms", "iam")
BASIC_ROLES = ("roles/owner", "roles/editor", "roles/viewer")


def _email(gcp: GcpDefaults, name: str) -> str:
    return f"{principal(name)}@{gcp.project_id}.iam.gserviceaccount.com"


def _claims(identities: IdentitiesFile, agent: Agent, run: RunsOn, sub: str) -> dict[str, str]:
    """The claims of a token of ``run`` with subject ``sub``, as the pool reads them."""
    claims = {"sub": sub, "repository_id": str(run.repo_id),
              "repository_owner_id": str(identities.defaults.github.owner_id),
              "environment": expect.environment(agent, run)}
    pin = expect.workflow_pin(run)
    if pin is not None:
        claims["job_workflow_ref"] = pin
    return claims


def _providers(stack: Stack) -> list[Resource]:
    foundation = stack if stack.name == FOUNDATION else stack.sibling(FOUNDATION)
    if foundation is None:
        return []
    return foundation.resources("google_iam_workload_identity_pool_provider")


def _federated(stack: Stack, agent: Agent, gcp: GcpDefaults) -> set[str] | None:
    """The principal of each token the record lets impersonate the agent: the pool's
    ``google.subject`` mapping (in the foundation stack) applied to the token's claims.

    None when the mapping cannot be read (the pool invariant reports it).
    """
    providers = _providers(stack)
    mapping = providers[0].get("attribute_mapping") if len(providers) == 1 else None
    expression = mapping.get("google.subject") if isinstance(mapping, dict) else None
    if not isinstance(expression, str):
        return None
    pool = (f"principal://iam.googleapis.com/projects/{gcp.project_number}/locations/global/"
            f"workloadIdentityPools/{gcp.pool_id}/subject/")
    found = set()
    for run in agent.runs_on:
        for sub in expect.subjects(stack.identities, agent, run):
            subject = cel.evaluate(expression, _claims(stack.identities, agent, run, sub))
            if subject is None:
                return None
            found.add(f"{pool}{subject}")
    return found


def _bindings(stack: Stack) -> list[Resource]:
    return [r for r in stack.resources() if r.kind.startswith("google_") and (
        r.kind.endswith("_iam_member") or r.kind.endswith("_iam_binding")
        or r.kind.endswith("_iam_policy"))]


def _members(binding: Resource) -> list[Any]:
    if binding.kind.endswith("_iam_member"):
        return [binding.get("member")]
    return listed(binding.get("members"))


def _service_agent(gcp: GcpDefaults) -> str:
    return (f"serviceAccount:service-{gcp.project_number}"
            "@gcp-sa-secretmanager.iam.gserviceaccount.com")


def _is_key_service_binding(stack: Stack, binding: Resource, gcp: GcpDefaults) -> bool:
    """Secret Manager's service agent using the agent's own key (no agent principal)."""
    return (binding.kind == "google_kms_crypto_key_iam_member"
            and binding.get("member") == _service_agent(gcp)
            and binding.get("role") == KEY_USER
            and stack.reference(binding.get("crypto_key_id"), "google_kms_crypto_key")
            is not None)
