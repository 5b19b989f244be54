"""The single door from a record to what the review compares.

:func:`agent_documents` maps document name -> policy document: what each target
the agent uses gives as :attr:`cdk.targets.Target.documents` (AWS's trust
policy, inline permissions and boundary; Google Cloud's impersonation, role
bindings and deny policy; Azure's federated subjects and role assignments as
statement rows, role x resource), so the packet diffs exactly what will be
written into ``cdk.tf.json``.

:func:`planned_content` and :func:`planned_foundation` are the ``--no-synth``
counterpart of a synthesized stack: every plan the stack is built from, as
``address -> attribute -> value``, for :mod:`cdk.review.content` to compare,
again gathered from the targets in registry order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..backend import plan_backend
from ..model import Agent, IdentitiesFile
from ..names import FOUNDATION
from ..policy import PolicyDocument
from ..targets import Content, targets, used

__all__ = ["Content", "PolicyDocument", "agent_documents", "planned_content",
           "planned_foundation"]

# Plans describe a stack written at <root>/stacks/<name>; both sides use the same
# fictitious root, so a local backend's relative state path compares equal.
_ROOT = Path("/agentid-review")


def agent_documents(agent: Agent, identities: IdentitiesFile) -> dict[str, PolicyDocument]:
    """Document name -> policy document of the agent (empty for a tombstone)."""
    if agent.revoked is not None:
        return {}
    documents: dict[str, PolicyDocument] = {}
    for target in used(agent, identities):
        documents.update(target.documents(agent, identities))
    return documents


def _backend(identities: IdentitiesFile, stack: str) -> dict[str, Any]:
    kind, args = plan_backend(identities.defaults.backend, stack, _ROOT / "stacks" / stack,
                              _ROOT)
    return {kind: args}


def planned_content(agent: Agent, identities: IdentitiesFile) -> Content:
    """Everything the agent's stack is built from, by plan (``plan.<kind>[.<key>]``)."""
    content: Content = {"terraform.backend": _backend(identities, agent.name)}
    for target in used(agent, identities):
        content.update(target.planned_content(agent, identities))
    return content


def planned_foundation(identities: IdentitiesFile) -> Content:
    """What the shared ``foundation`` stack is built from."""
    content: Content = {"terraform.backend": _backend(identities, FOUNDATION)}
    for target in targets():
        if target.in_foundation(identities):
            content.update(target.planned_foundation(identities))
    return content
