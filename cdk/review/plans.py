"""The single door from a record to what the review compares.

:func:`agent_documents` maps document name -> IAM policy document: the planned
trust policy, inline permissions and boundary of every agent that has an AWS
role (an ``aws`` scope, or deploy keys stored in AWS), Google Cloud's
impersonation, role bindings and deny policy from :mod:`cdk.gcp.plan` and
Azure's federated subjects and role assignments from :mod:`cdk.azure.plan` as
statement rows (role x resource), so the packet diffs exactly what will be
written into ``cdk.tf.json``.

:func:`planned_content` and :func:`planned_foundation` are the ``--no-synth``
counterpart of a synthesized stack: every plan the stack is built from, as
``address -> attribute -> value``, for :mod:`cdk.review.content` to compare.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..aws.plan import has_role, plan_role
from ..aws.scope import boundary_document, permissions_document, plan_scope
from ..azure.plan import plan_identity, uses_azure
from ..azure.plan import policy_documents as azure_documents
from ..backend import plan_backend
from ..gcp.plan import plan_pool, plan_service_account, uses_gcp
from ..gcp.plan import policy_documents as gcp_documents
from ..github.deploy_keys import plan_deploy_keys
from ..github.plan import plan_environments
from ..model import Agent, IdentitiesFile
from ..names import FOUNDATION
from ..secret_store import plan_store

PolicyDocument = dict[str, Any]
Content = dict[str, dict[str, Any]]
# Plans describe a stack written at <root>/stacks/<name>; both sides use the same
# fictitious root, so a local backend's relative state path compares equal.
_ROOT = Path("/agentid-review")


def agent_documents(agent: Agent, identities: IdentitiesFile) -> dict[str, PolicyDocument]:
    """Document name -> policy document of the agent (empty for a tombstone)."""
    if agent.revoked is not None:
        return {}
    documents: dict[str, PolicyDocument] = {}
    if has_role(agent, identities):
        documents["trust"] = plan_role(agent, identities).trust_policy
        documents["boundary"] = boundary_document(agent, identities)
        if (permissions := permissions_document(agent, identities)) is not None:
            documents["permissions"] = permissions
    return {**documents, **gcp_documents(agent, identities),
            **azure_documents(agent, identities)}


def _data(plan: Any) -> dict[str, Any]:
    data: dict[str, Any] = dataclasses.asdict(plan)
    return data


def _backend(identities: IdentitiesFile, stack: str) -> dict[str, Any]:
    kind, args = plan_backend(identities.defaults.backend, stack, _ROOT / "stacks" / stack,
                              _ROOT)
    return {kind: args}


def planned_content(agent: Agent, identities: IdentitiesFile) -> Content:
    """Everything the agent's stack is built from, by plan (``plan.<kind>[.<key>]``)."""
    content: Content = {"terraform.backend": _backend(identities, agent.name),
                        "provider.github": {"owner": identities.defaults.github.owner}}
    if agent.revoked is not None:
        return content
    if has_role(agent, identities):
        content["plan.aws_role"] = _data(plan_role(agent, identities))
        content["plan.aws_scope"] = _data(plan_scope(agent, identities))
    keys = plan_deploy_keys(agent, identities)
    for key in keys:
        content[f"plan.deploy_key.{key.repo}"] = _data(key)
    if keys:
        content["plan.secret_store"] = _data(plan_store(agent, identities))
    if uses_gcp(agent) and identities.defaults.gcp is not None:
        content["plan.gcp_service_account"] = _data(plan_service_account(agent, identities))
    if uses_azure(agent) and identities.defaults.azure is not None:
        content["plan.azure_identity"] = _data(plan_identity(agent, identities))
    for env in plan_environments(agent, identities, {}):
        content[f"plan.environment.{env.repo}/{env.environment}"] = _data(env)
    return content


def planned_foundation(identities: IdentitiesFile) -> Content:
    """What the shared ``foundation`` stack is built from."""
    from ..github.ruleset import plan_ruleset

    content: Content = {"terraform.backend": _backend(identities, FOUNDATION)}
    defaults = identities.defaults
    if defaults.aws is not None:
        content["plan.aws_oidc"] = defaults.aws.model_dump(mode="json")
    if defaults.gcp is not None and any(uses_gcp(a) for a in identities.agents):
        content["plan.gcp_pool"] = _data(plan_pool(identities))
    ruleset = plan_ruleset(identities)
    if ruleset is not None:
        content["plan.identities_ruleset"] = _data(ruleset)
    return content
