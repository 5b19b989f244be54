"""AWS alerts construct: translates an alerts plan into EventBridge rules and targets."""

from __future__ import annotations

from cdktn_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktn_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetInputTransformer,
)
from constructs import Construct

from ..plan import render_json
from .alerts_plan import AwsAlertsPlan


def agent_alerts(scope: Construct, construct_id: str, plan: AwsAlertsPlan) -> None:
    """A rule per alert, ``<construct_id>_<key>``, and a target per topic,
    ``<construct_id>_<key>_topic_<n>`` (flat: docs/decisions.md, "Flat stacks")."""
    for alert in plan.rules:
        rule = CloudwatchEventRule(
            scope,
            f"{construct_id}_{alert.key}",
            name=alert.name,
            description=alert.description,
            event_pattern=render_json(alert.event_pattern),
            state=alert.state,
            tags=plan.tags,
        )
        rule_name = rule.name
        for n, topic in enumerate(plan.topics):
            CloudwatchEventTarget(
                scope,
                f"{construct_id}_{alert.key}_topic_{n}",
                rule=rule_name,
                target_id=f"topic-{n}",
                arn=topic,
                input_transformer=CloudwatchEventTargetInputTransformer(
                    input_paths=alert.input_paths,
                    input_template=alert.input_template,
                ),
            )
