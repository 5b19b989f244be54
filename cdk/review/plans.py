"""The single door from a record to the policy documents the review compares.

Review works on a mapping document name -> IAM policy document. Today that is
the trust policy from :mod:`cdk.aws.plan` plus a permissions document expanded
from the record's access levels and statements with policy_sentry; when the AWS
scope plan lands, this function returns its ``policy_documents`` instead and
nothing else in ``cdk.review`` changes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..aws.plan import POLICY_VERSION, trust_policy
from ..model import Agent, AwsScope, IdentitiesFile

PolicyDocument = dict[str, Any]


def agent_documents(agent: Agent, identities: IdentitiesFile) -> dict[str, PolicyDocument]:
    """Document name -> policy document of the agent (empty for a tombstone)."""
    aws = identities.defaults.aws
    if agent.revoked is not None or agent.aws is None or aws is None:
        return {}
    return {
        "trust": trust_policy(agent, aws),
        "permissions": _permissions(agent.aws, agent.must_never_hold),
    }


def _permissions(scope: AwsScope, never: tuple[str, ...]) -> PolicyDocument:
    statements: list[dict[str, Any]] = []
    levels = tuple((level, arns) for level, arns in scope.access.levels().items() if arns)
    if levels:
        statements.extend(_access_statements(levels))
    for number, extra in enumerate(scope.statements, 1):
        statements.append({"Sid": f"RecordStatement{number}", "Effect": "Allow",
                           "Action": sorted(extra.actions), "Resource": sorted(extra.resources)})
    if never:
        statements.append({"Sid": "MustNeverHold", "Effect": "Deny",
                           "Action": sorted(never), "Resource": "*"})
    return {"Version": POLICY_VERSION, "Statement": statements}


@lru_cache(maxsize=256)
def _access_statements(levels: tuple[tuple[str, tuple[str, ...]], ...]
                       ) -> tuple[dict[str, Any], ...]:
    # policy_sentry's catalog is large; one expansion per distinct scope.
    from policy_sentry.command.write_policy import write_policy_with_template

    template: dict[str, Any] = {"mode": "crud"}
    for level, arns in levels:
        template[level] = list(arns)
    written = write_policy_with_template(template)
    return tuple(s for s in written.get("Statement", ()) if isinstance(s, dict))
