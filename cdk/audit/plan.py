"""What ``agentid audit`` queries for one agent, per cloud, as plain data (pure).

Which clouds an agent uses, the ``--since`` date and the record come from here;
each cloud's queries from :mod:`cdk.audit.clouds`. Nothing here loads a provider
binding or reaches a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..errors import AgentIdError, UsageError
from ..model import ISO_DATE_RE, Agent, IdentitiesFile
from ..targets import used as targets_used
from .clouds import CloudAudit, aws_audit, azure_audit, gcp_audit, github_audit

CLOUDS = ("aws", "gcp", "azure", "github")
CLOUD_NAMES = {"aws": "AWS", "gcp": "Google Cloud", "azure": "Azure", "github": "GitHub"}
# The record does not say when the agent was created: without --since, this far back.
DEFAULT_DAYS = 30
# An unknown name's error lists at most this many known ones.
_LISTED = 20


@dataclass(frozen=True)
class AuditPlan:
    """Everything ``agentid audit NAME`` prints, before the templates are rendered."""

    agent: str
    description: str
    owner: str
    revoked: str | None
    since: date
    since_given: bool
    today: date
    clouds: tuple[CloudAudit, ...]
    notes: tuple[str, ...]


def clouds_of(agent: Agent, identities: IdentitiesFile) -> tuple[str, ...]:
    """The clouds the agent's stack holds an identity in, in :data:`CLOUDS` order.

    Each target's own ``used_by`` answers (cdk/targets.py); GitHub's always holds:
    every agent runs in GitHub environments its approvers gate.
    """
    in_use = {t.name for t in targets_used(agent, identities)}
    return tuple(cloud for cloud in CLOUDS if cloud in in_use)


def since_date(text: str | None, today: date) -> tuple[date, bool]:
    """``--since`` as a date (and whether it was given); default :data:`DEFAULT_DAYS` back."""
    if text is None:
        return today - timedelta(days=DEFAULT_DAYS), False
    try:
        # Only YYYY-MM-DD, as the record's dates: fromisoformat alone also takes 20261030.
        since = date.fromisoformat(text if ISO_DATE_RE.match(text) else "")
    except ValueError:
        raise UsageError(f"--since {text!r} is not a date — write YYYY-MM-DD") from None
    if since > today:
        raise UsageError(f"--since {since} is after today ({today}) — nothing has happened "
                         "yet; give an earlier date")
    return since, True


def find_agent(identities: IdentitiesFile, name: str, file: str) -> Agent:
    """The record named ``name``, revoked or not (an incident needs the revoked ones)."""
    agent = next((a for a in identities.agents if a.name == name), None)
    if agent is None:
        names = [a.name for a in identities.agents]
        known = ", ".join(names[:_LISTED]) or "(none)"
        if len(names) > _LISTED:
            known += f" and {len(names) - _LISTED} more (each record's `name:` in {file})"
        raise AgentIdError(f"no agent {name!r} in {file} — known: {known}. A record removed "
                           "after its revocation is audited from a copy of the file that still "
                           f"holds it: `git show REV:{file} > old.yaml`, then -f old.yaml")
    return agent


def plan_audit(agent: Agent, identities: IdentitiesFile, today: date, since: date,
               since_given: bool, cloud: str | None = None) -> AuditPlan:
    """The audit of ``agent`` since ``since``: every cloud it uses, or only ``cloud``."""
    used = clouds_of(agent, identities)
    if cloud is not None and cloud not in used:
        raise AgentIdError(
            f"{agent.name} has no {CLOUD_NAMES[cloud]} identity, so there is nothing to audit "
            f"there — its clouds: {', '.join(used)} (omit --cloud to audit them all)")
    since_ts = f"{since.isoformat()}T00:00:00Z"
    builders = {"aws": aws_audit, "gcp": gcp_audit, "azure": azure_audit, "github": github_audit}
    clouds = tuple(builders[c](agent, identities, since, since_ts)
                   for c in used if cloud is None or c == cloud)
    notes = []
    if not since_given:
        notes.append(f"The record does not say when {agent.name} was created: the queries start "
                     f"{DEFAULT_DAYS} days before today ({since.isoformat()}). Pass --since "
                     "YYYY-MM-DD to look further back.")
    revoked = None
    if agent.revoked is not None:
        revoked = (f"revoked on {agent.revoked.on.isoformat()} by {agent.revoked.by}: "
                   f"{agent.revoked.reason}")
        notes.append("Revoked: its identities are destroyed once the tombstone is deployed; "
                     "the logs keep what it did until their retention ends.")
    return AuditPlan(agent=agent.name, description=agent.description, owner=agent.owner,
                     revoked=revoked, since=since, since_given=since_given, today=today,
                     clouds=clouds, notes=tuple(notes))
