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
from ..model import Agent, IdentitiesFile
from ..names import FOUNDATION
from . import escalations as esc
from .card import IdentityCard, identity_card
from .content import (
    BROADENING,
    EXPIRY,
    HARMLESS,
    UNCLASSIFIED,
    Content,
    ContentChange,
    compare,
    mask_expiry,
    needing_approval,
    synthesized_content,
)
from .controls import ControlDiff, agent_controls, defaults_controls
from .diff import (
    TRUST,
    DeployKeyDiff,
    ExpiryChange,
    GrantRow,
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
from .plans import agent_documents, planned_content, planned_foundation
from .subjects import accepted, subject_change, without_subjects
from .terraform import PlanSummary

MARKER = "<!-- agentid-review -->"
MIN_REASON_CHARS = esc.MIN_REASON_CHARS
# Rules that judge a record against today's date. A base that was valid when it
# merged may fail them now (an expiry passed); that is what the change may fix,
# so they do not make the base invalid.
TIME_RULES = frozenset({"AgentId-ExpiryPassed", "AgentId-ExpiryBeyondPolicy",
                        "AgentId-RevokedInFuture"})
# A head that only breaks the lifetime policy is still planned, so the packet
# shows the extension next to its own gate.
HEAD_TOLERATED = frozenset({"AgentId-ExpiryBeyondPolicy"})

GATE_BROADENING = "AgentId-Review-UnapprovedBroadening"
GATE_NEW_AGENT = "AgentId-Review-UnapprovedNewAgent"
GATE_UNCLASSIFIED = "AgentId-Review-UnclassifiedChange"
GATE_REWRITTEN = "AgentId-Review-EscalationRewritten"
GATE_ESCALATION_INVALID = "AgentId-Review-EscalationInvalid"
GATE_ORPHAN = "AgentId-Review-Orphan"
GATE_EXPIRY = "AgentId-Review-ExpiryBeyondPolicy"
GATE_BASE_INVALID = "AgentId-Review-BaseInvalid"
GATE_BASE_NAMES_FILE = "AgentId-Review-BaseNamesAFile"
GATE_HEAD_INVALID = "AgentId-Review-HeadInvalid"

# Why each gate exists; `agentid validate --explain ID` prints it like a rule's,
# and the README's gate list is generated from it (cdk/review/gatedoc.py).
GATES_WHY = {
    GATE_BROADENING: "A widening of what an agent may do (an allow added, a deny removed, a "
    "new subject, repository or deploy key, a workflow pin lifted) or a weakened control "
    "(fewer or different approvers, longer sessions, lifetimes or rotation periods, Azure "
    "time-bound assignments off, a different backend, a store that creates a role) is a "
    "human decision; a new escalations entry records who approved it, when, and why, next "
    "to the change. Changes to `defaults` need a new `defaults.escalations` entry.",
    GATE_NEW_AGENT: "Creating an agent is a grant like any widening: its whole scope is "
    "new, so a new agent needs an escalations entry (a revoked agent re-created under "
    "another name is no exception).",
    GATE_UNCLASSIFIED: "The gate fails closed: a difference in a stack's security-relevant "
    "content that no rule classifies as a narrowing or as harmless needs a new escalation, "
    "like a broadening; the packet names the stack, resource and attribute.",
    GATE_REWRITTEN: "Escalations are an append-only audit record: an entry of the base may "
    "not be changed or removed while its agent exists, or one pull request could delete an "
    "approval and the next re-add it beside a different widening.",
    GATE_ESCALATION_INVALID: "A new escalations entry approves only when it is new "
    "(compared normalized, it repeats no entry anywhere in the base), dated within the "
    f"change (today or up to {esc.NEW_ENTRY_DAYS} days before), has a reason of substance, "
    "and names a team of the owner organization that is neither the agent nor its owner "
    "team.",
    GATE_ORPHAN: "A stack that vanishes from the app is never planned again, so Terraform "
    "never destroys what it holds: the agent's role and environments stay live. Revoke "
    "with a tombstone first; remove the record once the destroy has been applied.",
    GATE_EXPIRY: "No agent may live longer than policy.max_lifetime_days without a "
    "reviewed renewal; the cloud enforces the expiry on its own. The limit is the base's: "
    "a change that raises the limit and the expiry together is judged by the old limit.",
    GATE_BASE_INVALID: "A packet compares two plans; a base that cannot be planned would "
    "make every grant look new or hide what is removed.",
    GATE_HEAD_INVALID: "Only a file that passes every check may be merged and deployed.",
    GATE_BASE_NAMES_FILE: "`--base` is a git revision only (usage error, exit 2): a pull "
    "request could add a file named like the base revision holding a copy of its own head, "
    "and review would compare the head with itself. A file base is given with "
    "`--base-file PATH`.",
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
    # One line for the comment when ``message`` repeats a list the packet shows
    # below it (the grants of an agent, the weakened defaults); empty otherwise.
    summary: str = ""


@dataclass(frozen=True)
class AgentReview:
    """Everything the packet says about one touched agent."""

    name: str
    status: str  # new | changed | revoked | removed | orphan | restored
    card: IdentityCard
    permissions: PermissionDiff = PermissionDiff()
    trust: TrustDiff = TrustDiff()
    deploy_keys: DeployKeyDiff = DeployKeyDiff()
    controls: ControlDiff = ControlDiff()
    content: tuple[ContentChange, ...] = ()
    expiry: ExpiryChange | None = None
    new_escalations: tuple[str, ...] = ()
    resources: StackDiff | None = None
    destroys: tuple[str, ...] = ()
    left_live: tuple[str, ...] = ()
    terraform: PlanSummary | None = None
    # Deny rows of a document the base did not have (a new agent's standing denies
    # and must_never_hold): what it is denied from the start, not a narrowing.
    baseline: tuple[GrantRow, ...] = ()

    @property
    def broadened(self) -> bool:
        """Whether the agent may do anything it could not do before, or a control weakened."""
        return bool(self.permissions.broadened or self.trust.broadened
                    or self.deploy_keys.broadened or self.controls.broadened
                    or any(c.kind == BROADENING for c in self.content))

    @property
    def narrowed(self) -> bool:
        """Whether the agent lost anything it could do before."""
        return bool(self.permissions.narrowed or self.trust.narrowed
                    or self.deploy_keys.narrowed or self.controls.narrowed)

    @property
    def unclassified(self) -> tuple[ContentChange, ...]:
        """Differences no rule classifies: they need an escalation like a broadening."""
        return tuple(c for c in self.content if c.kind == UNCLASSIFIED)

    @property
    def stack_broadenings(self) -> tuple[ContentChange, ...]:
        """Broadenings in the stack's own terms, listed when the record-level diffs name none."""
        if (self.permissions.broadened or self.trust.broadened or self.deploy_keys.broadened
                or self.controls.broadened):
            return ()
        return tuple(c for c in self.content if c.kind == BROADENING)


@dataclass(frozen=True)
class DefaultsReview:
    """What the change does to ``defaults``: weakened and strengthened controls, approvals."""

    controls: ControlDiff = ControlDiff()
    new_escalations: tuple[str, ...] = ()


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
    defaults: DefaultsReview = DefaultsReview()
    shared_content: tuple[ContentChange, ...] = ()
    # (repository, security team) whose ruleset makes GitHub require this review, as
    # the base declares it; empty when GitHub does not enforce it.
    enforced_by: tuple[str, ...] = ()
    marker: str = MARKER
    # False with --no-synth: resources were not computed, so none are listed.
    synthesized: bool = True

    @property
    def ok(self) -> bool:
        """True when no gate failed."""
        return not self.gates


def contents(side: Side) -> dict[str, Content]:
    """Stack -> security-relevant content: synthesized when the side was, else planned."""
    if side.stacks:
        return {name: synthesized_content(stack) for name, stack in side.stacks.items()}
    if side.identities is None:
        return {}
    return {FOUNDATION: planned_foundation(side.identities),
            **{a.name: planned_content(a, side.identities) for a in side.identities.agents}}


@dataclass(frozen=True)
class _Approvals:
    """Valid new escalation entries by owner (agent name or ``defaults``)."""

    valid: Mapping[str, tuple[str, ...]]

    def by(self, owner: str) -> bool:
        return bool(self.valid.get(owner))

    def anywhere(self) -> bool:
        return any(self.valid.values())


def build_packet(base: Side, head: Side, today: date,
                 plans: Mapping[str, PlanSummary] | None = None) -> Packet:
    """Compare ``base`` and ``head``; an unusable side yields a packet of gates only."""
    plans = plans or {}
    gates = _validity_gates(base, head)
    synthesized = bool(base.stacks or head.stacks)
    if base.identities is None or head.identities is None:
        return Packet(base.label, head.label, today, tuple(gates), (), synthesized=synthesized)
    approvals, escalation_gates = _escalations(base.identities, head.identities, today)
    gates.extend(escalation_gates)
    base_content, head_content = contents(base), contents(head)
    reviews = []
    before, after = base.agents(), head.agents()
    for name in sorted(set(before) | set(after)):
        review = _review_agent(name, before.get(name), after.get(name), base, head, today,
                               base_content.get(name, {}), head_content.get(name, {}),
                               approvals)
        if review is None:
            continue
        if review.name in plans:
            review = replace(review, terraform=plans[review.name])
        reviews.append(review)
        gates.extend(_agent_gates(review, before.get(name), after.get(name), base, head,
                                  today, approvals))
    defaults = _defaults_review(base.identities, head.identities, approvals)
    org = base.identities.defaults.github.owner
    if defaults.controls.broadened and not approvals.by(esc.DEFAULTS):
        gates.append(Gate(
            GATE_BROADENING, None,
            f"defaults weaken a control for every agent: {'; '.join(defaults.controls.broadened)}"
            " without an approved defaults escalation",
            "add a `defaults.escalations` entry dated today, with a reason of at least "
            f"{MIN_REASON_CHARS} characters and the team of @{org} that approved it; or drop "
            "the change",
            f'defaults: {{escalations: [{{on: {today}, reason: "...", approved_by: '
            f'"@{org}/security"}}]}}',
            f"defaults weaken {_count(len(defaults.controls.broadened), 'control')} for every "
            "agent without an approved defaults escalation: listed under `defaults` below"))
    shared_content = compare(FOUNDATION, base_content.get(FOUNDATION, {}),
                             head_content.get(FOUNDATION, {}))
    unapproved = needing_approval(shared_content)
    if unapproved and not approvals.anywhere():
        approval = ("a `defaults.escalations` entry (or the escalation of the agent whose "
                    "change it follows from)")
        broader = [c for c in unapproved if c.kind == BROADENING]
        if broader:
            gates.append(Gate(
                GATE_BROADENING, FOUNDATION,
                "the shared foundation stack widens without an approved escalation: "
                + "; ".join(f"{c.where} ({c.note})" for c in broader),
                f"have the change approved with {approval}, or undo it",
                f'{{on: {today}, reason: "...", approved_by: "@{org}/security"}}',
                f"the shared foundation stack widens in {_count(len(broader), 'place')} "
                f"without an approved escalation: listed under Shared stack `{FOUNDATION}` below"))
        unclassified = [c for c in unapproved if c.kind == UNCLASSIFIED]
        if unclassified:
            gates.append(_unclassified_gate(FOUNDATION, unclassified, today, approval, org))
    shared = []
    if base.stacks.get(FOUNDATION) != head.stacks.get(FOUNDATION):
        shared.append(diff_stack(FOUNDATION, base.stacks.get(FOUNDATION),
                                 head.stacks.get(FOUNDATION)))
    reviewed = {r.name for r in reviews}
    # A plan of a stack without a section (the foundation, or an agent whose record
    # did not change) still counts: its changes are drift or shared infrastructure.
    other_plans = tuple(plans[name] for name in sorted(plans) if name not in reviewed)
    repo = base.identities.defaults.github.identities
    enforced = (repo.repo, repo.security_team) if repo is not None else ()
    return Packet(base.label, head.label, today, tuple(gates), tuple(reviews),
                  tuple(s for s in shared if s.output_changed), other_plans, defaults,
                  tuple(c for c in shared_content if c.kind not in (HARMLESS, EXPIRY)),
                  enforced, synthesized=synthesized)


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
                f'{{on: {today}, reason: "...", approved_by: "@{org}/security"}}'))
    return _Approvals(valid), gates


def _defaults_review(base: IdentitiesFile, head: IdentitiesFile, approvals: _Approvals
                     ) -> DefaultsReview:
    return DefaultsReview(defaults_controls(base.defaults, head.defaults),
                          approvals.valid.get(esc.DEFAULTS, ()))


def _review_agent(name: str, base: Agent | None, head: Agent | None, base_side: Side,
                  head_side: Side, today: date, base_content: Content, head_content: Content,
                  approvals: _Approvals) -> AgentReview | None:
    assert base_side.identities is not None and head_side.identities is not None
    base_docs = agent_documents(base, base_side.identities) if base is not None else {}
    head_docs = agent_documents(head, head_side.identities) if head is not None else {}
    base_stack = base_side.stacks.get(name)
    head_stack = head_side.stacks.get(name)
    if base == head and base_docs == head_docs and base_stack == head_stack \
            and base_content == head_content:
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
    destroys = tuple(c.address for c in stack.changes if c.action == "destroy") \
        if status == "revoked" else ()
    content: tuple[ContentChange, ...] = ()
    # A new agent's content is all new (its gate is the new-agent gate); a revocation
    # removes everything (a narrowing by definition).
    if status in ("changed", "restored"):
        assert base is not None
        content = tuple(c for c in compare(name, base_content, head_content,
                                           (base.expires, head.expires))
                        if c.kind not in (HARMLESS, EXPIRY))
    if base is not None and base.expires != head.expires:
        # The expiry gate judges the new date; grants are compared without it.
        base_docs = mask_expiry(base_docs, base.expires)
        head_docs = mask_expiry(head_docs, head.expires)
    permissions = diff_permissions(without_subjects(base_docs), without_subjects(head_docs))
    # A deny in a document the base did not have narrows nothing: it is part of
    # what the new document grants from the start (a new agent's standing denies).
    baseline = tuple(g for g in permissions.narrowed if g.effect == "Deny"
                     and not any(d in base_docs for d in g.documents))
    permissions = replace(permissions, narrowed=tuple(g for g in permissions.narrowed
                                                      if g not in baseline))
    return AgentReview(
        name=name,
        status=status,
        card=card,
        permissions=permissions,
        trust=diff_trust(base_docs.get(TRUST, {}), head_docs.get(TRUST, {}),
                         subject_change(base_docs, head_docs), accepted(base_docs)[0],
                         accepted(head_docs)[0]),
        deploy_keys=diff_deploy_keys(base_keys, head_keys),
        controls=agent_controls(base, head) if base is not None else ControlDiff(),
        content=content,
        expiry=expiry,
        new_escalations=approvals.valid.get(name, ()),
        resources=stack if stack.changes or stack.output_changed else None,
        destroys=destroys,
        baseline=baseline,
    )


def _deploy_keys(agent: Agent) -> dict[str, str]:
    return {key.repo: key.access for key in agent.github.deploy_keys}


def _agent_gates(review: AgentReview, base: Agent | None, head: Agent | None, base_side: Side,
                 head_side: Side, today: date, approvals: _Approvals) -> list[Gate]:
    gates = []
    assert base_side.identities is not None
    org = base_side.identities.defaults.github.owner
    example = f'escalations: [{{on: {today}, reason: "...", approved_by: "@{org}/security"}}]'
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
        limit = today + timedelta(days=days)
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
    fix = (f"{how}, dated today, with a reason of at least {MIN_REASON_CHARS} characters and "
           f"the team of @{org} that approved it (not the agent, not its owner team)")
    if review.status == "new" and not approved:
        gates.append(Gate(
            GATE_NEW_AGENT, review.name,
            f"{review.name} is a new agent (creating an agent is a grant: "
            f"{_widening_summary(review) or 'its whole scope is new'}) without an approved "
            "escalation", fix + "; or drop the record", example,
            f"{review.name} is a new agent without an approved escalation (creating an agent "
            f"is a grant): {_widening_count(review) or 'its whole scope'}, listed under "
            f"`{review.name}` below"))
    if review.status in ("changed", "restored") and review.broadened and not approved:
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
        f'{{on: {today}, reason: "...", approved_by: "@{org}/security"}}',
        f"{_count(len(changes), 'change')} no rule classifies as a narrowing or harmless: "
        f"listed under {'Shared stack ' if agent == FOUNDATION else ''}`{agent}` below")


def _widening_summary(review: AgentReview, limit: int = 8) -> str:
    items = [f"{', '.join(g.actions)} on {g.resource}" if g.effect == "Allow" else
             f"no longer denied {', '.join(g.actions)} on {g.resource}"
             for g in by_resource(review.permissions.broadened)]
    items += list(review.trust.broadened) + list(review.deploy_keys.broadened)
    items += list(review.controls.broadened)
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
                        (review.controls.broadened, "weakened control"),
                        (review.stack_broadenings, "stack change")):
        if items:
            parts.append(_count(len(items), word))
    return ", ".join(parts)
