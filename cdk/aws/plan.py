"""Record -> AWS role plan, as plain data (no provider bindings).

The trust policy follows SECURITY.md: ``StringEquals`` only, exact subjects,
audience, numeric repository ids, optional workflow pin, and an expiry the
cloud enforces on its own through ``aws:CurrentTime``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Agent, AwsDefaults, IdentitiesFile, RunsOn
from ..names import OIDC_HOST, STS_AUDIENCE, role_name, tags
from ..plan import expiry_timestamp, job_workflow_ref, subject_of

POLICY_VERSION = "2012-10-17"
# Trust policies are capped at 2,048 characters by default (4,096 with a quota raise).
TRUST_POLICY_MAX_CHARS = 2048


def oidc_provider_arn(aws: AwsDefaults) -> str:
    """ARN of the account's GitHub OIDC provider (created by the foundation stack)."""
    return f"arn:{aws.partition}:iam::{aws.account_id}:oidc-provider/{OIDC_HOST}"


def role_arn(aws: AwsDefaults, name: str) -> str:
    """Deterministic ARN of an agent's role, so stacks never reference each other."""
    return f"arn:{aws.partition}:iam::{aws.account_id}:role/{role_name(name)}"


def trust_policy(agent: Agent, aws: AwsDefaults) -> dict[str, Any]:
    """The role's trust policy.

    Entries without a workflow pin share one statement with the exact lists of
    subjects and repository ids. Each pinned entry gets its own statement, so a
    pin on one repository never applies to (or is satisfied by) another.
    """
    unpinned = [run for run in agent.runs_on if job_workflow_ref(run) is None]
    pinned = [run for run in agent.runs_on if job_workflow_ref(run) is not None]
    statements = []
    if unpinned:
        statements.append(_trust_statement("GitHubActionsEnvironments", agent, aws, unpinned))
    for number, run in enumerate(pinned, 1):
        statements.append(_trust_statement(f"GitHubActionsPinnedWorkflow{number}", agent, aws,
                                           [run]))
    return {"Version": POLICY_VERSION, "Statement": statements}


def _trust_statement(sid: str, agent: Agent, aws: AwsDefaults, runs: list[RunsOn]
                     ) -> dict[str, Any]:
    equals: dict[str, Any] = {
        f"{OIDC_HOST}:aud": STS_AUDIENCE,
        f"{OIDC_HOST}:sub": sorted({subject_of(agent, run) for run in runs}),
        f"{OIDC_HOST}:repository_id": sorted({str(run.repo_id) for run in runs}, key=int),
    }
    pins = sorted({ref for run in runs if (ref := job_workflow_ref(run)) is not None})
    if pins:
        equals[f"{OIDC_HOST}:job_workflow_ref"] = pins
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Federated": oidc_provider_arn(aws)},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": equals,
            "DateLessThan": {"aws:CurrentTime": expiry_timestamp(agent)},
        },
    }


@dataclass(frozen=True)
class RolePlan:
    """Everything the role construct needs, already decided."""

    name: str
    arn: str
    description: str
    trust_policy: dict[str, Any]
    max_session_duration: int
    tags: dict[str, str] = field(default_factory=dict)


def plan_role(agent: Agent, identities: IdentitiesFile) -> RolePlan:
    """Plan the agent's IAM role from its record and the file's defaults."""
    aws = identities.defaults.aws
    if aws is None:
        raise ValueError("defaults.aws is required for agents with an aws: scope")
    return RolePlan(
        name=role_name(agent.name),
        arn=role_arn(aws, agent.name),
        description=f"agentid: {agent.description}"[:1000],
        trust_policy=trust_policy(agent, aws),
        max_session_duration=identities.defaults.policy.max_session_minutes * 60,
        tags=tags(agent),
    )
