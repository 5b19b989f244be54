"""Record -> AWS role plan, as plain data (no provider bindings).

The trust policy follows docs/architecture.md §6.1: ``StringEquals`` only, exact
subjects in the form(s) each entry states (legacy names, immutable ids, or both: the
``repository_id`` condition pins the numeric id whatever the form), audience,
numeric repository ids, optional workflow pin, and an expiry the cloud enforces
on its own through ``aws:CurrentTime``.

A locked agent (``locked:``, docs/lifecycle.md) keeps its role, name and ARN, but
its trust admits no token: one statement denies ``sts:AssumeRoleWithWebIdentity``
to the account's GitHub OIDC provider and nothing is allowed
(:func:`locked_trust_policy`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from ..lifecycle import state
from ..model import Agent, AwsDefaults, GitHubDefaults, IdentitiesFile
from ..names import (
    AUDIENCE_KEY,
    OIDC_HOST,
    PIN_KEY,
    REPOSITORY_ID_KEY,
    STS_AUDIENCE,
    SUB_KEY,
    role_name,
    tags,
)
from ..plan import expiry_timestamp, job_workflow_ref, render_json, uses_store
from ..subjects import accepted_subjects
from .document import TRUST, PolicyDocument, counted, joined_size, string_size, strings_size


def oidc_provider_arn(aws: AwsDefaults) -> str:
    """ARN of the account's GitHub OIDC provider (created by the foundation stack)."""
    return f"arn:{aws.partition}:iam::{aws.account_id}:oidc-provider/{OIDC_HOST}"


def role_arn(aws: AwsDefaults, name: str) -> str:
    """Deterministic ARN of an agent's role, so stacks never reference each other."""
    return f"arn:{aws.partition}:iam::{aws.account_id}:role/{role_name(name)}"


def trust_policy(agent: Agent, aws: AwsDefaults, github: GitHubDefaults) -> dict[str, Any]:
    """The role's trust policy.

    Each entry contributes the exact subjects of its stated form
    (:func:`cdk.subjects.accepted_subjects`). Entries without a workflow pin share
    one statement with the exact lists of subjects and repository ids. Each pinned
    entry gets its own statement, so a pin on one repository never applies to (or
    is satisfied by) another.
    """
    return PolicyDocument(TRUST, tuple(_trust_statement(*parts)
                                       for parts in _trust_parts(agent, aws, github))
                          ).validated()


def trust_policy_size(agent: Agent, aws: AwsDefaults, github: GitHubDefaults) -> int:
    """The :meth:`~cdk.aws.document.PolicyDocument.size` of
    :func:`trust_policy`, counted without building it.

    Every agent's trust policy is held to IAM's limit; a statement renders as a
    fixed frame (measured once) around its values, so its size is the frame's
    plus theirs.
    """
    sizes = [_trust_frame_size(bool(pins)) + _size(sid) + _size(principal)
             + _size(expiry) + _sizes(subjects) + _sizes(repository_ids)
             + (_sizes(pins) if pins else 0)
             for sid, principal, expiry, subjects, repository_ids, pins
             in _trust_parts(agent, aws, github)]
    return joined_size(sizes)


# The Sid of every statement a lock writes (trust, inline policy, boundary).
LOCKED_SID = "AgentidLocked"


def locked_trust_policy(aws: AwsDefaults) -> dict[str, Any]:
    """The trust of a locked agent's role: no token of the provider is admitted.

    A deny and no allow: IAM refuses every ``AssumeRoleWithWebIdentity`` into the
    role, whatever the token says.
    """
    return PolicyDocument(TRUST, ({
        "Sid": LOCKED_SID,
        "Effect": "Deny",
        "Principal": {"Federated": oidc_provider_arn(aws)},
        "Action": "sts:AssumeRoleWithWebIdentity",
    },)).validated()


def role_trust_policy(agent: Agent, identities: IdentitiesFile) -> dict[str, Any]:
    """The trust the agent's role carries: :func:`locked_trust_policy` for a locked agent,
    else :func:`trust_policy`."""
    aws = aws_defaults(identities)
    if state(agent) == "locked":
        return locked_trust_policy(aws)
    return trust_policy(agent, aws, identities.defaults.github)


_TrustParts = tuple[str, str, str, list[str], list[str], list[str]]


def _trust_parts(agent: Agent, aws: AwsDefaults, github: GitHubDefaults) -> list[_TrustParts]:
    """Each statement's Sid, principal, expiry, subjects, repository ids and pins."""
    refs = [(run, job_workflow_ref(run)) for run in agent.runs_on]
    unpinned = [run for run, ref in refs if ref is None]
    principal, expiry = oidc_provider_arn(aws), expiry_timestamp(agent)
    parts: list[_TrustParts] = []
    if unpinned:
        parts.append(("GitHubActionsEnvironments", principal, expiry,
                      sorted({sub for run in unpinned
                              for sub in accepted_subjects(github, agent, run)}),
                      sorted({str(run.repo_id) for run in unpinned}, key=int), []))
    pinned = [(run, ref) for run, ref in refs if ref is not None]
    for number, (run, ref) in enumerate(pinned, 1):
        parts.append((f"GitHubActionsPinnedWorkflow{number}", principal, expiry,
                      list(accepted_subjects(github, agent, run)), [str(run.repo_id)],
                      [ref]))
    return parts


def _trust_statement(sid: str, principal: str, expiry: str, subjects: list[str],
                     repository_ids: list[str], pins: list[str]) -> dict[str, Any]:
    equals: dict[str, Any] = {
        AUDIENCE_KEY: STS_AUDIENCE,
        SUB_KEY: subjects,
        REPOSITORY_ID_KEY: repository_ids,
    }
    if pins:
        equals[PIN_KEY] = pins
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Federated": principal},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": equals,
            "DateLessThan": {"aws:CurrentTime": expiry},
        },
    }


@functools.lru_cache(maxsize=2)
def _trust_frame_size(pinned: bool) -> int:
    # A statement with every value empty (one empty pin where pinned), less them.
    pins = [""] if pinned else []
    empty = _trust_statement("", "", "", [], [], pins)
    return counted(render_json(empty), TRUST.whitespace_counts) - 3 * _size("") - 2 * _sizes([]) - (
        _sizes(pins) if pinned else 0)


def _size(text: str) -> int:
    return string_size(text, TRUST.whitespace_counts)


def _sizes(strings: list[str]) -> int:
    return strings_size(strings, TRUST.whitespace_counts)


@dataclass(frozen=True)
class RolePlan:
    """Everything the role construct needs, already decided."""

    name: str
    arn: str
    description: str
    trust_policy: dict[str, Any]
    max_session_duration: int
    tags: dict[str, str] = field(default_factory=dict)


def uses_aws(agent: Agent) -> bool:
    """Whether the agent uses AWS: for an ``aws`` scope, and also to be the only reader
    of deploy keys stored in AWS (``secrets: {store: aws}``)."""
    return agent.aws is not None or uses_store(agent, "aws")


def has_role(agent: Agent, identities: IdentitiesFile) -> bool:
    """Whether the agent's stack holds an IAM role: it uses AWS (:func:`uses_aws`) and
    the file says which account."""
    return identities.defaults.aws is not None and uses_aws(agent)


def aws_defaults(identities: IdentitiesFile) -> AwsDefaults:
    """``defaults.aws``, which every plan of an agent that uses AWS needs (the rules
    refuse a file without it)."""
    if identities.defaults.aws is None:
        raise ValueError("defaults.aws is required for agents that use AWS")
    return identities.defaults.aws


def plan_role(agent: Agent, identities: IdentitiesFile) -> RolePlan:
    """Plan the agent's IAM role from its record and the file's defaults."""
    aws = aws_defaults(identities)
    return RolePlan(
        name=role_name(agent.name),
        arn=role_arn(aws, agent.name),
        description=f"agentid: {agent.description}"[:1000],
        trust_policy=role_trust_policy(agent, identities),
        max_session_duration=identities.defaults.policy.max_session_minutes * 60,
        tags=tags(agent),
    )
