"""Rules about an agent's AWS identity."""

from __future__ import annotations

from collections.abc import Iterator

from ..aws.alerts_plan import MAX_TARGETS, alert_topics
from ..aws.document import TRUST_POLICY_MAX_CHARS
from ..aws.plan import has_role, trust_policy_size, uses_aws
from ..checks.common import defaults_missing
from ..checks.engine import Problem, rule
from ..errors import Path
from ..model import IdentitiesFile


@rule("AgentId-AwsDefaultsMissing")
def aws_defaults_missing(identities: IdentitiesFile) -> Iterator[Problem]:
    """An AWS scope needs the account and region it lives in; guessing them from the
    deployer's credentials would put an agent wherever those happen to point."""
    yield from defaults_missing(
        identities, identities.defaults.aws, uses_aws, lambda agent: "aws", "AWS", "aws",
        '{account_id: "123456789012", region: eu-west-1}')


@rule("AgentId-TrustPolicyTooLarge")
def trust_policy_too_large(identities: IdentitiesFile) -> Iterator[Problem]:
    """IAM refuses trust policies over 2,048 characters; better to hear it in review
    than halfway through an apply."""
    aws = identities.defaults.aws
    if aws is None:
        return
    for i, agent in enumerate(identities.agents):
        # Every agent with a role, also one that only reads its deploy keys from AWS.
        if not uses_aws(agent):
            continue
        size = trust_policy_size(agent, aws, identities.defaults.github)
        if size > TRUST_POLICY_MAX_CHARS:
            yield Problem(("agents", i, "runs_on"),
                          f"trust policy would be {size} characters, over IAM's "
                          f"{TRUST_POLICY_MAX_CHARS}",
                          "split the agent: one agent per group of repositories")


def _topic_sections(identities: IdentitiesFile) -> list[tuple[Path, tuple[str, ...]]]:
    """``(path of alerts.aws, its topics)`` of defaults and of each agent that has one."""
    sections: list[tuple[Path, tuple[str, ...]]] = []
    for path, alerts in [(("defaults", "alerts"), identities.defaults.alerts),
                         *((("agents", i, "alerts"), agent.alerts)
                           for i, agent in enumerate(identities.agents))]:
        if alerts is not None and alerts.aws is not None:
            sections.append(((*path, "aws"), alerts.aws.topics))
    return sections


@rule("AgentId-AlertTopicElsewhere")
def alert_topic_elsewhere(identities: IdentitiesFile) -> Iterator[Problem]:
    """An agent's EventBridge rules live in the file's account and region and send
    only to a topic there: an alert must never leave the account (another account's
    topic would learn what the agent was refused), and EventBridge delivers to an SNS
    topic only in the rule's own Region, so a topic elsewhere would silently get
    nothing."""
    aws = identities.defaults.aws
    if aws is None:
        return
    for path, topics in _topic_sections(identities):
        for j, topic in enumerate(topics):
            partition, _, region, account = topic.split(":")[1:5]
            where = None
            if partition != aws.partition:
                where = f"partition {partition!r}, not {aws.partition!r}"
            elif account != aws.account_id:
                where = f"account {account}, not {aws.account_id}"
            elif region != aws.region:
                where = f"region {region}, not {aws.region}"
            if where is not None:
                yield Problem((*path, "topics", j),
                              f"alert topic {topic} is in {where} of defaults.aws",
                              f"name an SNS topic of account {aws.account_id} in "
                              f"{aws.region} (arn:{aws.partition}:sns:{aws.region}:"
                              f"{aws.account_id}:NAME); forward from there if the alerts "
                              "must reach another account")


@rule("AgentId-AlertsAwsDefaultsMissing")
def alerts_aws_defaults_missing(identities: IdentitiesFile) -> Iterator[Problem]:
    """AWS alerts are EventBridge rules in the file's AWS account: `defaults.alerts.aws`
    without `defaults.aws` names topics for rules that no stack would hold."""
    alerts = identities.defaults.alerts
    if identities.defaults.aws is None and alerts is not None and alerts.aws is not None:
        yield Problem(("defaults", "alerts", "aws"),
                      "defaults.alerts.aws names SNS topics but defaults.aws is not set",
                      'add `aws: {account_id: "123456789012", region: eu-west-1}` under '
                      "defaults, or remove alerts.aws")


@rule("AgentId-AlertTopicsTooMany")
def alert_topics_too_many(identities: IdentitiesFile) -> Iterator[Problem]:
    """EventBridge sends a rule's events to at most five targets: an agent's topics
    (the file's and its own together) beyond that would be dropped, not alerted."""
    for i, agent in enumerate(identities.agents):
        if not has_role(agent, identities):
            continue
        topics = alert_topics(agent, identities)
        if len(topics) > MAX_TARGETS:
            own = agent.alerts is not None and agent.alerts.aws is not None
            yield Problem(("agents", i, "alerts", "aws", "topics") if own
                          else ("defaults", "alerts", "aws", "topics"),
                          f"agent {agent.name} would alert {len(topics)} SNS topics, over "
                          f"EventBridge's {MAX_TARGETS} targets per rule",
                          "send to fewer topics and fan out from one of them (an SNS "
                          "subscription per destination)")
