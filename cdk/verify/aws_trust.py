"""AWS invariants on the role's trust: the principal, its conditions and subjects, and
the session length."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Agent, AwsDefaults
from ..names import (
    FOUNDATION,
    OIDC_HOST,
    STS_AUDIENCE,
    role_name,
)
from . import expect
from .aws_common import AWS, TRUST_KEYS, WEB_IDENTITY, _one, _roles, _sid
from .core import (
    Finding,
    Reporter,
    Resource,
    Stack,
    listed,
    policy,
    statements,
)


def _trust_statements(stack: Stack, report: Reporter
                      ) -> Iterator[tuple[Resource, str, dict[str, Any]] | Finding]:
    roles = _roles(stack)
    if not roles:
        yield report(stack.name, "no aws_iam_role: the record calls for the agent's role")
    for role in roles:
        document = policy(role.get("assume_role_policy"))
        if document is None:
            yield report(role.address, "the trust policy is not literal JSON")
            continue
        found = statements(document)
        if not found:
            yield report(role.address, "the trust policy has no statement")
        for i, statement in enumerate(found):
            yield role, _sid(statement, i), statement


def trust_principal(stack: Stack, report: Reporter) -> Iterator[Finding]:
    """The agent's one role ``agent-<name>`` trusts only ``sts:AssumeRoleWithWebIdentity``
    from the account's GitHub OIDC provider (which the foundation stack holds, for the
    STS audience only); no other principal, action or effect."""
    if stack.name == FOUNDATION:
        yield from _oidc_provider(stack, report)
    found_stack = AWS.live(stack)
    if found_stack is None:
        return
    agent, aws = found_stack
    names = [str(r.get("name")) for r in _roles(stack)]
    if names and names != [role_name(agent.name)]:
        yield report(stack.name, f"roles {names}: the record calls for one, "
                                 f"{role_name(agent.name)}")
    provider = f"arn:{aws.partition}:iam::{aws.account_id}:oidc-provider/{OIDC_HOST}"
    for found in _trust_statements(stack, report):
        if isinstance(found, Finding):
            yield found
            continue
        role, sid, statement = found
        if statement.get("Effect") != "Allow":
            continue  # a Deny only narrows
        if "NotPrincipal" in statement or "NotAction" in statement:
            yield report(role.address, f"{sid} trusts by NotPrincipal/NotAction")
        if statement.get("Principal") != {"Federated": provider}:
            yield report(role.address, f"{sid} trusts {statement.get('Principal')!r}, not "
                                       f"only the GitHub OIDC provider {provider}")
        if listed(statement.get("Action")) != [WEB_IDENTITY]:
            yield report(role.address, f"{sid} allows {statement.get('Action')!r}, not only "
                                       f"{WEB_IDENTITY}")


def _oidc_provider(stack: Stack, report: Reporter) -> Iterator[Finding]:
    identities = stack.identities
    if identities.defaults.aws is None or not any(
            expect.uses_aws(identities, a) for a in identities.agents):
        return
    providers = stack.resources("aws_iam_openid_connect_provider")
    if not providers:
        yield report(stack.name, "no GitHub OIDC provider: no agent role can be trusted")
    for provider in providers:
        if provider.get("url") != expect.GITHUB_ISSUER or listed(
                provider.get("client_id_list")) != [STS_AUDIENCE]:
            yield report(provider.address, f"the provider is not {expect.GITHUB_ISSUER} "
                                           f"for the audience {STS_AUDIENCE} only")


def trust_conditions(stack: Stack, report: Reporter,
                     agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """Each trust statement holds ``StringEquals`` on audience, subjects and repository ids
    and ``DateLessThan`` on ``aws:CurrentTime`` at expiry; no other operator (no
    ``StringLike``, no ``ForAllValues:``)."""
    for found in _trust_statements(stack, report):
        if isinstance(found, Finding):
            continue  # reported by the trust-principal invariant
        role, sid, statement = found
        if statement.get("Effect") != "Allow":
            continue
        condition = statement.get("Condition")
        if not isinstance(condition, dict):
            yield report(role.address, f"{sid} has no condition: any token of the provider")
            continue
        extra = sorted(set(condition) - {"StringEquals", "DateLessThan"})
        if extra:
            yield report(role.address, f"{sid} uses {', '.join(extra)}: only StringEquals and "
                                       "DateLessThan are exact")
        equals = condition.get("StringEquals")
        equals = equals if isinstance(equals, dict) else {}
        unknown = sorted(set(equals) - TRUST_KEYS)
        if unknown:
            yield report(role.address, f"{sid} compares {', '.join(unknown)}")
        if _one(equals.get(f"{OIDC_HOST}:aud")) != STS_AUDIENCE:
            yield report(role.address, f"{sid} does not pin the audience to {STS_AUDIENCE}")
        for key in ("sub", "repository_id"):
            if not listed(equals.get(f"{OIDC_HOST}:{key}")):
                yield report(role.address, f"{sid} has no StringEquals on {OIDC_HOST}:{key}")
        if condition.get("DateLessThan") != {"aws:CurrentTime": expect.expiry(agent)}:
            yield report(role.address, f"{sid} does not end at {expect.expiry(agent)} "
                                       "(DateLessThan aws:CurrentTime)")


def trust_subjects(stack: Stack, report: Reporter,
                   agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """The trust accepts exactly the record's subjects, repository ids and workflow pins
    (a locked agent's: none), and a pinned entry's subject only together with its pin."""
    identities = stack.identities
    runs = [(run, expect.subjects(identities, agent, run), expect.workflow_pin(run))
            for run in agent.runs_on if not expect.locked(agent)]
    want_subjects = {s for _, subs, _ in runs for s in subs}
    want_ids = {str(run.repo_id) for run, _, _ in runs}
    want_pins = {pin for _, _, pin in runs if pin is not None}
    unpinned = {s for _, subs, pin in runs if pin is None for s in subs}
    got_subjects: set[str] = set()
    got_ids: set[str] = set()
    got_pins: set[str] = set()
    roles: list[str] = []
    for found in _trust_statements(stack, report):
        if isinstance(found, Finding):
            continue
        role, sid, statement = found
        roles.append(role.address)
        if statement.get("Effect") != "Allow":
            continue
        condition = statement.get("Condition")
        equals = condition.get("StringEquals") if isinstance(condition, dict) else None
        equals = equals if isinstance(equals, dict) else {}
        subs = {str(s) for s in listed(equals.get(f"{OIDC_HOST}:sub"))}
        pins = {str(p) for p in listed(equals.get(f"{OIDC_HOST}:job_workflow_ref"))}
        got_subjects |= subs
        got_ids |= {str(i) for i in listed(equals.get(f"{OIDC_HOST}:repository_id"))}
        got_pins |= pins
        if not pins and subs - unpinned:
            yield report(role.address, f"{sid} accepts {sorted(subs - unpinned)} without the "
                                       "workflow pin the record gives them")
        for pin in pins:
            allowed = {s for _, s_, p in runs if p == pin for s in s_}
            if subs - allowed:
                yield report(role.address, f"{sid} accepts {sorted(subs - allowed)} with the "
                                           f"pin {pin} of another entry")
    where = roles[0] if roles else stack.name
    for label, got, want in (("subjects", got_subjects, want_subjects),
                             ("repository ids", got_ids, want_ids),
                             ("workflow pins", got_pins, want_pins)):
        if roles and got != want:
            extra, missing = sorted(got - want), sorted(want - got)
            yield report(where, f"the trust's {label} differ from the record's: "
                                f"extra {extra}, missing {missing}")


def session_length(stack: Stack, report: Reporter,
                   agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """The role's sessions last ``defaults.policy.max_session_minutes``, no longer."""
    seconds = stack.identities.defaults.policy.max_session_minutes * 60
    for role in _roles(stack):
        if role.get("max_session_duration") != seconds:
            yield report(role.address, f"max_session_duration is "
                                       f"{role.get('max_session_duration')!r}, not {seconds}")


TRUST_PRINCIPAL = AWS.invariant(
    "AwsTrustPrincipal",
    "The role trusts only `sts:AssumeRoleWithWebIdentity` from the account's GitHub OIDC "
    "provider; nothing else is a principal.", trust_principal)
TRUST_CONDITIONS = AWS.per_agent(
    "AwsTrustConditions",
    "Trust conditions are `StringEquals` on audience, subjects and repository ids plus "
    "`DateLessThan` `aws:CurrentTime` at expiry; no `StringLike`, no `ForAllValues:`.",
    trust_conditions)
TRUST_SUBJECTS = AWS.per_agent(
    "AwsTrustSubjects",
    "The trust accepts exactly the record's subjects, repository ids and workflow pins "
    "(a locked agent's: none).",
    trust_subjects)
SESSION_LENGTH = AWS.per_agent(
    "AwsSessionLength", "The role's sessions last `max_session_minutes`, no longer.",
    session_length)
