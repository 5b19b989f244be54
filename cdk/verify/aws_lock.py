"""AWS invariant of a locked agent: its role stays, but trusts no token and may do nothing.

Judged by meaning, not by text: a trust that admits no token has no ``Allow`` and
an unconditional ``Deny`` of ``sts:AssumeRoleWithWebIdentity`` to the account's
GitHub OIDC provider; a policy that denies every action has no ``Allow`` and an
unconditional ``Deny`` of ``*`` on ``*``. The inline policy and the boundary must
both say so: IAM evaluates both on every request, so sessions issued before the
lock stop as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Agent, AwsDefaults
from ..names import OIDC_HOST, boundary_policy_name, scope_policy_name
from . import expect
from .aws_common import AWS, WEB_IDENTITY, _roles
from .core import Finding, Reporter, Resource, Stack, listed, policy, statements


def _unconditional_denies(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in statements(document) if s.get("Effect") == "Deny"
            and "Condition" not in s and "NotAction" not in s and "NotResource" not in s
            and "NotPrincipal" not in s]


def trust_problem(document: dict[str, Any] | None, provider: str) -> str | None:
    """Why a locked role's trust document may still admit a token (None: it admits none)."""
    if document is None:
        return "the trust policy is not literal JSON"
    effects = sorted({str(s.get("Effect")) for s in statements(document)} - {"Deny"})
    if effects:
        return f"the trust has {', '.join(effects)} statements: a locked role admits no token"
    if not any(s.get("Principal") in ({"Federated": provider}, "*", {"AWS": "*"})
               and any(a in (WEB_IDENTITY, "*", "sts:*") for a in listed(s.get("Action")))
               for s in _unconditional_denies(document)):
        return (f"the trust does not deny {WEB_IDENTITY} to {provider} without condition")
    return None


def deny_all_problem(document: dict[str, Any] | None) -> str | None:
    """Why a locked role's inline policy or boundary may still allow something (None: it
    denies every action on every resource)."""
    if document is None:
        return "the policy is not literal JSON"
    effects = sorted({str(s.get("Effect")) for s in statements(document)} - {"Deny"})
    if effects:
        return f"the policy has {', '.join(effects)} statements: a locked role may do nothing"
    if not any("*" in listed(s.get("Action")) and "*" in listed(s.get("Resource"))
               for s in _unconditional_denies(document)):
        return "the policy does not deny every action (*) on every resource (*)"
    return None


def locked_role(stack: Stack, report: Reporter,
                agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """A locked agent's role trusts no token: only an unconditional deny of
    ``sts:AssumeRoleWithWebIdentity`` to the GitHub OIDC provider. Its inline policy
    (kept under its name) and its boundary deny every action on every resource and
    allow nothing."""
    if not expect.locked(agent):
        return
    provider = f"arn:{aws.partition}:iam::{aws.account_id}:oidc-provider/{OIDC_HOST}"
    roles = _roles(stack)
    if not roles:
        yield report(stack.name, "no aws_iam_role: a locked agent keeps its role")
    for role in roles:
        problem = trust_problem(policy(role.get("assume_role_policy")), provider)
        if problem is not None:
            yield report(role.address, problem)
    inline = stack.resources("aws_iam_role_policy")
    name = scope_policy_name(agent.name)
    if [str(p.get("name")) for p in inline] != [name]:
        yield report(stack.name, f"inline policies {sorted(str(p.get('name')) for p in inline)}"
                                 f": a locked role has exactly {name}, denying everything")
    boundaries = [p for p in stack.resources("aws_iam_policy")
                  if p.get("name") == boundary_policy_name(agent.name)]
    resources: list[Resource] = [*inline, *boundaries]
    for resource in resources:
        problem = deny_all_problem(policy(resource.get("policy")))
        if problem is not None:
            yield report(resource.address, problem)


LOCKED = AWS.per_agent(
    "AwsLocked",
    "A locked agent's role trusts no token (only a deny of "
    "`sts:AssumeRoleWithWebIdentity`), and its inline policy and boundary deny every "
    "action on every resource.", locked_role)
