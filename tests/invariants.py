"""The trust invariants of docs/architecture.md §6.1 as one assertion, for plans and output."""

from __future__ import annotations

import re
from typing import Any

from cdk.model import Agent, AwsDefaults, GitHubDefaults
from cdk.plan import expiry_timestamp, job_workflow_ref
from cdk.subjects import accepted_subjects

OIDC = "token.actions.githubusercontent.com"
# AWS tag values: letters, digits, spaces and _ . : / = + - @ (max 256).
TAG_VALUE_RE = re.compile(r"^[\w\s.:/=+\-@]{0,256}$")


def assert_trust_invariants(policy: dict[str, Any], agent: Agent, aws: AwsDefaults,
                            github: GitHubDefaults) -> None:
    """Exact sub (in each entry's stated form), aud, repository_id, expiry;
    StringEquals only; nothing else allowed."""
    assert policy["Version"] == "2012-10-17"
    statements = policy["Statement"]
    assert statements, "a trust policy with no statement"
    subjects: set[str] = set()
    repo_ids: set[str] = set()
    pins: set[str] = set()
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert statement["Principal"] == {
            "Federated": f"arn:{aws.partition}:iam::{aws.account_id}:oidc-provider/{OIDC}"}
        condition = statement["Condition"]
        assert set(condition) == {"StringEquals", "DateLessThan"}, condition
        assert condition["DateLessThan"] == {"aws:CurrentTime": expiry_timestamp(agent)}
        equals = condition["StringEquals"]
        assert set(equals) <= {f"{OIDC}:aud", f"{OIDC}:sub", f"{OIDC}:repository_id",
                               f"{OIDC}:job_workflow_ref"}
        assert equals[f"{OIDC}:aud"] == "sts.amazonaws.com"
        assert equals[f"{OIDC}:sub"] and equals[f"{OIDC}:repository_id"]
        for sub in equals[f"{OIDC}:sub"]:
            assert re.fullmatch(r"repo:[^*?:@\s]+(@[0-9]+)?/[^*?:@\s]+(@[0-9]+)?"
                                r":environment:[^*?:\s]+", sub), sub
            assert "pull_request" not in sub
            # An immutable subject's repository id is one the statement also pins.
            ids = re.findall(r"@([0-9]+)", sub)
            assert not ids or ids[-1] in equals[f"{OIDC}:repository_id"], sub
        assert all(re.fullmatch(r"[1-9][0-9]*", i) for i in equals[f"{OIDC}:repository_id"])
        subjects.update(equals[f"{OIDC}:sub"])
        repo_ids.update(equals[f"{OIDC}:repository_id"])
        pins.update(equals.get(f"{OIDC}:job_workflow_ref", []))
    assert subjects == {sub for run in agent.runs_on
                        for sub in accepted_subjects(github, agent, run)}
    assert repo_ids == {str(run.repo_id) for run in agent.runs_on}
    assert pins == {ref for run in agent.runs_on if (ref := job_workflow_ref(run))}
    assert all("*" not in pin and "?" not in pin for pin in pins)


def assert_tags_are_valid(tags: dict[str, str]) -> None:
    """Every tag value fits AWS's tag character set and length."""
    for key, value in tags.items():
        assert TAG_VALUE_RE.fullmatch(value), (key, value)
