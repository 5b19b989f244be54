"""The agent's Azure alert: an activity log alert on its managed identity's failed
operations (the plan, :mod:`cdk.azure.alerts_plan`, decides everything but the
identity's principal id, which Azure assigns)."""

from __future__ import annotations

from cdktn_provider_azurerm.monitor_activity_log_alert import (
    MonitorActivityLogAlert,
    MonitorActivityLogAlertAction,
    MonitorActivityLogAlertCriteria,
)
from cdktn_provider_azurerm.user_assigned_identity import UserAssignedIdentity
from constructs import Construct

from .alerts_plan import AzureAlertPlan


class AgentFailedOperationsAlert(Construct):
    """Fires on each failed Administrative operation whose caller is ``identity``."""

    def __init__(self, scope: Construct, construct_id: str, plan: AzureAlertPlan,
                 identity: UserAssignedIdentity) -> None:
        super().__init__(scope, construct_id)
        MonitorActivityLogAlert(
            self,
            "alert",
            name=plan.name,
            resource_group_name=plan.resource_group,
            location=plan.location,
            scopes=list(plan.scopes),
            description=plan.description,
            criteria=MonitorActivityLogAlertCriteria(
                category=plan.category,
                status=plan.status,
                # The identity's object id: what the activity log's caller holds.
                caller=identity.principal_id,
            ),
            action=[MonitorActivityLogAlertAction(action_group_id=group,
                                                  webhook_properties=plan.webhook_properties)
                    for group in plan.action_groups],
            tags=plan.tags,
        )
