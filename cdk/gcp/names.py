"""Google Cloud names of an agent's federation, and the condition every binding carries.

``google.subject`` is built from numeric claims only,
``repository_id:<repository_id>:environment:<environment>`` (:data:`ATTRIBUTE_MAPPING`),
so a binding never depends on names or on the subject form. The names of the
agent's service account itself are in :mod:`cdk.gcp.plan`.
"""

from __future__ import annotations

from urllib.parse import quote

from ..model import Agent, GcpDefaults, IdentitiesFile, RunsOn
from ..names import principal
from ..plan import environment_of, expiry_timestamp

# Google Cloud caps google.subject at 127 bytes, a provider's condition at 4,096
# characters.
SUBJECT_MAX_BYTES = 127
ATTRIBUTE_CONDITION_MAX_CHARS = 4096

# ``assertion.*`` claims mapped onto the pool's attributes. google.subject is built
# from the numeric repository id and the environment: the
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


def provider_name(gcp: GcpDefaults) -> str:
    """Full provider resource name, what ``google-github-actions/auth`` takes."""
    return (f"projects/{gcp.project_number}/locations/global/workloadIdentityPools/"
            f"{gcp.pool_id}/providers/{gcp.provider_id}")


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


def expiry_condition(agent: Agent) -> dict[str, str]:
    """The IAM Condition every binding of the agent carries."""
    return {
        "title": f"expires-{agent.expires.isoformat()}",
        "description": f"agentid: {principal(agent.name)} expires on "
                       f"{agent.expires.isoformat()}",
        "expression": f'request.time < timestamp("{expiry_timestamp(agent)}")',
    }


def gcp_defaults(identities: IdentitiesFile) -> GcpDefaults:
    """``defaults.gcp``, which every plan of an agent that uses Google Cloud needs (the
    rules refuse a file without it)."""
    if identities.defaults.gcp is None:
        raise ValueError("defaults.gcp is required for agents that use Google Cloud")
    return identities.defaults.gcp
