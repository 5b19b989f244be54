"""What the output must hold, derived again from the record alone.

Only the pure naming of :mod:`cdk.names` is shared with the code that writes the
stacks; every other expectation (subjects, environments, ARNs, which clouds an
agent uses) is spelled out here from the record, so verify never repeats a
plan function's mistake.
Where that restates a plan fact (environment, workflow pin, expiry, store), it does
so on purpose (docs/architecture.md §1): tests/verify/test_double_entry.py keeps the
two equal.
"""

from __future__ import annotations

from ..model import Agent, IdentitiesFile, RunsOn
from ..names import FOUNDATION, OIDC_HOST, default_environment, principal

GITHUB_ISSUER = f"https://{OIDC_HOST}"


def environment(agent: Agent, run: RunsOn) -> str:
    """The GitHub environment a ``runs_on`` entry runs in."""
    return run.environment or default_environment(agent.name)


def subjects(identities: IdentitiesFile, agent: Agent, run: RunsOn) -> tuple[str, ...]:
    """Every OIDC ``sub`` a trust may accept for one ``runs_on`` entry.

    The one place verify decides a subject's form, from the record's
    ``subject_form`` (the entry's, else ``defaults.github``'s): ``legacy``
    ``repo:<owner>/<repo>:environment:<env>``, ``immutable``
    ``repo:<owner>@<owner_id>/<repo>@<repo_id>:environment:<env>``, or ``both``.
    """
    form = run.subject_form or identities.defaults.github.subject_form
    env = environment(agent, run)
    owner, repo = run.repo.split("/", 1)
    spelled = {"legacy": (f"repo:{run.repo}:environment:{env}",),
               "immutable": (f"repo:{owner}@{identities.defaults.github.owner_id}/"
                             f"{repo}@{run.repo_id}:environment:{env}",)}
    if form == "both":
        return tuple(sorted(spelled["legacy"] + spelled["immutable"]))
    return spelled[form]


def all_subjects(identities: IdentitiesFile, agent: Agent) -> set[str]:
    """Every subject of every ``runs_on`` entry of the agent."""
    return {s for run in agent.runs_on for s in subjects(identities, agent, run)}


# Restated from the plan on purpose (docs/architecture.md §1); a test keeps it equal.
def workflow_pin(run: RunsOn) -> str | None:
    """``<owner>/<repo>/<workflow>@<ref>`` when the entry pins a workflow."""
    if run.workflow is None or run.ref is None:
        return None
    return f"{run.repo}/{run.workflow}@{run.ref}"


def expiry(agent: Agent) -> str:
    """The instant every cloud stops honouring the agent: ``expires`` at 00:00:00Z."""
    return f"{agent.expires.isoformat()}T00:00:00Z"


def uses_store(agent: Agent, store: str) -> bool:
    """Whether the agent's deploy-key private halves live in ``store``."""
    return bool(agent.github.deploy_keys) and agent.secrets.store == store


def uses_aws(identities: IdentitiesFile, agent: Agent) -> bool:
    """Whether the agent has an AWS role (a scope, or deploy keys kept in AWS)."""
    return identities.defaults.aws is not None and (
        agent.aws is not None or uses_store(agent, "aws"))


def uses_gcp(identities: IdentitiesFile, agent: Agent) -> bool:
    """Whether the agent has a Google Cloud service account."""
    return identities.defaults.gcp is not None and (
        agent.gcp is not None or uses_store(agent, "gcp"))


def uses_azure(identities: IdentitiesFile, agent: Agent) -> bool:
    """Whether the agent has an Azure managed identity."""
    return identities.defaults.azure is not None and (
        agent.azure is not None or uses_store(agent, "azure"))


def aws_alert_topics(identities: IdentitiesFile, agent: Agent) -> tuple[str, ...]:
    """The SNS topics an agent's AWS alerts go to: the file's, then its own, no repeats;
    none for an agent without a live role."""
    if not live(agent) or not uses_aws(identities, agent):
        return ()
    topics: list[str] = []
    for alerts in (identities.defaults.alerts, agent.alerts):
        if alerts is not None and alerts.aws is not None:
            topics.extend(t for t in alerts.aws.topics if t not in topics)
    return tuple(topics)


def live(agent: Agent) -> bool:
    """Whether the agent's stack may hold resources (not a tombstone)."""
    return agent.revoked is None


def record_names(identities: IdentitiesFile) -> set[str]:
    """Every stack name the records call for: foundation and one per agent."""
    return {FOUNDATION, *(a.name for a in identities.agents)}


def identity_name(agent: Agent) -> str:
    """The agent's principal name in every cloud: ``agent-<name>``."""
    return principal(agent.name)


def gcp_channels(identities: IdentitiesFile, agent: Agent) -> list[str]:
    """The notification channels the agent's Google Cloud alert must notify: the file's
    ``alerts.gcp``, then the agent's own, each once (docs/alerts.md)."""
    found: list[str] = []
    for alerts in (identities.defaults.alerts, agent.alerts):
        if alerts is not None and alerts.gcp is not None:
            found.extend(c for c in alerts.gcp.channels if c not in found)
    return found


def azure_action_groups(identities: IdentitiesFile, agent: Agent) -> list[str]:
    """The action groups the agent's Azure alert must notify, lower-cased (Azure compares
    resource ids without case): the file's ``alerts.azure``, then the agent's own, each
    once (docs/alerts.md)."""
    found: list[str] = []
    for alerts in (identities.defaults.alerts, agent.alerts):
        if alerts is not None and alerts.azure is not None:
            found.extend(g.lower() for g in alerts.azure.action_groups
                         if g.lower() not in found)
    return found
