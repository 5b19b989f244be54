"""Assemble a review packet from two planned sides and judge it with the gates (pure).

A side is one identities file as validated records plus its synthesized stacks.
Each touched agent gets an :class:`AgentReview`; every gate that fails becomes a
:class:`Gate` with a stable id and a message that says how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from ..errors import Finding
from ..model import Agent, Escalation, IdentitiesFile
from ..names import FOUNDATION
from .card import IdentityCard, identity_card
from .diff import (
    TRUST,
    DeployKeyDiff,
    ExpiryChange,
    PermissionDiff,
    StackDiff,
    TrustDiff,
    by_resource,
    diff_deploy_keys,
    diff_permissions,
    diff_stack,
    diff_trust,
    resources_of,
)
from .plans import agent_documents
from .subjects import accepted, subject_change, without_subjects
from .terraform import PlanSummary

MARKER = "<!-- agentid-review -->"
MIN_REASON_CHARS = 20
# Rules that judge a record against today's date. A base that was valid when it
# merged may fail them now (an expiry passed); that is what the change may fix,
# so they do not make the base invalid.
TIME_RULES = frozenset({"AgentId-ExpiryPassed", "AgentId-ExpiryBeyondPolicy",
                        "AgentId-RevokedInFuture"})
# A head that only breaks the lifetime policy is still planned, so the packet
# shows the extension next to its own gate.
HEAD_TOLERATED = frozenset({"AgentId-ExpiryBeyondPolicy"})

GATE_BROADENING = "AgentId-Review-UnapprovedBroadening"
GATE_ORPHAN = "AgentId-Review-Orphan"
GATE_EXPIRY = "AgentId-Review-ExpiryBeyondPolicy"
GATE_BASE_INVALID = "AgentId-Review-BaseInvalid"
GATE_HEAD_INVALID = "AgentId-Review-HeadInvalid"

# Why each gate exists; `agentid validate --explain ID` prints it like a rule's.
GATES_WHY = {
    GATE_BROADENING: "A widening of what an agent may do (an allow added, a deny removed, a "
    "new subject, repository or deploy key, a workflow pin lifted) is a human decision; a "
    "new escalations entry records who approved it, when, and why, next to the change.",
    GATE_ORPHAN: "A stack that vanishes from the app is never planned again, so Terraform "
    "never destroys what it holds: the agent's role and environments stay live. Revoke "
    "with a tombstone first; remove the record once the destroy has been applied.",
    GATE_EXPIRY: "No agent may live longer than policy.max_lifetime_days without a "
    "reviewed renewal; the cloud enforces the expiry on its own.",
    GATE_BASE_INVALID: "A packet compares two plans; a base that cannot be planned would "
    "make every grant look new or hide what is removed.",
    GATE_HEAD_INVALID: "Only a file that passes every check may be merged and deployed.",
}


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a label, its records (None if unusable), findings."""

    label: str
    identities: IdentitiesFile | None
    findings: tuple[Finding, ...] = ()
    stacks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def agents(self) -> dict[str, Agent]:
        """Agents by name (empty when the side is unusable)."""
        if self.identities is None:
            return {}
        return {a.name: a for a in self.identities.agents}


@dataclass(frozen=True)
class Gate:
    """A failed gate: stable id, the agent it concerns, what is wrong and how to fix it."""

    id: str
    agent: str | None
    message: str
    fix: str
    example: str = ""


@dataclass(frozen=True)
class AgentReview:
    """Everything the packet says about one touched agent."""

    name: str
    status: str  # new | changed | revoked | removed | orphan | restored
    card: IdentityCard
    permissions: PermissionDiff = PermissionDiff()
    trust: TrustDiff = TrustDiff()
    deploy_keys: DeployKeyDiff = DeployKeyDiff()
    expiry: ExpiryChange | None = None
    new_escalations: tuple[str, ...] = ()
    resources: StackDiff | None = None
    destroys: tuple[str, ...] = ()
    left_live: tuple[str, ...] = ()
    terraform: PlanSummary | None = None

    @property
    def broadened(self) -> bool:
        """Whether the agent may do anything it could not do before."""
        return bool(self.permissions.broadened or self.trust.broadened
                    or self.deploy_keys.broadened)

    @property
    def narrowed(self) -> bool:
        """Whether the agent lost anything it could do before."""
        return bool(self.permissions.narrowed or self.trust.narrowed
                    or self.deploy_keys.narrowed)


@dataclass(frozen=True)
class Packet:
    """The whole review: gates first, then one section per touched agent."""

    base: str
    head: str
    today: date
    gates: tuple[Gate, ...]
    agents: tuple[AgentReview, ...]
    shared: tuple[StackDiff, ...] = ()
    other_plans: tuple[PlanSummary, ...] = ()
    marker: str = MARKER

    @property
    def ok(self) -> bool:
        """True when no gate failed."""
        return not self.gates


def build_packet(base: Side, head: Side, today: date,
                 plans: Mapping[str, PlanSummary] | None = None) -> Packet:
    """Compare ``base`` and ``head``; an unusable side yields a packet of gates only."""
    plans = plans or {}
    gates = _validity_gates(base, head)
    if base.identities is None or head.identities is None:
        return Packet(base.label, head.label, today, tuple(gates), ())
    reviews = []
    before, after = base.agents(), head.agents()
    for name in sorted(set(before) | set(after)):
        review = _review_agent(name, before.get(name), after.get(name), base, head, today)
        if review is None:
            continue
        if review.name in plans:
            review = replace(review, terraform=plans[review.name])
        reviews.append(review)
        gates.extend(_agent_gates(review, before.get(name), after.get(name), head, today))
    shared = []
    if base.stacks.get(FOUNDATION) != head.stacks.get(FOUNDATION):
        shared.append(diff_stack(FOUNDATION, base.stacks.get(FOUNDATION),
                                 head.stacks.get(FOUNDATION)))
    reviewed = {r.name for r in reviews}
    # A plan of a stack without a section (the foundation, or an agent whose record
    # did not change) still counts: its changes are drift or shared infrastructure.
    other_plans = tuple(plans[name] for name in sorted(plans) if name not in reviewed)
    return Packet(base.label, head.label, today, tuple(gates), tuple(reviews),
                  tuple(s for s in shared if s.output_changed), other_plans)


def _validity_gates(base: Side, head: Side) -> list[Gate]:
    gates = []
    for side, gate_id, what, tolerated in (
            (base, GATE_BASE_INVALID, "base", TIME_RULES),
            (head, GATE_HEAD_INVALID, "head", HEAD_TOLERATED)):
        findings = [f for f in side.findings if f.rule not in tolerated]
        if side.identities is None or findings:
            lines = "; ".join(f.render() for f in findings) or "it could not be read"
            gates.append(Gate(gate_id, None, f"the {what} file ({side.label}) is invalid: {lines}",
                              f"run `agentid validate -f FILE` on the {what} and fix every "
                              "problem it reports"))
    return gates


def _review_agent(name: str, base: Agent | None, head: Agent | None, base_side: Side,
                  head_side: Side, today: date) -> AgentReview | None:
    assert base_side.identities is not None and head_side.identities is not None
    base_docs = agent_documents(base, base_side.identities) if base is not None else {}
    head_docs = agent_documents(head, head_side.identities) if head is not None else {}
    base_stack = base_side.stacks.get(name)
    head_stack = head_side.stacks.get(name)
    if base == head and base_docs == head_docs and base_stack == head_stack:
        return None
    current = head if head is not None else base
    assert current is not None
    identities = head_side.identities if head is not None else base_side.identities
    card = identity_card(current, identities, today)
    if head is None:
        assert base is not None
        status = "removed" if base.revoked is not None else "orphan"
        live = tuple(sorted(resources_of(base_stack))) if status == "orphan" else ()
        return AgentReview(name, status, card, left_live=live)
    stack = diff_stack(name, base_stack, head_stack)
    if base is None:
        status = "new"
    elif head.revoked is not None and base.revoked is None:
        status = "revoked"
    elif head.revoked is None and base.revoked is not None:
        status = "restored"
    else:
        status = "changed"
    base_keys = {} if base is None or base.revoked else _deploy_keys(base)
    head_keys = {} if head.revoked else _deploy_keys(head)
    expiry = None
    if base is not None and base.expires != head.expires and head.revoked is None:
        expiry = ExpiryChange(base.expires, head.expires, (head.expires - today).days)
    old_escalations = set(base.escalations) if base is not None else set()
    fresh = tuple(_describe(e) for e in head.escalations if e not in old_escalations)
    destroys = tuple(c.address for c in stack.changes if c.action == "destroy") \
        if status == "revoked" else ()
    return AgentReview(
        name=name,
        status=status,
        card=card,
        permissions=diff_permissions(without_subjects(base_docs), without_subjects(head_docs)),
        trust=diff_trust(base_docs.get(TRUST, {}), head_docs.get(TRUST, {}),
                         subject_change(base_docs, head_docs), accepted(base_docs)[0],
                         accepted(head_docs)[0]),
        deploy_keys=diff_deploy_keys(base_keys, head_keys),
        expiry=expiry,
        new_escalations=fresh,
        resources=stack if stack.changes or stack.output_changed else None,
        destroys=destroys,
    )


def _deploy_keys(agent: Agent) -> dict[str, str]:
    return {key.repo: key.access for key in agent.github.deploy_keys}


def _describe(escalation: Escalation) -> str:
    return f"{escalation.on}: {escalation.reason} (approved by {escalation.approved_by})"


def _agent_gates(review: AgentReview, base: Agent | None, head: Agent | None, head_side: Side,
                 today: date) -> list[Gate]:
    gates = []
    if review.status == "orphan":
        gates.append(Gate(
            GATE_ORPHAN, review.name,
            f"{review.name} vanished from the file without a tombstone: its role, "
            "environments and keys would stay live with no stack to destroy them",
            "put the record back with a tombstone and merge it; deploying that change "
            "destroys the agent, and a later change may remove the record",
            f'revoked: {{on: {today}, by: "@org/team", reason: ...}}',
        ))
    if head is not None and head.revoked is None and head_side.identities is not None:
        days = head_side.identities.defaults.policy.max_lifetime_days
        limit = today + timedelta(days=days)
        if head.expires > limit:
            gates.append(Gate(
                GATE_EXPIRY, review.name,
                f"{review.name} expires {head.expires}, more than the policy's {days} days "
                f"from {today}",
                f"set `expires` on or before {limit}",
            ))
    # A new agent's grants are all new and reviewed as a whole; the escalation
    # gate is about widening an identity that already exists.
    if head is not None and base is not None and review.broadened:
        problem = _escalation_problem(base, head, today)
        if problem is not None:
            widened = _widening_summary(review)
            gates.append(Gate(
                GATE_BROADENING, review.name,
                f"{review.name} gains {widened} without an approved escalation ({problem})",
                "add an escalations entry to the record, dated today, with a reason of at "
                f"least {MIN_REASON_CHARS} characters and the team that approved the widening; "
                "or drop the widening",
                f'escalations: [{{on: {today}, reason: "...", approved_by: "@org/team"}}]',
            ))
    return gates


def _escalation_problem(base: Agent, head: Agent, today: date) -> str | None:
    """None when a new escalation entry justifies the widening, else why not."""
    fresh = [e for e in head.escalations if e not in set(base.escalations)]
    if not fresh:
        return "no new escalations entry"
    problems = []
    for entry in fresh:
        if len(entry.reason.strip()) < MIN_REASON_CHARS:
            problems.append(f"the entry of {entry.on} gives a reason of "
                            f"{len(entry.reason.strip())} characters, at least "
                            f"{MIN_REASON_CHARS} are needed")
        elif entry.on > today:
            problems.append(f"the entry of {entry.on} is dated after today ({today})")
        else:
            return None
    return "; ".join(problems)


def _widening_summary(review: AgentReview, limit: int = 8) -> str:
    items = [f"{', '.join(g.actions)} on {g.resource}" if g.effect == "Allow" else
             f"no longer denied {', '.join(g.actions)} on {g.resource}"
             for g in by_resource(review.permissions.broadened)]
    items += list(review.trust.broadened) + list(review.deploy_keys.broadened)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
