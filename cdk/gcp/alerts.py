"""The agent's Google Cloud alert: a log-based metric and the alert policy on it
(the plan, :mod:`cdk.gcp.alerts_plan`, decides everything)."""

from __future__ import annotations

from cdktn_provider_google.logging_metric import LoggingMetric, LoggingMetricMetricDescriptor
from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyAlertStrategy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyConditionsConditionThresholdTrigger,
    MonitoringAlertPolicyDocumentation,
)
from constructs import Construct

from .alerts_plan import GcpAlertPlan


class AgentDeniedAlert(Construct):
    """Counts the agent's PERMISSION_DENIED audit entries; alerts on the first one."""

    def __init__(self, scope: Construct, construct_id: str, plan: GcpAlertPlan) -> None:
        super().__init__(scope, construct_id)
        metric = LoggingMetric(
            self,
            "metric",
            project=plan.project,
            name=plan.metric_name,
            description=plan.metric_description,
            filter=plan.metric_filter,
            metric_descriptor=LoggingMetricMetricDescriptor(
                metric_kind="DELTA", value_type="INT64", unit="1",
                display_name=plan.policy_display_name),
        )
        MonitoringAlertPolicy(
            self,
            "policy",
            project=plan.project,
            display_name=plan.policy_display_name,
            combiner="OR",
            severity="WARNING",
            conditions=[MonitoringAlertPolicyConditions(
                display_name=f"{plan.service_account} refused with PERMISSION_DENIED",
                condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
                    filter=plan.condition_filter,
                    comparison="COMPARISON_GT",
                    threshold_value=0,
                    duration="0s",
                    aggregations=[
                        MonitoringAlertPolicyConditionsConditionThresholdAggregations(
                            alignment_period=plan.alignment_period,
                            per_series_aligner="ALIGN_SUM",
                            cross_series_reducer="REDUCE_SUM")],
                    trigger=MonitoringAlertPolicyConditionsConditionThresholdTrigger(count=1),
                ),
            )],
            notification_channels=list(plan.channels),
            alert_strategy=MonitoringAlertPolicyAlertStrategy(auto_close=plan.auto_close),
            documentation=MonitoringAlertPolicyDocumentation(
                content=plan.documentation, mime_type="text/markdown", subject=plan.subject),
            depends_on=[metric],
        )
