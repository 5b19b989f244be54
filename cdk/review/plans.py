"""The single door from a record to the policy documents the review compares.

Review works on a mapping document name -> IAM policy document: the planned
trust policy, inline permissions and boundary from :mod:`cdk.aws.scope`, and
Google Cloud's impersonation, role bindings and deny policy from
:mod:`cdk.gcp.plan` and Azure's federated subjects and role assignments from
:mod:`cdk.azure.plan` as statement rows (role x resource), so the packet diffs
exactly what will be written into ``cdk.tf.json``.
"""

from __future__ import annotations

from typing import Any

from ..aws.scope import policy_documents
from ..azure.plan import policy_documents as azure_documents
from ..gcp.plan import policy_documents as gcp_documents
from ..model import Agent, IdentitiesFile

PolicyDocument = dict[str, Any]


def agent_documents(agent: Agent, identities: IdentitiesFile) -> dict[str, PolicyDocument]:
    """Document name -> policy document of the agent (empty for a tombstone)."""
    if agent.revoked is not None:
        return {}
    return {**policy_documents(agent, identities), **gcp_documents(agent, identities),
            **azure_documents(agent, identities)}
