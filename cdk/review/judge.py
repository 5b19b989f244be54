"""The gates judged: a side that is invalid, escalations that were rewritten or approve
nothing, and an agent's changes that lack an approval (pure)."""

from __future__ import annotations

from datetime import date

from ..checks.identity import latest_expiry
from ..model import Agent, IdentitiesFile
from ..names import FOUNDATION
from . import escalations as esc
from .changes import ContentChange
from .diff import (
    by_resource,
)
from .gates import (
    GATE_BASE_INVALID,
    GATE_BROADENING,
    GATE_ESCALATION_INVALID,
    GATE_EXPIRY,
    GATE_HEAD_INVALID,
    GATE_NEW_AGENT,
    GATE_ORPHAN,
    GATE_REWRITTEN,
    GATE_ROTATE_REWRITTEN,
    GATE_UNCLASSIFIED,
    HEAD_TOLERATED,
    MIN_REASON_CHARS,
    TIME_RULES,
    Gate,
)
from .lifecycle import rewritten_requests
from .packet import AgentReview, Side, _Approvals
from .verdicts import BROADENING


def _validity_gates(base: Side, head: Side) -> list[Gate]:
    gates = []
    for side, gate_id, what, tolerated in (
            (base, GATE_BASE_INVALID, "base", TIME_RULES),
            (head, GATE_HEAD_INVALID, "head", HEAD_TOLERATED)):
        findings = [f for f in side.findings if f.id not in tolerated]
        if side.identities is None or findings:
            lines = "; ".join(f.render() for f in findings) or "it could not be read"
            gates.append(Gate(gate_id, None, f"the {what} file ({side.label}) is invalid: {lines}",
                              f"run `agentid validate -f FILE` on the {what} and fix every "
                              "problem it reports"))
    return gates


def _escalations(base: IdentitiesFile, head: IdentitiesFile, today: date
                 ) -> tuple[_Approvals, list[Gate]]:
    """Judge every owner's entries: rewritten ones, invalid new ones, valid new ones."""
    org = base.defaults.github.owner
    index = esc.base_index(base)
    base_entries = esc.entries_by_owner(base)
    base_agents = {a.name: a for a in base.agents}
    agent_names = set(base_agents) | {a.name for a in head.agents}
    valid: dict[str, tuple[str, ...]] = {}
    gates: list[Gate] = []
    for owner, entries in esc.entries_by_owner(head).items():
        agent = next((a for a in head.agents if a.name == owner), None)
        owners = [agent.owner] if agent is not None else []
        if owner in base_agents:
            owners.append(base_agents[owner].owner)
        # No agent of the file approves anything: agent-<name> teams are refused everywhere.
        refused = esc.refused_teams(org, None if agent is None else owner, owners) + [
            f"@{org}/agent-{name}" for name in sorted(agent_names)]
        judged = esc.judge(owner, base_entries.get(owner, ()), entries, index, today, org,
                           refused)
        valid[owner] = judged.valid
        where = "defaults.escalations" if owner == esc.DEFAULTS else f"the escalations of {owner}"
        subject = None if owner == esc.DEFAULTS else owner
        if judged.rewritten:
            gates.append(Gate(
                GATE_REWRITTEN, subject,
                f"{where} changed or removed entries of the base: "
                + "; ".join(judged.rewritten),
                "restore every entry exactly as the base has it (escalations are append-only) "
                "and add a new entry below them for the new approval"))
        if judged.invalid:
            gates.append(Gate(
                GATE_ESCALATION_INVALID, subject,
                f"new entries of {where} approve nothing: " + "; ".join(judged.invalid),
                f"date a new entry today (or up to {esc.NEW_ENTRY_DAYS} days before), give its "
                f"own reason of at least {MIN_REASON_CHARS} characters, and name the approving "
                f"team of @{org} (never a person, the agent or its owner team)",
                esc.example_entry(today, org)))
    return _Approvals(valid), gates


def _rotation_gates(base: IdentitiesFile, head: IdentitiesFile) -> list[Gate]:
    """Rotate entries of the base changed or removed while their agent exists."""
    before = {a.name: a for a in base.agents}
    gates = []
    for agent in head.agents:
        rewritten = rewritten_requests(before.get(agent.name), agent)
        if rewritten:
            gates.append(Gate(
                GATE_ROTATE_REWRITTEN, agent.name,
                f"the rotate requests of {agent.name} changed or removed entries of the base: "
                + "; ".join(rewritten),
                "restore every rotate entry exactly as the base has it (rotate requests are "
                "append-only) and add a new entry below them for a new request",
                "rotate: [..., {on: YYYY-MM-DD, by: \"@org/team\", reason: \"...\"}]"))
    return gates


def _agent_gates(review: AgentReview, base: Agent | None, head: Agent | None, base_side: Side,
                 head_side: Side, today: date, approvals: _Approvals) -> list[Gate]:
    gates = []
    assert base_side.identities is not None
    org = base_side.identities.defaults.github.owner
    example = f"escalations: [{esc.example_entry(today, org)}]"
    if review.status == "orphan":
        gates.append(Gate(
            GATE_ORPHAN, review.name,
            f"{review.name} vanished from the file without a tombstone: its role, "
            "environments and keys would stay live with no stack to destroy them",
            "put the record back with a tombstone and merge it; deploying that change "
            "destroys the agent, and a later change may remove the record",
            f'revoked: {{on: {today}, by: "@org/team", reason: ...}}',
        ))
    if head is not None and head.revoked is None and base_side.identities is not None:
        # The limit is the base's: a change may not raise the limit and the expiry together.
        days = base_side.identities.defaults.policy.max_lifetime_days
        limit = latest_expiry(base_side.identities, today)
        if head.expires > limit:
            gates.append(Gate(
                GATE_EXPIRY, review.name,
                f"{review.name} expires {head.expires}, more than the base policy's {days} days "
                f"from {today}",
                f"set `expires` on or before {limit}",
            ))
    if head is None or head.revoked is not None:
        return gates
    # Changes to an agent whose record is unchanged follow from `defaults`.
    approver = review.name if base != head else esc.DEFAULTS
    approved = approvals.by(approver)
    how = (f"add an escalations entry to the record of {review.name}" if approver != esc.DEFAULTS
           else "add a `defaults.escalations` entry")
    fix = f"{how}, {esc.requirement(org)} (not the agent, not its owner team)"
    if review.status == "new" and not approved:
        gates.append(Gate(
            GATE_NEW_AGENT, review.name,
            f"{review.name} is a new agent (creating an agent is a grant: "
            f"{_widening_summary(review) or 'its whole scope is new'}) without an approved "
            "escalation", fix + "; or drop the record", example,
            f"{review.name} is a new agent without an approved escalation (creating an agent "
            f"is a grant): {_widening_count(review) or 'its whole scope'}, listed under "
            f"`{review.name}` below"))
    if review.status in ("changed", "restored", "locked", "unlocked") and review.broadened \
            and not approved:
        widened = _widening_summary(review)
        gates.append(Gate(
            GATE_BROADENING, review.name,
            f"{review.name} gains {widened} without an approved escalation "
            f"(no new {'escalations' if approver != esc.DEFAULTS else 'defaults.escalations'}"
            " entry that approves it)", fix + "; or drop the widening", example,
            f"{review.name} is broadened without an approved escalation: "
            f"{_widening_count(review)}, listed under `{review.name}` below"))
    unclassified = review.unclassified
    if unclassified and not approved:
        gates.append(_unclassified_gate(review.name, unclassified, today,
                                        how.removeprefix("add "), org))
    return gates


def _unclassified_gate(agent: str | None, changes: list[ContentChange] | tuple[ContentChange, ...],
                       today: date, approval: str, org: str) -> Gate:
    listed = "; ".join(f"{c.where} ({c.note})" for c in changes[:8])
    more = f" and {len(changes) - 8} more" if len(changes) > 8 else ""
    return Gate(
        GATE_UNCLASSIFIED, agent,
        f"changes no rule classifies as a narrowing or harmless: {listed}{more}",
        f"have the change approved with {approval} (the gate fails closed), or undo it; "
        "if the change is harmless, classify it in cdk/review/content.py's RULES with a reason",
        esc.example_entry(today, org),
        f"{_count(len(changes), 'change')} no rule classifies as a narrowing or harmless: "
        f"listed under {'Shared stack ' if agent == FOUNDATION else ''}`{agent}` below")


def _widening_summary(review: AgentReview, limit: int = 8) -> str:
    items = [f"{', '.join(g.actions)} on {g.resource}" if g.effect == "Allow" else
             f"no longer denied {', '.join(g.actions)} on {g.resource}"
             for g in by_resource(review.permissions.broadened)]
    items += list(review.trust.broadened) + list(review.deploy_keys.broadened)
    items += list(review.github_app.broadened) + list(review.controls.broadened)
    if not items:
        # Named in the stack's own terms only when the record-level diffs name nothing.
        items = [f"{c.where}: {c.note}" for c in review.content if c.kind == BROADENING]
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _count(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _widening_count(review: AgentReview) -> str:
    """What :func:`_widening_summary` lists, counted: one line for the packet's gate list."""
    groups = by_resource(review.permissions.broadened)
    allowed = [g for g in groups if g.effect == "Allow"]
    undenied = [g for g in groups if g.effect != "Allow"]
    parts = []
    if allowed:
        actions = sum(len(g.actions) for g in allowed)
        parts.append(f"{_count(actions, 'action')} on {_count(len(allowed), 'resource')}")
    if undenied:
        actions = sum(len(g.actions) for g in undenied)
        parts.append(f"{_count(actions, 'action')} no longer denied")
    for items, word in ((review.trust.broadened, "trust grant"),
                        (review.deploy_keys.broadened, "deploy key"),
                        (review.github_app.broadened, "GitHub App grant"),
                        (review.controls.broadened, "weakened control"),
                        (review.stack_broadenings, "stack change")):
        if items:
            parts.append(_count(len(items), word))
    return ", ".join(parts)
