"""Record -> the agent's Google Cloud alert, as plain data (docs/alerts.md).

A log-based metric counts the Cloud Audit Logs entries that Google refused
(``protoPayload.status.code=7``, PERMISSION_DENIED) whose caller is exactly the
agent's service account, and an alert policy on that metric notifies the
channels of ``defaults.alerts.gcp`` and the agent's own ``alerts.gcp``.

The caller is matched with ``=`` on the quoted email, never ``:`` (a substring
match) or a regular expression: ``agent-docs@...`` must not match
``agent-docs-writer@...``. Both resources are plain data here; the constructs
(:mod:`cdk.gcp.alerts`) only translate them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Agent, IdentitiesFile
from ..names import principal
from ..plan import alert_channels
from .names import gcp_defaults
from .plan import service_account_email, uses_gcp

# google.rpc.Code PERMISSION_DENIED, as Cloud Audit Logs write it in protoPayload.status.
PERMISSION_DENIED = 7
AUDIT_LOG_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog"
METRIC_TYPE_PREFIX = "logging.googleapis.com/user/"
# One evaluation window: every denial in it is summed into one alert.
ALIGNMENT_PERIOD = "300s"
AUTO_CLOSE = "1800s"
# Cloud Monitoring notifies at most 16 channels per alert policy.
MAX_CHANNELS = 16


def _quoted(value: str) -> str:
    """``value`` as a Logging/Monitoring filter string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def denied_filter(email: str) -> str:
    """The log filter: audit entries refused with PERMISSION_DENIED whose caller is
    exactly ``email``."""
    return (f"protoPayload.@type={_quoted(AUDIT_LOG_TYPE)}"
            f" AND protoPayload.authenticationInfo.principalEmail={_quoted(email)}"
            f" AND protoPayload.status.code={PERMISSION_DENIED}")


def channel_project(channel: str) -> str:
    """The project of ``projects/<project>/notificationChannels/<id>``."""
    return channel.split("/")[1]


def channels(agent: Agent, identities: IdentitiesFile) -> tuple[str, ...]:
    """The file's channels, then the agent's own, each once."""
    return alert_channels(agent, identities,
                          lambda alerts: alerts.gcp.channels if alerts.gcp is not None else ())


@dataclass(frozen=True)
class GcpAlertPlan:
    """The metric that counts the agent's denials and the policy that reports them."""

    project: str
    service_account: str
    metric_name: str
    metric_type: str
    metric_filter: str
    metric_description: str
    policy_display_name: str
    condition_filter: str
    alignment_period: str
    auto_close: str
    channels: tuple[str, ...]
    subject: str
    documentation: str


def plan_alerts(agent: Agent, identities: IdentitiesFile) -> GcpAlertPlan | None:
    """The agent's alert, or None: a tombstone, an agent without a service account, or
    no channel to notify."""
    if agent.revoked is not None or identities.defaults.gcp is None or not uses_gcp(agent):
        return None
    notify = channels(agent, identities)
    if not notify:
        return None
    gcp = gcp_defaults(identities)
    who = principal(agent.name)
    email = service_account_email(gcp, agent.name)
    metric = f"agentid/{who}/permission-denied"
    metric_type = f"{METRIC_TYPE_PREFIX}{metric}"
    found = denied_filter(email)
    documentation = (
        f"Google Cloud refused a call of agentid agent **{who}** (service account "
        f"`{email}`) with PERMISSION_DENIED.\n\n"
        f"- Owner: {agent.owner}\n- Rotation owner: {agent.rotation_owner}\n\n"
        "An agent that keeps hitting its limits is either misconfigured or trying what "
        "it must never hold. Find the calls in Logs Explorer with:\n\n"
        f"    {found}\n")
    return GcpAlertPlan(
        project=gcp.project_id,
        service_account=email,
        metric_name=metric,
        metric_type=metric_type,
        metric_filter=found,
        metric_description=(f"agentid: calls of {who} (owner {agent.owner}) that Google "
                            "Cloud refused with PERMISSION_DENIED"),
        policy_display_name=f"agentid: {who} was denied on Google Cloud",
        condition_filter=f"metric.type={_quoted(metric_type)}",
        alignment_period=ALIGNMENT_PERIOD,
        auto_close=AUTO_CLOSE,
        channels=notify,
        subject=f"agentid: {who} (owner {agent.owner}) was denied on Google Cloud",
        documentation=documentation,
    )
