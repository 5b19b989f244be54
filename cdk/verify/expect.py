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

from datetime import date

from ..model import Agent, DeployKey, IdentitiesFile, RunsOn
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
    """Whether the agent's deploy-key private halves or its GitHub App's key live in
    ``store``."""
    return (bool(agent.github.deploy_keys) or agent.github.app is not None) \
        and agent.secrets.store == store


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


# Restated from cdk/lifecycle.py on purpose (docs/architecture.md §1); a test keeps it
# equal: a tombstone wins over a lock.
def locked(agent: Agent) -> bool:
    """Whether the agent is locked: its stack stays but admits and allows nothing."""
    return agent.revoked is None and agent.locked is not None


def holds_deploy_keys(agent: Agent) -> bool:
    """Whether the agent's stack holds its deploy keys (and their secrets): it lists
    some and is not locked (a locked agent's keys are deleted)."""
    return bool(agent.github.deploy_keys) and not locked(agent)


def holds_app(agent: Agent) -> bool:
    """Whether the agent's stack holds its GitHub App's key secret and variables: it
    declares an App, is not locked and not a tombstone."""
    return agent.github.app is not None and live(agent) and not locked(agent)


def app_key_secret_name(agent: Agent) -> str:
    """The Secrets Manager name of the App's key: beside the deploy keys', under the
    prefix the agent's KMS encryption context pins."""
    return f"agents/{agent.name}/deploy-keys/github-app"


def gcp_app_key_secret_id(agent: Agent) -> str:
    """The Secret Manager id of the App's key."""
    return f"agents-{agent.name}-github-app"


def app_selected_repositories(agent: Agent) -> set[str] | None:
    """The repository names (no owner) the App's installation must hold exactly, or None
    when the stack must hold no selection (no App, not installed, locked, revoked)."""
    app = agent.github.app
    if app is None or app.installation_id is None or not holds_app(agent):
        return None
    repos = app.repositories if app.repositories is not None else tuple(
        run.repo for run in agent.runs_on)
    return {repo.split("/", 1)[1] for repo in repos}


def record_names(identities: IdentitiesFile) -> set[str]:
    """Every stack name the records call for: foundation and one per agent."""
    return {FOUNDATION, *(a.name for a in identities.agents)}


def identity_name(agent: Agent) -> str:
    """The agent's principal name in every cloud: ``agent-<name>``."""
    return principal(agent.name)


# Restated from cdk/lifecycle.py and cdk/github/rotation_plan.py on purpose (docs/
# architecture.md §1); tests/verify/test_double_entry.py keeps them equal.
ROTATION_EPOCH = date(2024, 1, 1)
PLAN_DAY = "agentid_plan_day"


def rotation_days(identities: IdentitiesFile, key: DeployKey) -> int:
    """Days between rotations of one deploy key: its own, else the file's policy."""
    return key.rotation_days or identities.defaults.policy.deploy_key_rotation_days


def rotation_requested(agent: Agent) -> date | None:
    """The newest ``rotate`` request's ``on`` (None without one)."""
    return max((request.on for request in agent.rotate), default=None)


def rotation_triggers(agent: Agent, days: int) -> dict[str, str]:
    """The ``time_static`` triggers of a key rotated every ``days`` days: the schedule
    counts from the newest request (else the epoch); ``period`` is the index of the
    period the plan's day falls in."""
    requested = rotation_requested(agent)
    anchor = requested or ROTATION_EPOCH
    return {"anchor": anchor.isoformat(), "every_days": str(days),
            "requested": requested.isoformat() if requested else "",
            "period": f"${{floor((local.{PLAN_DAY} - {_days_since_1970(anchor)}) / {days})}}"}


def next_rotation(agent: Agent, days: int) -> str:
    """The end of the current rotation period (RFC 3339), as Terraform computes it."""
    anchor = rotation_requested(agent) or ROTATION_EPOCH
    period = f"floor((local.{PLAN_DAY} - {_days_since_1970(anchor)}) / {days})"
    return (f'${{timeadd("{anchor.isoformat()}T00:00:00Z", '
            f'format("%dh", 24 * {days} * (max({period}, 0) + 1)))}}')


def _days_since_1970(day: date) -> int:
    return day.toordinal() - date(1970, 1, 1).toordinal()


def plan_day() -> str:
    """The ``agentid_plan_day`` local: days since 1970-01-01 of ``plantimestamp()``
    (days-from-civil: a year counted from March, its 400-year era, day of era)."""
    t = "plantimestamp()"
    month, day = f'tonumber(formatdate("M", {t}))', f'tonumber(formatdate("D", {t}))'
    year = f'(tonumber(formatdate("YYYY", {t})) - ({month} <= 2 ? 1 : 0))'
    era = f"floor({year} / 400)"
    yoe = f"({year} - {era} * 400)"
    doy = f"(floor((153 * (({month} + 9) % 12) + 2) / 5) + {day} - 1)"
    doe = f"({yoe} * 365 + floor({yoe} / 4) - floor({yoe} / 100) + {doy})"
    return f"${{{era} * 146097 + {doe} - 719468}}"


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
