"""Record -> the agent's AWS alerts, as plain data (no provider bindings).

Two EventBridge rules on the account's default bus, each matching CloudTrail
events of exactly this agent's role (docs/alerts.md):

- ``access-denied``: a call whose caller is a session of the role (the session's
  issuer ARN *equals* the role's ARN: no prefix, so ``agent-docs`` never matches
  ``agent-docs-writer``) and whose ``errorCode`` is an access denial;
- ``refused-token``: a failed ``AssumeRoleWithWebIdentity`` naming the role's ARN
  (a token the trust refused: another repository, environment or an expired agent).

Each sends to every SNS topic of ``defaults.alerts.aws`` and the agent's own
``alerts.aws`` (in that order, without repeats), through an input transformer
whose message names the agent, its owner and rotation owner, the action, the
resource and the GitHub run (the role session name, ``agent-<name>-<run id>``,
docs/audit.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..model import Agent, IdentitiesFile
from ..names import principal, tags
from ..plan import alert_channels
from .plan import aws_defaults, has_role, role_arn

CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail"
# ENABLED alone skips read-only management events (Get*, List*, Describe*, and
# STS's AssumeRole* too): a denied read, the likeliest probe, would never match.
RULE_STATE = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
# The errorCode of a call IAM refused, per API protocol: ``AccessDenied`` (query
# and REST-XML APIs: S3, IAM, STS, SQS), ``AccessDeniedException`` (JSON APIs:
# KMS, Secrets Manager, DynamoDB, Lambda, ...), ``UnauthorizedOperation`` and
# ``Client.UnauthorizedOperation`` (EC2), ``AuthorizationError`` (SNS). Matched as
# the prefix ``AccessDenied`` (also ``AccessDeniedForDependency`` and the like),
# the rest exactly. Throttling, validation and not-found errors are not denials.
DENIAL_PREFIXES = ("AccessDenied",)
DENIAL_CODES = ("AuthorizationError", "Client.UnauthorizedOperation", "UnauthorizedOperation")
WEB_IDENTITY = "AssumeRoleWithWebIdentity"
# EventBridge allows five targets per rule; defaults' and the agent's topics together
# must fit (AgentId-AlertTopics refuses more rather than dropping one).
MAX_TARGETS = 5


@dataclass(frozen=True)
class AlertRule:
    """One EventBridge rule and the message its targets receive."""

    key: str
    name: str
    description: str
    event_pattern: dict[str, object]
    input_paths: dict[str, str]
    input_template: str
    state: str = RULE_STATE


@dataclass(frozen=True)
class AwsAlertsPlan:
    """The agent's alert rules and the topics every rule sends to."""

    role_arn: str
    topics: tuple[str, ...]
    rules: tuple[AlertRule, ...]
    tags: dict[str, str] = field(default_factory=dict)


def alert_topics(agent: Agent, identities: IdentitiesFile) -> tuple[str, ...]:
    """The SNS topics of ``defaults.alerts.aws`` then the agent's own, without repeats."""
    return alert_channels(agent, identities,
                          lambda alerts: alerts.aws.topics if alerts.aws is not None else ())


def plan_alerts(agent: Agent, identities: IdentitiesFile) -> AwsAlertsPlan | None:
    """The agent's AWS alerts; None when it has none (no role, revoked, or no topic)."""
    if agent.revoked is not None or not has_role(agent, identities):
        return None
    topics = alert_topics(agent, identities)
    if not topics:
        return None
    aws = aws_defaults(identities)
    arn = role_arn(aws, agent.name)
    who = {"agent": agent.name, "principal": principal(agent.name), "role": arn,
           "owner": agent.owner, "rotation_owner": agent.rotation_owner}
    return AwsAlertsPlan(role_arn=arn, topics=topics,
                         rules=(_denied(agent, arn, who), _refused(agent, arn, who)),
                         tags=tags(agent))


def _denied(agent: Agent, arn: str, who: dict[str, str]) -> AlertRule:
    pattern: dict[str, object] = {
        "detail-type": [CLOUDTRAIL_API_CALL],
        "detail": {
            "userIdentity": {"type": ["AssumedRole"],
                             "sessionContext": {"sessionIssuer": {"arn": [arn]}}},
            "errorCode": [*({"prefix": p} for p in DENIAL_PREFIXES), *DENIAL_CODES],
        },
    }
    paths = {"service": "$.detail.eventSource", "action": "$.detail.eventName",
             "error": "$.detail.errorCode", "message": "$.detail.errorMessage",
             "resource": "$.detail.resources[0].ARN", "session": "$.detail.userIdentity.arn",
             "region": "$.detail.awsRegion", "time": "$.detail.eventTime",
             "event": "$.detail.eventID"}
    static = {"alert": f"agentid: AWS refused a call by {principal(agent.name)}", **who,
              "github_run": (f"the session name (after the role name in session) is "
                             f"{principal(agent.name)}-RUNID, RUNID being the GitHub "
                             "Actions run id")}
    return AlertRule("access_denied", f"{principal(agent.name)}-access-denied",
                     f"agentid: calls by {principal(agent.name)} that AWS denied",
                     pattern, paths, _template(static, {
                         "action": "<service> <action>", "error": "<error>",
                         "error_message": "<message>", "resource": "<resource>",
                         "session": "<session>", "region": "<region>", "time": "<time>",
                         "event_id": "<event>"}))


def _refused(agent: Agent, arn: str, who: dict[str, str]) -> AlertRule:
    pattern: dict[str, object] = {
        "detail-type": [CLOUDTRAIL_API_CALL],
        "source": ["aws.sts"],
        "detail": {
            "eventSource": ["sts.amazonaws.com"],
            "eventName": [WEB_IDENTITY],
            "requestParameters": {"roleArn": [arn]},
            "errorCode": [{"exists": True}],
        },
    }
    paths = {"error": "$.detail.errorCode", "message": "$.detail.errorMessage",
             "session": "$.detail.requestParameters.roleSessionName",
             "subject": "$.detail.userIdentity.userName", "region": "$.detail.awsRegion",
             "time": "$.detail.eventTime", "event": "$.detail.eventID"}
    static = {"alert": f"agentid: AWS refused a GitHub token for {principal(agent.name)}",
              **who, "action": f"sts.amazonaws.com {WEB_IDENTITY}", "resource": arn}
    return AlertRule("refused_token", f"{principal(agent.name)}-refused-token",
                     f"agentid: tokens refused for {principal(agent.name)}",
                     pattern, paths, _template(static, {
                         "error": "<error>", "error_message": "<message>",
                         "github_run": "<session>", "token_subject": "<subject>",
                         "region": "<region>", "time": "<time>", "event_id": "<event>"}))


def _template(static: dict[str, str], placeholders: dict[str, str]) -> str:
    """A JSON object: record text as JSON strings, each placeholder inside quotes.

    EventBridge cannot escape ``<`` or ``>`` (they delimit placeholders), so record
    text holding one is refused rather than sent garbled; the record's patterns
    allow neither in names, owners or ARNs.
    """
    for key, value in static.items():
        if "<" in value or ">" in value:
            raise ValueError(f"alert text {key}={value!r} holds '<' or '>'")
    parts = [f"{json.dumps(k)}:{json.dumps(v)}" for k, v in static.items()]
    parts += [f"{json.dumps(k)}:\"{v}\"" for k, v in placeholders.items()]
    return "{" + ",".join(parts) + "}"
