"""The Google Cloud alert invariant: the agent's log-based metric counts its own
PERMISSION_DENIED audit entries and nothing broader, and the policy on it notifies
exactly the record's channels (docs/alerts.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Agent, GcpDefaults
from ..names import principal
from . import expect
from .core import Finding, Reporter, Stack, listed
from .gcp_common import GCP, _email

# Restated from the plan on purpose (docs/architecture.md §1); a test keeps them equal.
AUDIT_LOG_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog"
PERMISSION_DENIED = "7"
CALLER = "protoPayload.authenticationInfo.principalEmail"
METRIC_TYPE_PREFIX = "logging.googleapis.com/user/"
ALERT_TYPES = ("google_logging_metric", "google_monitoring_alert_policy")

# One clause verify reads: `field=value`, the value a quoted literal or a number. `=`
# is equality in the Logging query language (`:` would be a substring match, `=~` a
# regular expression); clauses are joined by AND only.
_CLAUSE_RE = re.compile(r'(?P<field>[A-Za-z@_.]+)=(?P<value>"(?:[^"\\]|\\.)*"|[0-9]+)')
_AND_RE = re.compile(r"\s+AND\s+")


def clauses(text: object) -> dict[str, str] | None:
    """``field -> value`` of a filter of ``AND``-ed equalities, or None when the filter
    is anything else (another operator, OR, NOT, parentheses, a repeated field)."""
    if not isinstance(text, str):
        return None
    found: dict[str, str] = {}
    position = 0
    while True:
        match = _CLAUSE_RE.match(text, position)
        if match is None or match["field"] in found:
            return None
        value = match["value"]
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        found[match["field"]] = value
        position = match.end()
        if position == len(text):
            return found
        separator = _AND_RE.match(text, position)
        if separator is None:
            return None
        position = separator.end()


def alert(stack: Stack, report: Reporter, agent: Agent, gcp: GcpDefaults) -> Iterator[Finding]:
    """With channels in the record, one log-based metric counts exactly the agent's
    PERMISSION_DENIED audit entries (its service account by equality, nothing else) and
    one alert policy on that metric notifies exactly the record's channels, naming the
    agent, owner and rotation owner; without channels there is neither."""
    want = expect.gcp_channels(stack.identities, agent)
    metrics = stack.resources("google_logging_metric")
    policies = stack.resources("google_monitoring_alert_policy")
    if not want:
        for resource in (*metrics, *policies):
            yield report(resource.address, "an alert the record configures no channel for")
        return
    if len(metrics) != 1 or len(policies) != 1:
        yield report(stack.name, f"{len(metrics)} log-based metrics and {len(policies)} "
                                 "alert policies: the record's channels call for one each")
    email = _email(gcp, agent.name)
    want_filter = {"protoPayload.@type": AUDIT_LOG_TYPE, CALLER: email,
                   "protoPayload.status.code": PERMISSION_DENIED}
    metric_types: set[str] = set()
    for metric in metrics:
        if metric.get("project") != gcp.project_id:
            yield report(metric.address, f"project {metric.get('project')!r} is not "
                                         f"{gcp.project_id}")
        if metric.get("disabled") is True:
            yield report(metric.address, "the metric is disabled")
        found = clauses(metric.get("filter"))
        if found is None:
            yield report(metric.address, f"filter {metric.get('filter')!r} is not AND-ed "
                                         "equalities verify can read (nor can a reviewer)")
        elif found != want_filter:
            yield report(metric.address, f"filter {metric.get('filter')!r} does not count "
                                         f"exactly {email}'s PERMISSION_DENIED audit entries")
        metric_types.add(f'metric.type="{METRIC_TYPE_PREFIX}{metric.get("name")}"')
    who = principal(agent.name)
    for policy in policies:
        if policy.get("project") != gcp.project_id:
            yield report(policy.address, f"project {policy.get('project')!r} is not "
                                         f"{gcp.project_id}")
        if policy.get("enabled") is False:
            yield report(policy.address, "the alert policy is disabled")
        conditions = listed(policy.get("conditions"))
        filters = [c.get("condition_threshold", {}).get("filter") if isinstance(c, dict)
                   and set(c) <= {"display_name", "condition_threshold"} else None
                   for c in conditions]
        if len(filters) != 1 or filters[0] not in metric_types:
            yield report(policy.address, f"conditions {filters!r} do not watch this stack's "
                                         "metric alone")
        channels = [str(c) for c in listed(policy.get("notification_channels"))]
        if sorted(channels) != sorted(want):
            yield report(policy.address, f"notifies {channels}, not the record's channels "
                                         f"{want}")
        documentation = policy.get("documentation")
        content = documentation.get("content") if isinstance(documentation, dict) else None
        missing = [text for text in (who, agent.owner, agent.rotation_owner)
                   if not isinstance(content, str) or text not in content]
        if missing:
            yield report(policy.address, f"the documentation does not name {missing}")


ALERT = GCP.per_agent(
    "GcpAlert", "With alert channels in the record, a log-based metric counts exactly the "
    "agent's PERMISSION_DENIED audit entries (its service account by equality) and an alert "
    "policy on it notifies exactly those channels; without channels there is none.", alert)

INVARIANTS = (ALERT,)
