"""What a review packet holds: the two sides compared, one section per touched agent,
the defaults, and the failed gates (cdk/review/build.py assembles it).

A side is one identities file as validated records plus its synthesized stacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import Finding
from ..model import Agent, IdentitiesFile
from ..names import FOUNDATION
from .card import IdentityCard
from .changes import Content, ContentChange, synthesized_content
from .controls import ControlDiff
from .diff import (
    DeployKeyDiff,
    ExpiryChange,
    GrantRow,
    PermissionDiff,
    StackDiff,
)
from .gates import Gate
from .github_app import AppDiff
from .lifecycle import LOCKED, STILL_LOCKED, LockChange, RotationNote
from .plans import planned_content, planned_foundation
from .terraform import PlanSummary
from .trust import TrustDiff
from .verdicts import BROADENING, UNCLASSIFIED

MARKER = "<!-- agentid-review -->"


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
class AgentReview:
    """Everything the packet says about one touched agent."""

    name: str
    status: str  # new | changed | revoked | removed | orphan | restored | locked | unlocked
    card: IdentityCard
    permissions: PermissionDiff = PermissionDiff()
    trust: TrustDiff = TrustDiff()
    deploy_keys: DeployKeyDiff = DeployKeyDiff()
    github_app: AppDiff = AppDiff()
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
    # The agent's lock when either side has one, and what locking (or unlocking) it
    # does to its stack, as the lock's forms and removals classify it.
    lock: LockChange | None = None
    lock_effects: tuple[ContentChange, ...] = ()
    # A new rotate request: the keys are replaced at the next deploy.
    rotation: RotationNote | None = None

    @property
    def broadened(self) -> bool:
        """Whether the agent may do anything it could not do before, or a control weakened."""
        return bool(self.permissions.broadened or self.trust.broadened
                    or self.deploy_keys.broadened or self.controls.broadened
                    or self.github_app.broadened
                    or any(c.kind == BROADENING for c in self.content))

    @property
    def narrowed(self) -> bool:
        """Whether the agent lost anything it could do before."""
        return bool(self.permissions.narrowed or self.trust.narrowed
                    or self.deploy_keys.narrowed or self.controls.narrowed
                    or self.github_app.narrowed
                    or (self.lock is not None and self.lock.change == LOCKED))

    @property
    def unclassified(self) -> tuple[ContentChange, ...]:
        """Differences no rule classifies: they need an escalation like a broadening."""
        return tuple(c for c in self.content if c.kind == UNCLASSIFIED)

    @property
    def stack_broadenings(self) -> tuple[ContentChange, ...]:
        """Broadenings in the stack's own terms, listed when the record-level diffs name none."""
        if (self.permissions.broadened or self.trust.broadened or self.deploy_keys.broadened
                or self.controls.broadened or self.github_app.broadened):
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
    def locks(self) -> tuple[LockChange, ...]:
        """Agents this change locks, unlocks or whose lock's record it changes: each is
        a banner at the top of the packet."""
        return tuple(a.lock for a in self.agents if a.lock is not None
                     and a.lock.change != STILL_LOCKED)

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
