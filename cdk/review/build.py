"""Assemble a review packet from two planned sides and judge it with the gates (pure).

Each touched agent gets an :class:`AgentReview`; every gate that fails becomes a
:class:`Gate` with a stable id and a message that says how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from ..model import Agent, IdentitiesFile
from ..names import FOUNDATION
from . import escalations as esc
from .card import identity_card
from .changes import (
    LOCKING,
    UNLOCKING,
    Content,
    ContentChange,
    compare,
    mask_expiry,
    needing_approval,
)
from .controls import ControlDiff, agent_controls, defaults_controls
from .diff import (
    TRUST,
    ExpiryChange,
    diff_deploy_keys,
    diff_permissions,
    diff_stack,
    resources_of,
)
from .gates import GATE_BROADENING, Gate
from .github_app import app_of, diff_app
from .judge import (
    _agent_gates,
    _count,
    _escalations,
    _rotation_gates,
    _unclassified_gate,
    _validity_gates,
)
from .lifecycle import LOCKED, UNLOCKED, LockChange, lock_change, rotation_note, unlocked
from .packet import AgentReview, DefaultsReview, Packet, Side, _Approvals, contents
from .plans import agent_documents, planned_content
from .subjects import accepted, subject_change, without_subjects
from .terraform import PlanSummary
from .trust import diff_trust
from .verdicts import BROADENING, EXPIRY, HARMLESS, NARROWING, NEEDS_APPROVAL, UNCLASSIFIED


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
    gates.extend(_rotation_gates(base.identities, head.identities))
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
            f"add a `defaults.escalations` entry {esc.requirement(org)}; or drop "
            "the change",
            f"defaults: {{escalations: [{esc.example_entry(today, org)}]}}",
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
                esc.example_entry(today, org),
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


def _defaults_review(base: IdentitiesFile, head: IdentitiesFile, approvals: _Approvals
                     ) -> DefaultsReview:
    return DefaultsReview(defaults_controls(base.defaults, head.defaults),
                          approvals.valid.get(esc.DEFAULTS, ()))


def _review_agent(name: str, base: Agent | None, head: Agent | None, base_side: Side,
                  head_side: Side, today: date, base_content: Content, head_content: Content,
                  approvals: _Approvals) -> AgentReview | None:
    assert base_side.identities is not None and head_side.identities is not None
    base_stack = base_side.stacks.get(name)
    head_stack = head_side.stacks.get(name)
    lock = lock_change(base, head)
    # A locked record is judged as it would be unlocked (what unlocking it would grant),
    # on the plans; the stacks as they are are judged with the lock's forms below.
    intent_base = unlocked(base) if base is not None and lock is not None else base
    intent_head = unlocked(head) if head is not None and lock is not None else head
    base_docs = agent_documents(intent_base, base_side.identities) \
        if intent_base is not None else {}
    head_docs = agent_documents(intent_head, head_side.identities) \
        if intent_head is not None else {}
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
    elif lock is not None and lock.change in (LOCKED, UNLOCKED):
        status = lock.change
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
    lock_effects: tuple[ContentChange, ...] = ()
    # A new agent's content is all new (its gate is the new-agent gate); a revocation
    # removes everything (a narrowing by definition).
    if status in ("changed", "restored", LOCKED, UNLOCKED):
        assert base is not None
        expires = (base.expires, head.expires)
        if lock is None:
            content = compare(name, base_content, head_content, expires)
        else:
            content, lock_effects = _locked_content(
                name, lock, intent_base, intent_head, base_side, head_side, base_content,
                head_content, expires)
        content = tuple(c for c in content if c.kind not in (HARMLESS, EXPIRY))
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
        github_app=diff_app(app_of(base) if base is not None else None, app_of(head)),
        controls=agent_controls(base, head) if base is not None else ControlDiff(),
        content=content,
        expiry=expiry,
        new_escalations=approvals.valid.get(name, ()),
        resources=stack if stack.changes or stack.output_changed else None,
        destroys=destroys,
        baseline=baseline,
        lock=lock,
        lock_effects=lock_effects,
        rotation=rotation_note(base, head),
    )


def _locked_content(name: str, lock: LockChange, base: Agent | None, head: Agent | None,
                    base_side: Side, head_side: Side, base_content: Content,
                    head_content: Content, expires: tuple[date | None, date | None]
                    ) -> tuple[tuple[ContentChange, ...], tuple[ContentChange, ...]]:
    """(changes to judge, the lock's effects) of an agent locked on either side.

    The record is compared unlocked on both sides (``base`` and ``head`` are the
    unlocked records), on the plans, with every usual rule: a grant, subject or
    approver written beside a lock is a broadening now, not when the lock is lifted.
    The stacks as they are are compared with the lock's forms: for a lock, what the
    lock's forms and the usual removals narrow are its effects and anything else is
    judged as usual; for an unlock, what leaves the lock's forms broadens.
    """
    assert base is not None and head is not None
    assert base_side.identities is not None and head_side.identities is not None
    intent = compare(name, planned_content(base, base_side.identities),
                     planned_content(head, head_side.identities), expires)
    direction = {LOCKED: LOCKING, UNLOCKED: UNLOCKING}.get(lock.change)
    actual = compare(name, base_content, head_content, expires, direction)
    effect = NARROWING if lock.change == LOCKED else BROADENING
    effects = tuple(c for c in actual if direction is not None and c.kind == effect)
    if lock.change == LOCKED:
        # A removal's general reason (an environment's runs_on entry gone, ...) is not
        # why it goes here: the lock deletes it.
        effects = tuple(replace(c, note="deleted by the lock (a removal narrows)")
                        if c.attribute == "*" else c for c in effects)
    judged = tuple(sorted(set(intent) | {c for c in actual if c.kind in NEEDS_APPROVAL}))
    return judged, effects


def _deploy_keys(agent: Agent) -> dict[str, str]:
    return {key.repo: key.access for key in agent.github.deploy_keys}
