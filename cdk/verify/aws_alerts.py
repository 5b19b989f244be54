"""AWS invariants on an agent's alerts: EventBridge rules that watch exactly its role,
and targets that are exactly the record's SNS topics (docs/alerts.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..model import Agent, AwsDefaults
from . import expect
from .aws_common import AWS, _role_arn
from .core import Finding, Reporter, Resource, Stack

RULE = "aws_cloudwatch_event_rule"
TARGET = "aws_cloudwatch_event_target"
# Restated from the plan on purpose (docs/architecture.md §1): what the rules match on.
API_CALL = "AWS API Call via CloudTrail"
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
WEB_IDENTITY = "AssumeRoleWithWebIdentity"
# Where a pattern names the caller: a session's issuer (the role), or the role a
# web identity token asked for.
SESSION_ISSUER = ("detail", "userIdentity", "sessionContext", "sessionIssuer", "arn")
ASKED_ROLE = ("detail", "requestParameters", "roleArn")


def _pattern(rule: Resource) -> dict[str, Any] | None:
    try:
        pattern = json.loads(rule.get("event_pattern"))
    except (TypeError, ValueError):
        return None
    return pattern if isinstance(pattern, dict) else None


def _at(pattern: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = pattern
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _has_or(node: Any) -> bool:
    """Whether ``$or`` appears anywhere: the one way a pattern matches more than each of
    its fields allows (fields are otherwise ANDed)."""
    if isinstance(node, dict):
        return "$or" in node or any(_has_or(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_or(v) for v in node)
    return False


def _rule_problem(pattern: dict[str, Any], role: str) -> str | None:
    """What makes a rule's pattern match more than calls about ``role``, or None."""
    if pattern.get("detail-type") != [API_CALL]:
        return f"detail-type is {pattern.get('detail-type')!r}, not [{API_CALL!r}]"
    if _has_or(pattern):
        return "the pattern holds `$or`: it may match callers other than the agent's role"
    named = {path: _at(pattern, path) for path in (SESSION_ISSUER, ASKED_ROLE)}
    present = {path: value for path, value in named.items() if value is not None}
    if len(present) != 1:
        return ("the pattern must name the agent's role in exactly one of "
                f"{'.'.join(SESSION_ISSUER)} or {'.'.join(ASKED_ROLE)}")
    path, value = next(iter(present.items()))
    if value != [role]:
        return (f"{'.'.join(path)} is {value!r}, not exactly [{role!r}] (no prefix, "
                "wildcard, anything-but or other role)")
    return None


def _kind(pattern: dict[str, Any]) -> str:
    if _at(pattern, SESSION_ISSUER) is not None and _at(pattern, ("detail", "errorCode")):
        return "denied"
    if _at(pattern, ASKED_ROLE) is not None and _at(pattern, ("detail", "eventName")) == [
            WEB_IDENTITY] and _at(pattern, ("detail", "errorCode")):
        return "refused"
    return "other"


def alert_rules(stack: Stack, report: Reporter, agent: Agent,
                aws: AwsDefaults) -> Iterator[Finding]:
    """Each EventBridge rule matches CloudTrail calls of exactly the agent's role (the
    session issuer or the asked role equal to its ARN: no prefix, wildcard or `$or`),
    on the default bus, with read-only management events included; an agent with
    alert topics has a rule for its denied calls and one for its refused tokens."""
    role = _role_arn(aws, agent)
    topics = expect.aws_alert_topics(stack.identities, agent)
    kinds: set[str] = set()
    for rule in stack.resources(RULE):
        pattern = _pattern(rule)
        if pattern is None:
            yield report(rule.address, "event_pattern is not a JSON object")
            continue
        problem = _rule_problem(pattern, role)
        if problem is not None:
            yield report(rule.address, problem)
        if rule.get("state") != ALL_MANAGEMENT_EVENTS:
            yield report(rule.address, f"state is {rule.get('state')!r}, not "
                                       f"{ALL_MANAGEMENT_EVENTS}: denied read-only calls "
                                       "would never match")
        if rule.get("event_bus_name", "default") != "default":
            yield report(rule.address, "the rule is not on the default bus, where CloudTrail "
                                       "events arrive")
        if rule.get("schedule_expression") is not None:
            yield report(rule.address, "a scheduled rule is nothing agentid writes")
        kinds.add(_kind(pattern))
    if topics:
        for kind, what in (("denied", "calls AWS denied"), ("refused", "refused tokens")):
            if kind not in kinds:
                yield report(stack.name, f"no EventBridge rule alerts on the role's {what}, "
                                         "though the record names alert topics")


def alert_targets(stack: Stack, report: Reporter, agent: Agent,
                  aws: AwsDefaults) -> Iterator[Finding]:
    """Every alert rule sends to exactly the record's SNS topics (`defaults.alerts.aws`
    and the agent's own), with a message naming the agent, its owner and rotation
    owner; no target sends anywhere else or acts through a role."""
    topics = set(expect.aws_alert_topics(stack.identities, agent))
    sent: dict[str, set[str]] = {rule.address: set() for rule in stack.resources(RULE)}
    for target in stack.resources(TARGET):
        rule = stack.reference(target.get("rule"), RULE)
        if rule is None:
            yield report(target.address, f"rule {target.get('rule')!r} is not an "
                                         "EventBridge rule of this stack")
            continue
        arn = target.get("arn")
        if arn not in topics:
            yield report(target.address, f"sends to {arn!r}, not one of the record's alert "
                                         f"topics {sorted(topics)}")
        else:
            sent[rule.address].add(arn)
        if target.get("role_arn") is not None:
            yield report(target.address, "the target acts through a role: an SNS topic "
                                         "needs none")
        template = (target.get("input_transformer") or {}).get("input_template")
        wanted = {"agent": agent.name, "owner": agent.owner,
                  "rotation_owner": agent.rotation_owner}
        missing = [key for key, value in wanted.items()
                   if not isinstance(template, str)
                   or f"{json.dumps(key)}:{json.dumps(value)}" not in template]
        if missing:
            yield report(target.address, f"the message does not name the {', '.join(missing)}")
    for address, arns in sorted(sent.items()):
        if arns != topics:
            yield report(address, f"alerts go to {sorted(arns)}, not the record's topics "
                                  f"{sorted(topics)}")


ALERT_RULES = AWS.per_agent(
    "AwsAlertRules",
    "Alert rules match CloudTrail calls of exactly the agent's role (its ARN, no prefix, "
    "wildcard or `$or`), read-only calls included; an agent with alert topics has a rule "
    "for denied calls and one for refused tokens.", alert_rules)
ALERT_TARGETS = AWS.per_agent(
    "AwsAlertTargets",
    "Alert rules send to exactly the record's SNS topics, with a message naming the agent, "
    "its owner and rotation owner.", alert_targets)
