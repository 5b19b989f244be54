"""Rules about an agent's Google Cloud identity: defaults, roles, resources, subjects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..errors import Finding
from ..gcp.denies import never_hold_roles, permission_v2
from ..gcp.names import ATTRIBUTE_CONDITION_MAX_CHARS, SUBJECT_MAX_BYTES, federated_subject
from ..gcp.plan import attribute_condition, role_bindings, uses_gcp
from ..gcp.roles import (
    CUSTOM_ROLE_RE,
    PREDEFINED_ROLE_RE,
    agent_resource_problem,
    resource_problem,
    role_problem,
)
from ..model import Agent, GcpDefaults, IdentitiesFile
from ..plan import is_azure_entry, is_gcp_entry
from . import rule


def _scoped(identities: IdentitiesFile) -> Iterator[tuple[int, Agent, GcpDefaults]]:
    # Tombstones are skipped: an old scope must not block the change that revokes it.
    gcp = identities.defaults.gcp
    if gcp is None:
        return
    for i, agent in enumerate(identities.agents):
        if uses_gcp(agent) and agent.revoked is None:
            yield i, agent, gcp


def _role_findings(identities: IdentitiesFile, rule_id: str) -> Iterator[Finding]:
    for i, agent, gcp in _scoped(identities):
        roles = agent.gcp.roles if agent.gcp is not None else ()
        for j, entry in enumerate(roles):
            problem = role_problem(entry.role, gcp)
            if problem is not None and f"AgentId-{problem[0]}" == rule_id:
                yield Finding(rule_id, ("agents", i, "gcp", "roles", j, "role"), *problem[1:])


@rule("AgentId-GcpDefaultsMissing")
def gcp_defaults_missing(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """A Google Cloud identity needs the project, project number and region it lives in;
    guessing them from the deployer's credentials would put an agent wherever those
    happen to point."""
    if identities.defaults.gcp is not None:
        return
    for i, agent in enumerate(identities.agents):
        if uses_gcp(agent):
            yield Finding("AgentId-GcpDefaultsMissing",
                          ("agents", i, "gcp" if agent.gcp is not None else "secrets"),
                          "this agent uses Google Cloud but defaults.gcp is not set",
                          "add `gcp: {project_id: acme-agents, project_number: 123456789012, "
                          "region: europe-west1}` under defaults")


@rule("AgentId-GcpBasicRole")
def basic_role(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """roles/owner, roles/editor and roles/viewer hold thousands of permissions across
    every service of a project: no reviewer can tell what such an agent may do."""
    yield from _role_findings(identities, "AgentId-GcpBasicRole")


@rule("AgentId-GcpPrivilegedRole")
def privileged_role(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """Roles that change IAM or mint credentials (setIamPolicy, service account keys and
    tokens, actAs) let an agent widen itself past every review. Offline this is a named
    list plus name patterns (admins of IAM, keys and secrets, `*.admin`, `*Owner`,
    `*TokenCreator`, ...); at plan time every bound role is looked up and the plan fails
    if its permissions change IAM or mint credentials, whatever it is called, and the
    deny policy blocks the same permissions."""
    yield from _role_findings(identities, "AgentId-GcpPrivilegedRole")


@rule("AgentId-GcpRoleName")
def role_name(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """A role name Google does not recognise fails at apply, or worse names a custom role
    of another project; predefined roles look like roles/<service>.<roleName>."""
    yield from _role_findings(identities, "AgentId-GcpRoleName")


@rule("AgentId-GcpResourceInvalid")
def resource_invalid(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """A role is bound on the narrowest resource that does the job, in the agent's own
    project; a project-wide grant is the wide grant a reviewer misses unless it says
    why nothing narrower exists."""
    for i, agent, gcp in _scoped(identities):
        roles = agent.gcp.roles if agent.gcp is not None else ()
        for j, entry in enumerate(roles):
            if (problem := resource_problem(entry, gcp)) is not None:
                yield Finding("AgentId-GcpResourceInvalid",
                              ("agents", i, "gcp", "roles", j, "resource"), *problem)


@rule("AgentId-GcpAgentResource")
def agent_resource(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """Agents' deploy-key secrets, their keys, service accounts and the workload identity
    pool live in the agents' project; agentid binds each agent to its own secrets and
    nothing else. A role on another agent's secret, or a Secret Manager, Cloud KMS or
    IAM role on the whole project, would let one agent read another's deploy keys or
    act as it. Google's deny policies cannot name "another agent's secret" (their
    conditions read only resource tags), so this rule, the plan-time role check and
    each secret's own bindings are what hold it."""
    for i, agent, _ in _scoped(identities):
        roles = agent.gcp.roles if agent.gcp is not None else ()
        for j, entry in enumerate(roles):
            if (problem := agent_resource_problem(entry)) is not None:
                field = "resource" if entry.resource.kind == "secret" else "role"
                yield Finding("AgentId-GcpAgentResource",
                              ("agents", i, "gcp", "roles", j, field), *problem)


@rule("AgentId-GcpMustNeverHold")
def gcp_must_never_hold(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """A role in `must_never_hold` cannot go into a deny policy (those take permissions),
    so a binding of that role is refused here instead."""
    for i, agent, _ in _scoped(identities):
        forbidden = set(never_hold_roles(agent))
        for binding in role_bindings(agent, identities):
            if binding.role in forbidden and not binding.internal:
                yield Finding("AgentId-GcpMustNeverHold", ("agents", i, *binding.path),
                              f"{binding.role} on {binding.resource_name} is forbidden by "
                              "must_never_hold",
                              "remove the binding, or drop the entry in a reviewed change")


@rule("AgentId-GcpMustNeverHoldUnknown")
def gcp_must_never_hold_unknown(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
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
            yield Finding("AgentId-GcpMustNeverHoldUnknown",
                          ("agents", i, "must_never_hold", m),
                          f"{entry!r} is neither a Google Cloud permission nor a role",
                          "write a permission as service.resource.verb (storage.objects.delete) "
                          "or a role as roles/<service>.<roleName>")


@rule("AgentId-GcpSubjectTooLong")
def subject_too_long(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """Google caps google.subject at 127 bytes; agentid maps it to
    `repository_id:<id>:environment:<environment>` (numeric claims only, whatever the
    subject form), and a longer one would make every token exchange fail."""
    for i, agent, _ in _scoped(identities):
        for k, run in enumerate(agent.runs_on):
            subject = federated_subject(agent, run)
            if len(subject.encode()) > SUBJECT_MAX_BYTES:
                yield Finding("AgentId-GcpSubjectTooLong", ("agents", i, "runs_on", k),
                              f"the Google Cloud subject {subject!r} is "
                              f"{len(subject.encode())} bytes, over Google's "
                              f"{SUBJECT_MAX_BYTES}",
                              "use a shorter environment name")


@rule("AgentId-GcpWorkflowPin")
def workflow_pin(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """A binding to one subject cannot also check job_workflow_ref, so on Google Cloud a
    `workflow` pin would read as enforced while it is not; it is refused rather than
    silently dropped."""
    for i, agent, _ in _scoped(identities):
        for k, run in enumerate(agent.runs_on):
            if run.workflow is not None:
                yield Finding("AgentId-GcpWorkflowPin", ("agents", i, "runs_on", k, "workflow"),
                              "Google Cloud cannot enforce a workflow pin per subject",
                              "drop `workflow`/`ref` for this agent (its environment's "
                              "required reviewers still approve every run), or keep the "
                              "pinned workflow on an AWS-only agent")


@rule("AgentId-GcpConditionTooLarge")
def condition_too_large(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """The pool's provider lists every live subject in its condition, and Google refuses
    conditions over 4,096 characters; better to hear it in review than in an apply."""
    if identities.defaults.gcp is None:
        return
    size = len(attribute_condition(identities))
    if size > ATTRIBUTE_CONDITION_MAX_CHARS:
        yield Finding("AgentId-GcpConditionTooLarge", ("defaults", "gcp"),
                      f"the provider's attribute condition would be {size} characters, over "
                      f"Google's {ATTRIBUTE_CONDITION_MAX_CHARS}",
                      "revoke unused agents, or run further agents from a second file with "
                      "its own pool_id")
