"""The identity card: who an agent is and what it may do, in plain words (pure).

The same card heads an agent's section in a review packet and is the block a
run record carries (``agentid card NAME --run-id ID``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..lifecycle import State, state
from ..model import Agent, IdentitiesFile
from ..names import principal
from ..plan import environment_of, job_workflow_ref
from ..subjects import BOTH, IMMUTABLE, accepted_subjects, form_of
from ..targets import used

# The expiry enforcement of every target that does not say otherwise (CardLines.expiry).
CLOUD_REFUSES = "the cloud refuses the identity from that date"


@dataclass(frozen=True)
class IdentityCard:
    """Everything a reviewer or a run record needs to know about one identity."""

    name: str
    principal: str
    description: str
    owner: str
    rotation_owner: str
    approvers: tuple[str, ...]
    expires: date
    days_left: int
    credential_source: str
    runs_on: tuple[str, ...]
    scope: tuple[str, ...]
    deploy_keys: tuple[str, ...]
    must_never_hold: tuple[str, ...]
    escalations: tuple[str, ...]
    revoked: str | None
    revocation: str
    revocation_command: str
    expiry_enforcement: str = CLOUD_REFUSES
    # Where the agent's alerts go, one line per channel (docs/alerts.md).
    alerts: tuple[str, ...] = ()
    # active, locked or revoked (cdk/lifecycle.py).
    state: State = "active"
    # A locked agent: "on <date> by <who>: <reason>", and what stopped, per target.
    locked: str | None = None
    lock_effects: tuple[str, ...] = ()
    # Where the agent acts under its own name (its GitHub App), one line each.
    acts_as: tuple[str, ...] = ()


def revocation_command(name: str) -> str:
    """The exact command that applies a tombstone: a deploy of the emptied stack."""
    return f"npx cdktn deploy {name}"


def identity_card(agent: Agent, identities: IdentitiesFile, today: date) -> IdentityCard:
    """The card of ``agent`` as of ``today``: each target it uses adds its lines
    (:attr:`cdk.targets.Target.card`), in registry order."""
    lines = [t.card(agent, identities, today) for t in used(agent, identities)]
    source = "; ".join(c for part in lines for c in part.credential)
    source = source or "GitHub Actions OIDC token; no cloud role"
    legacy = "".join(part.legacy_subject for part in lines if part.legacy_subject)
    runs = []
    github = identities.defaults.github
    for run in agent.runs_on:
        where = f"{run.repo} (id {run.repo_id}), environment {environment_of(agent, run)}"
        pin = job_workflow_ref(run)
        runs.append(where + (f", only workflow {pin}" if pin else "")
                    + _subject_line(form_of(github, run), accepted_subjects(github, agent, run),
                                    legacy))
    scope = [line for part in lines for line in part.scope]
    expiry = next((part.expiry for part in lines if part.expiry), None)
    keys = tuple(f"{key.access} deploy key on {key.repo}" for key in agent.github.deploy_keys)
    escalations = tuple(f"{e.on}: {e.reason} (approved by {e.approved_by})"
                        for e in agent.escalations)
    revoked = (None if agent.revoked is None else
               f"on {agent.revoked.on} by {agent.revoked.by}: {agent.revoked.reason}")
    lock = agent.locked if state(agent) == "locked" else None
    return IdentityCard(
        name=agent.name,
        principal=principal(agent.name),
        description=agent.description,
        owner=agent.owner,
        rotation_owner=agent.rotation_owner,
        approvers=agent.approvers,
        expires=agent.expires,
        days_left=(agent.expires - today).days,
        credential_source=source,
        runs_on=tuple(runs),
        scope=tuple(scope) or ("no cloud permissions",),
        deploy_keys=keys,
        must_never_hold=agent.must_never_hold,
        escalations=escalations,
        revoked=revoked,
        revocation=(f"add `revoked: {{on: {today}, by: \"{agent.owner}\", reason: ...}}` "
                    f"to the record, merge, then run `{revocation_command(agent.name)}`"),
        revocation_command=revocation_command(agent.name),
        expiry_enforcement=expiry or CLOUD_REFUSES,
        alerts=tuple(line for part in lines for line in part.alerts),
        state=state(agent),
        locked=None if lock is None else f"on {lock.on} by {lock.by}: {lock.reason}",
        lock_effects=tuple(part.lock for part in lines if part.lock),
        acts_as=tuple(line for part in lines for line in part.acts_as),
    )


def _subject_line(form: str, subjects: tuple[str, ...], legacy: str) -> str:
    """How the entry's tokens must name it, and whether that survives a re-created
    repository of the same name (``legacy``: what a target that checks the subject
    alone adds, or empty)."""
    exact = " or ".join(subjects)
    if form == IMMUTABLE:
        return (f"; immutable subject {exact} (rename-proof: the owner and repository ids "
                "are in the subject)")
    if form == BOTH:
        return (f"; accepts BOTH subject forms, {exact} (the repository id is pinned by "
                "the trust's other conditions; not allowed on Azure)")
    note = legacy or "; the repository id is pinned by the trust's other conditions"
    return f"; legacy subject {exact} (names only{note})"
