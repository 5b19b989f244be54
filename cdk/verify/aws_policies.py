"""AWS invariants on the role's identity policies: no wildcard action, wildcard
resources narrowed, always-denied actions never allowed, no other agent's resources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Agent, AwsDefaults
from ..names import (
    kms_alias,
)
from ..names import secret_name as deploy_key_secret_name
from . import expect
from .aws_common import (
    ALERT_RULE_WRITES,
    ALERT_TOPIC_WRITES,
    ALWAYS_DENIED,
    AWS,
    SECRET_WRITES,
    _account_secrets,
    _alert_rules,
    _allows,
    _aws_never_hold,
)
from .core import (
    Finding,
    Reporter,
    Stack,
    arns_overlap,
    globs_overlap,
    listed,
)


def no_wildcard_action(stack: Stack, report: Reporter,
                       agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """No Allow names an action with ``*`` or ``?``, or allows by ``NotAction``."""
    for found in _allows(stack, report):
        if isinstance(found, Finding):
            yield found
            continue
        resource, sid, statement = found
        if "NotAction" in statement:
            yield report(resource.address, f"{sid} allows by NotAction: everything but a list")
        for action in listed(statement.get("Action")):
            if not isinstance(action, str) or "*" in action or "?" in action:
                yield report(resource.address, f"{sid} allows the wildcard action {action!r}")


def _own_secret_arns(agent: Agent, aws: AwsDefaults) -> set[str]:
    if not expect.uses_store(agent, "aws"):
        return set()
    prefix = f"arn:{aws.partition}:secretsmanager:{aws.region}:{aws.account_id}:secret:"
    names = {deploy_key_secret_name(agent.name, key.repo) for key in agent.github.deploy_keys
             } if expect.holds_deploy_keys(agent) else set()
    if expect.holds_app(agent):
        names.add(expect.app_key_secret_name(agent))
    return {f"{prefix}{name}-??????" for name in names}


def _narrowed_to_own(statement: dict[str, Any], agent: Agent, aws: AwsDefaults) -> bool:
    """Whether a condition of the statement limits it to the agent's own key or secrets."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return False
    aliases = condition.get("ForAnyValue:StringEquals", {})
    if isinstance(aliases, dict) and listed(aliases.get("kms:ResourceAliases")) == [
            kms_alias(agent.name)]:
        return True
    own = (f"arn:{aws.partition}:secretsmanager:{aws.region}:{aws.account_id}:secret:"
           f"agents/{agent.name}/deploy-keys/")
    for operator in ("StringEquals", "StringLike"):
        block = condition.get(operator, {})
        values = listed(block.get("kms:EncryptionContext:SecretARN")) if isinstance(
            block, dict) else []
        if values and all(isinstance(v, str) and v.startswith(own) for v in values):
            return True
    return False


def wildcard_resource_narrowed(stack: Stack, report: Reporter,
                               agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """Every Allow resource with a wildcard is one the record lists for those actions, one
    of the agent's own secrets, or narrowed by a condition to the agent's own resources."""
    scope = agent.aws
    level_arns = {arn for arns in scope.access.levels().values() for arn in arns
                  } if scope else set()
    listed_for: dict[str, set[str]] = {}
    for entry in scope.statements if scope else ():
        for arn in entry.resources:
            listed_for.setdefault(arn, set()).update(a.lower() for a in entry.actions)
    own_secrets = _own_secret_arns(agent, aws)
    for found in _allows(stack, report):
        if isinstance(found, Finding):
            continue  # reported by the wildcard-action invariant
        resource, sid, statement = found
        if "NotResource" in statement:
            yield report(resource.address, f"{sid} allows by NotResource: everything but a list")
        named_actions = sorted(a for a in listed(statement.get("Action")) if isinstance(a, str))
        actions = {a.lower() for a in named_actions}
        for arn in listed(statement.get("Resource")):
            if not isinstance(arn, str):
                yield report(resource.address, f"{sid} has a resource that is not a string")
                continue
            if "*" not in arn and "?" not in arn:
                continue
            if arn in level_arns or arn in own_secrets or actions <= listed_for.get(arn, set()):
                continue
            if _narrowed_to_own(statement, agent, aws):
                continue
            yield report(resource.address,
                         f"{sid} allows {', '.join(named_actions)} on {arn}, which the record "
                         "does not list for them, with no condition narrowing it to the "
                         "agent's own resources")


def always_denied_never_allowed(stack: Stack, report: Reporter,
                                agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """No Allow of identity or credential changes, other roles' sessions, key or secret
    policy writes, writes to agents' secrets, writes to any agent's alert rules or to a
    topic any agent alerts to, or the record's ``must_never_hold``."""
    never = _aws_never_hold(agent)
    agent_secrets = _account_secrets(aws)
    alert_rules = _alert_rules(aws)
    topics = {t for other in stack.identities.agents
              for t in expect.aws_alert_topics(stack.identities, other)}
    for found in _allows(stack, report):
        if isinstance(found, Finding):
            continue  # reported by the wildcard-action invariant
        resource, sid, statement = found
        resources = [r for r in listed(statement.get("Resource")) if isinstance(r, str)]
        for action in listed(statement.get("Action")):
            if not isinstance(action, str):
                continue
            hits = [d for d in (*ALWAYS_DENIED, *never) if globs_overlap(action, d)]
            if any(arns_overlap(r, agent_secrets) for r in resources):
                hits += [d for d in SECRET_WRITES if globs_overlap(action, d)]
            if any(arns_overlap(r, alert_rules) for r in resources):
                hits += [d for d in ALERT_RULE_WRITES if globs_overlap(action, d)]
            if any(arns_overlap(r, t) for r in resources for t in topics):
                hits += [d for d in ALERT_TOPIC_WRITES if globs_overlap(action, d)]
            if hits:
                yield report(resource.address,
                             f"{sid} allows {action}, which agentid always denies "
                             f"({', '.join(sorted(set(hits))[:3])})")


def no_grant_on_other_agents(stack: Stack, report: Reporter,
                             agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """No Allow reaches a deploy-key secret outside the agent's own, or names another
    agent's key."""
    # agentid owns the `agents/` namespace of secrets: an agent reaches only its own part.
    every_agents = _account_secrets(aws)
    own = (f"arn:{aws.partition}:secretsmanager:{aws.region}:{aws.account_id}:secret:"
           f"agents/{agent.name}/")
    other_aliases = {kms_alias(a.name) for a in stack.identities.agents if a.name != agent.name}
    for found in _allows(stack, report):
        if isinstance(found, Finding):
            continue
        resource, sid, statement = found
        named = sorted(other_aliases & _condition_values(statement))
        if named:
            yield report(resource.address, f"{sid} names another agent's key {named[0]}")
        actions = [a.lower() for a in listed(statement.get("Action")) if isinstance(a, str)]
        if not any(a.startswith("secretsmanager:") or a == "*" for a in actions):
            continue
        for arn in listed(statement.get("Resource")):
            if isinstance(arn, str) and arns_overlap(arn, every_agents) and not (
                    arn.startswith(own) and "*" not in arn[:len(own)]):
                yield report(resource.address, f"{sid} reaches agents' deploy-key secrets "
                                               f"beyond {own}* through {arn}")


def _condition_values(statement: dict[str, Any]) -> set[str]:
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return set()
    return {str(v) for block in condition.values() if isinstance(block, dict)
            for value in block.values() for v in listed(value)}


NO_WILDCARD_ACTION = AWS.per_agent(
    "AwsNoWildcardAction", "No Allow names a wildcard action or allows by `NotAction`.",
    no_wildcard_action)
WILDCARD_RESOURCE = AWS.per_agent(
    "AwsWildcardResourceNarrowed",
    "Every Allow resource containing `*` is one the record lists for those actions, the "
    "agent's own secret, or narrowed by a condition to the agent's own resources.",
    wildcard_resource_narrowed)
ALWAYS_DENIED_ALLOWED = AWS.per_agent(
    "AwsAlwaysDeniedNeverAllowed",
    "No Allow of IAM writes, `iam:PassRole`, `sts:AssumeRole*`, key or secret policy "
    "writes, writes to agents' secrets, writes to any agent's alert rules or alert "
    "topics, or the record's `must_never_hold`.",
    always_denied_never_allowed)
NO_GRANT_ON_OTHER_AGENTS = AWS.per_agent(
    "AwsNoGrantOnOtherAgents", "No Allow reaches a deploy-key secret other than the "
    "agent's own, or names another agent's KMS key.",
    no_grant_on_other_agents)
