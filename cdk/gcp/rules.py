"""Rules about an agent's Google Cloud identity: defaults, roles, resources, subjects."""

from __future__ import annotations

from collections.abc import Iterator

from ..checks.common import defaults_missing, live_entries, live_users
from ..checks.engine import Problem, rule, rule_group
from ..errors import Path
from ..gcp.alerts_plan import MAX_CHANNELS, channel_project, channels
from ..gcp.denies import ALERT_TAMPER_ROLES, never_hold_roles, permission_v2
from ..gcp.names import ATTRIBUTE_CONDITION_MAX_CHARS, SUBJECT_MAX_BYTES, federated_subject
from ..gcp.plan import attribute_condition, role_bindings, uses_gcp
from ..gcp.roles import (
    CUSTOM_ROLE_RE,
    PREDEFINED_ROLE_RE,
    agent_resource_problem,
    resource_problem,
    role_problem,
)
from ..model import Agent, GcpDefaults, GcpRole, IdentitiesFile
from ..plan import is_azure_entry, is_gcp_entry


def _scoped(identities: IdentitiesFile) -> Iterator[tuple[int, Agent, GcpDefaults]]:
    return live_users(identities, identities.defaults.gcp, uses_gcp)


def _roles(identities: IdentitiesFile) -> Iterator[tuple[Path, GcpRole, GcpDefaults]]:
    return live_entries(identities, identities.defaults.gcp, uses_gcp, ("gcp", "roles"),
                        lambda agent: agent.gcp.roles if agent.gcp is not None else ())



@rule("AgentId-GcpDefaultsMissing")
def gcp_defaults_missing(identities: IdentitiesFile) -> Iterator[Problem]:
    """A Google Cloud identity needs the project, project number and region it lives in;
    guessing them from the deployer's credentials would put an agent wherever those
    happen to point."""
    yield from defaults_missing(
        identities, identities.defaults.gcp, uses_gcp,
        lambda agent: "gcp" if agent.gcp is not None else "secrets", "Google Cloud", "gcp",
        "{project_id: acme-agents, project_number: 123456789012, region: europe-west1}")


@rule_group({
    "GcpBasicRole": ("AgentId-GcpBasicRole", """roles/owner, roles/editor and roles/viewer
        hold thousands of permissions across every service of a project: no reviewer can
        tell what such an agent may do."""),
    "GcpPrivilegedRole": ("AgentId-GcpPrivilegedRole", """Roles that change IAM or mint
        credentials (setIamPolicy, service account keys and tokens, actAs) let an agent
        widen itself past every review. Offline this is a named list plus name patterns
        (admins of IAM, keys and secrets, `*.admin`, `*Owner`, `*TokenCreator`, ...); at
        plan time every bound role is looked up and the plan fails if its permissions
        change IAM or mint credentials, whatever it is called, and the deny policy blocks
        the same permissions."""),
    "GcpRoleName": ("AgentId-GcpRoleName", """A role name Google does not recognise fails
        at apply, or worse names a custom role of another project; predefined roles look
        like roles/<service>.<roleName>."""),
})
def roles(identities: IdentitiesFile) -> Iterator[Problem]:
    """Every bound role, judged by :func:`cdk.gcp.roles.role_problem`, whose first field
    is the kind of problem (one of the group's declared kinds)."""
    for at, entry, gcp in _roles(identities):
        if (problem := role_problem(entry.role, gcp)) is not None:
            kind, message, fix = problem
            yield Problem((*at, "role"), message, fix, kind)


@rule("AgentId-GcpAlertTamperRole")
def alert_tamper_role(identities: IdentitiesFile) -> Iterator[Problem]:
    """An alert is worth something only if the principal it watches cannot switch it
    off. Roles that write log-based metrics, sinks, exclusions, alert policies,
    notification channels or snoozes could mute every agent's alerts: the named
    ones are refused here, any role holding those permissions fails the plan-time role
    check, and the deny policy denies the permissions it can."""
    for at, entry, _ in _roles(identities):
        if (why := ALERT_TAMPER_ROLES.get(entry.role)) is not None:
            yield Problem((*at, "role"),
                          f"{entry.role} {why}: the agent could mute its own or another "
                          "agent's alerts",
                          "alerting and logging configuration are a human's; bind a role "
                          "without them (roles/monitoring.viewer, roles/logging.viewer, "
                          "roles/logging.logWriter, roles/monitoring.metricWriter)")


@rule("AgentId-GcpResourceInvalid")
def resource_invalid(identities: IdentitiesFile) -> Iterator[Problem]:
    """A role is bound on the narrowest resource that does the job, in the agent's own
    project; a project-wide grant is the wide grant a reviewer misses unless it says
    why nothing narrower exists."""
    for at, entry, gcp in _roles(identities):
        if (problem := resource_problem(entry, gcp)) is not None:
            yield Problem((*at, "resource"), *problem)


@rule("AgentId-GcpAgentResource")
def agent_resource(identities: IdentitiesFile) -> Iterator[Problem]:
    """Agents' deploy-key secrets, their keys, service accounts and the workload identity
    pool live in the agents' project; agentid binds each agent to its own secrets and
    nothing else. A role on another agent's secret, or a Secret Manager, Cloud KMS or
    IAM role on the whole project, would let one agent read another's deploy keys or
    act as it. Google's deny policies cannot name "another agent's secret" (their
    conditions read only resource tags), so this rule, the plan-time role check and
    each secret's own bindings are what hold it."""
    for at, entry, _ in _roles(identities):
        if (problem := agent_resource_problem(entry)) is not None:
            field = "resource" if entry.resource.kind == "secret" else "role"
            yield Problem((*at, field), *problem)


@rule("AgentId-GcpMustNeverHold")
def gcp_must_never_hold(identities: IdentitiesFile) -> Iterator[Problem]:
    """A role in `must_never_hold` cannot go into a deny policy (those take permissions),
    so a binding of that role is refused here instead."""
    for i, agent, _ in _scoped(identities):
        forbidden = set(never_hold_roles(agent))
        for binding in role_bindings(agent, identities):
            if binding.role in forbidden and not binding.internal:
                yield Problem(("agents", i, *binding.path),
                              f"{binding.role} on {binding.resource_name} is forbidden by "
                              "must_never_hold",
                              "remove the binding, or drop the entry in a reviewed change")


@rule("AgentId-GcpMustNeverHoldUnknown")
def gcp_must_never_hold_unknown(identities: IdentitiesFile) -> Iterator[Problem]:
    """A Google Cloud `must_never_hold` entry that is neither a permission
    (service.resource.verb) nor a role protects nothing: a typo there reads like a
    safeguard in review."""
    for i, agent in enumerate(identities.agents):
        if agent.revoked is not None:
            continue
        for m, entry in enumerate(agent.must_never_hold):
            if not is_gcp_entry(entry) or is_azure_entry(entry) \
                    or permission_v2(entry) is not None \
                    or PREDEFINED_ROLE_RE.match(entry) or CUSTOM_ROLE_RE.match(entry):
                continue
            yield Problem(("agents", i, "must_never_hold", m),
                          f"{entry!r} is neither a Google Cloud permission nor a role",
                          "write a permission as service.resource.verb (storage.objects.delete) "
                          "or a role as roles/<service>.<roleName>")


@rule("AgentId-GcpSubjectTooLong")
def subject_too_long(identities: IdentitiesFile) -> Iterator[Problem]:
    """Google caps google.subject at 127 bytes; agentid maps it to
    `repository_id:<id>:environment:<environment>` (numeric claims only, whatever the
    subject form), and a longer one would make every token exchange fail."""
    for i, agent, _ in _scoped(identities):
        for k, run in enumerate(agent.runs_on):
            subject = federated_subject(agent, run)
            if len(subject.encode()) > SUBJECT_MAX_BYTES:
                yield Problem(("agents", i, "runs_on", k),
                              f"the Google Cloud subject {subject!r} is "
                              f"{len(subject.encode())} bytes, over Google's "
                              f"{SUBJECT_MAX_BYTES}",
                              "use a shorter environment name")


@rule("AgentId-GcpWorkflowPin")
def workflow_pin(identities: IdentitiesFile) -> Iterator[Problem]:
    """A binding to one subject cannot also check job_workflow_ref, so on Google Cloud a
    `workflow` pin would read as enforced while it is not; it is refused rather than
    silently dropped."""
    for i, agent, _ in _scoped(identities):
        for k, run in enumerate(agent.runs_on):
            if run.workflow is not None:
                yield Problem(("agents", i, "runs_on", k, "workflow"),
                              "Google Cloud cannot enforce a workflow pin per subject",
                              "drop `workflow`/`ref` for this agent (its environment's "
                              "required reviewers still approve every run), or keep the "
                              "pinned workflow on an AWS-only agent")


@rule("AgentId-GcpConditionTooLarge")
def condition_too_large(identities: IdentitiesFile) -> Iterator[Problem]:
    """The pool's provider lists every live subject in its condition, and Google refuses
    conditions over 4,096 characters; better to hear it in review than in an apply."""
    if identities.defaults.gcp is None:
        return
    size = len(attribute_condition(identities))
    if size > ATTRIBUTE_CONDITION_MAX_CHARS:
        yield Problem(("defaults", "gcp"),
                      f"the provider's attribute condition would be {size} characters, over "
                      f"Google's {ATTRIBUTE_CONDITION_MAX_CHARS}",
                      "revoke unused agents, or run further agents from a second file with "
                      "its own pool_id")


@rule("AgentId-GcpAlertChannelProject")
def alert_channel_project(identities: IdentitiesFile) -> Iterator[Problem]:
    """An agent's alert policy lives in the agents' project, and Cloud Monitoring notifies
    only channels of the policy's own project: a channel of another project would fail
    the apply, or be read in review as watched while nobody is told. Channels are
    checked in `defaults.alerts.gcp` and in every live agent's `alerts.gcp`."""
    gcp = identities.defaults.gcp
    if gcp is None:
        return  # alerts without defaults.gcp: the alerts rules report it
    sections: list[tuple[Path, tuple[str, ...]]] = []
    if identities.defaults.alerts is not None and identities.defaults.alerts.gcp is not None:
        sections.append((("defaults", "alerts", "gcp", "channels"),
                         identities.defaults.alerts.gcp.channels))
    for i, agent in enumerate(identities.agents):
        if agent.revoked is None and agent.alerts is not None and agent.alerts.gcp is not None:
            sections.append((("agents", i, "alerts", "gcp", "channels"),
                             agent.alerts.gcp.channels))
    for at, found in sections:
        for j, channel in enumerate(found):
            project = channel_project(channel)
            if project != gcp.project_id:
                yield Problem((*at, j),
                              f"notification channel {channel} is in project {project}, not "
                              f"{gcp.project_id} of defaults.gcp",
                              f"create the channel in {gcp.project_id} and name it as "
                              f"projects/{gcp.project_id}/notificationChannels/<id>")


@rule("AgentId-AlertsGcpDefaultsMissing")
def alerts_gcp_defaults_missing(identities: IdentitiesFile) -> Iterator[Problem]:
    """Google Cloud alerts are a log-based metric and an alert policy in the file's
    project: `defaults.alerts.gcp` without `defaults.gcp` names channels for policies
    that no stack would hold."""
    alerts = identities.defaults.alerts
    if identities.defaults.gcp is None and alerts is not None and alerts.gcp is not None:
        yield Problem(("defaults", "alerts", "gcp"),
                      "defaults.alerts.gcp names notification channels but defaults.gcp is "
                      "not set",
                      "add `gcp: {project_id: acme-agents, project_number: 123456789012, "
                      "region: europe-west1}` under defaults, or remove alerts.gcp")


@rule("AgentId-GcpAlertChannelsTooMany")
def alert_channels_too_many(identities: IdentitiesFile) -> Iterator[Problem]:
    """Cloud Monitoring notifies at most 16 channels per alert policy: an agent's
    channels (the file's and its own together) beyond that would fail the apply."""
    for i, agent, _ in _scoped(identities):
        found = channels(agent, identities)
        if len(found) > MAX_CHANNELS:
            yield Problem(("agents", i, "alerts", "gcp", "channels"),
                          f"this agent's Google Cloud alert would notify {len(found)} "
                          f"channels (the file's and its own), over Cloud Monitoring's "
                          f"{MAX_CHANNELS}",
                          "list fewer channels, or fan out from one channel (a Pub/Sub "
                          "topic) instead")
