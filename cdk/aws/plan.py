"""Record -> AWS role plan, as plain data (no provider bindings).

The trust policy follows SECURITY.md: ``StringEquals`` only, exact subjects in
the form(s) each entry states (legacy names, immutable ids, or both: the
``repository_id`` condition pins the numeric id whatever the form), audience,
numeric repository ids, optional workflow pin, and an expiry the cloud enforces
on its own through ``aws:CurrentTime``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from ..model import Agent, AwsDefaults, GitHubDefaults, IdentitiesFile
from ..names import OIDC_HOST, STS_AUDIENCE, role_name, tags
from ..plan import expiry_timestamp, job_workflow_ref, render_json
from ..subjects import accepted_subjects

POLICY_VERSION = "2012-10-17"
# Trust policies are capped at 2,048 characters by default (4,096 with a quota raise).
TRUST_POLICY_MAX_CHARS = 2048


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
    return {"Version": POLICY_VERSION,
            "Statement": [_trust_statement(*parts)
                          for parts in _trust_parts(agent, aws, github)]}


def trust_policy_size(agent: Agent, aws: AwsDefaults, github: GitHubDefaults) -> int:
    """``len(render_json(trust_policy(agent, aws, github)))``, counted without building it.

    Every agent's trust policy is held to IAM's limit; a statement renders as a
    fixed frame (measured once) around its values, so its size is the frame's
    plus theirs.
    """
    sizes = [_trust_frame_size(bool(pins)) + _json_size(sid) + _json_size(principal)
             + _json_size(expiry) + _list_size(subjects) + _list_size(repository_ids)
             + (_list_size(pins) if pins else 0)
             for sid, principal, expiry, subjects, repository_ids, pins
             in _trust_parts(agent, aws, github)]
    return _EMPTY_TRUST_POLICY_SIZE + sum(sizes) + max(len(sizes) - 1, 0)


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
        f"{OIDC_HOST}:aud": STS_AUDIENCE,
        f"{OIDC_HOST}:sub": subjects,
        f"{OIDC_HOST}:repository_id": repository_ids,
    }
    if pins:
        equals[f"{OIDC_HOST}:job_workflow_ref"] = pins
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
    return len(render_json(empty)) - 3 * _json_size("") - 2 * _list_size([]) - (
        _list_size(pins) if pinned else 0)


def _list_size(strings: list[str]) -> int:
    # `[a,b,c]`: brackets, commas and each string.
    return 2 + max(len(strings) - 1, 0) + sum(_json_size(s) for s in strings)


def _json_size(text: str) -> int:
    # Printable ASCII other than `"` and `\` is written as is between two quotes;
    # anything else is measured by rendering it.
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return len(text) + 2
    return len(render_json(text))


_EMPTY_TRUST_POLICY_SIZE = len(render_json({"Version": POLICY_VERSION, "Statement": []}))


@dataclass(frozen=True)
class RolePlan:
    """Everything the role construct needs, already decided."""

    name: str
    arn: str
    description: str
    trust_policy: dict[str, Any]
    max_session_duration: int
    tags: dict[str, str] = field(default_factory=dict)


def has_role(agent: Agent, identities: IdentitiesFile) -> bool:
    """Whether the agent's stack holds an IAM role: for an ``aws`` scope, and also to be
    the only reader of deploy keys stored in AWS (``secrets: {store: aws}``)."""
    stores_in_aws = bool(agent.github.deploy_keys) and agent.secrets.store == "aws"
    return identities.defaults.aws is not None and (agent.aws is not None or stores_in_aws)


def plan_role(agent: Agent, identities: IdentitiesFile) -> RolePlan:
    """Plan the agent's IAM role from its record and the file's defaults."""
    aws = identities.defaults.aws
    if aws is None:
        raise ValueError("defaults.aws is required for agents with an aws: scope")
    return RolePlan(
        name=role_name(agent.name),
        arn=role_arn(aws, agent.name),
        description=f"agentid: {agent.description}"[:1000],
        trust_policy=trust_policy(agent, aws, identities.defaults.github),
        max_session_duration=identities.defaults.policy.max_session_minutes * 60,
        tags=tags(agent),
    )
