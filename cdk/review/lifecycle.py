"""Lock and rotate requests as the review reads them (pure).

A lock (``locked: {on, by, reason}``) is a narrowing: the agent keeps its stack but
obtains and uses nothing. Review judges a locked record twice: what the record
would grant *unlocked* (:func:`unlocked`) against the base, with every usual rule,
so a broadening written beside a lock (a new grant, subject or approver) still needs
its escalation and is not approved by the unlock that would later expose it; and the
stacks as they are, where only the lock's own forms (:data:`cdk.review.content.LOCK_RULES`)
and removals narrow. Unlocking is a broadening like any other. A lock whose ``by``,
``on`` or ``reason`` changes while the agent stays locked changes nothing the agent
can do: the packet shows the old and the new record.

A rotate request (``rotate: [{on, by, reason}]``) replaces the agent's keys at the
next deploy: the packet says so; new keys with the same access are no broadening.
Entries of ``rotate`` are an audit record like escalations: one of the base may not
be changed or removed while its agent exists (``AgentId-Review-RotateRewritten``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from ..lifecycle import newest_request
from ..model import Agent, Locked, RotationRequest
from .escalations import normalize_text

LOCKED = "locked"          # base active, head locked: a narrowing
UNLOCKED = "unlocked"      # base locked, head active: a broadening
RELOCKED = "relocked"      # locked on both sides, the lock's record changed
STILL_LOCKED = "still locked"  # locked on both sides, the same lock


@dataclass(frozen=True)
class LockChange:
    """What a change does to an agent's lock: ``change`` and the lock it is about
    (the head's, or the base's for an unlock), with the base's when it changed."""

    agent: str
    change: str
    on: date
    by: str
    reason: str
    before: str | None = None  # the base's lock, when the head's differs

    @property
    def banner(self) -> str:
        """One line for the top of the packet."""
        if self.change == UNLOCKED:
            return (f"UNLOCKED: {self.agent} (locked by {self.by} on {self.on} — "
                    f"{self.reason})")
        line = f"LOCKED: {self.agent} by {self.by} on {self.on} — {self.reason}"
        if self.before is not None:
            line += f" (the lock's record changed; was: {self.before})"
        return line


def describe(lock: Locked) -> str:
    """A lock as one line: by whom, when, why."""
    return f"by {lock.by} on {lock.on} — {lock.reason}"


def _same(a: Locked, b: Locked) -> bool:
    return (a.on, normalize_text(a.by), normalize_text(a.reason)) == (
        b.on, normalize_text(b.by), normalize_text(b.reason))


def lock_change(base: Agent | None, head: Agent | None) -> LockChange | None:
    """The lock's change between ``base`` and ``head`` (None when neither is locked, or
    when the head is a tombstone or absent: a revocation supersedes a lock)."""
    if head is None or head.revoked is not None:
        return None
    before = base.locked if base is not None and base.revoked is None else None
    after = head.locked
    if after is not None:
        if before is None:
            return LockChange(head.name, LOCKED, after.on, after.by, after.reason)
        if _same(before, after):
            return LockChange(head.name, STILL_LOCKED, after.on, after.by, after.reason)
        return LockChange(head.name, RELOCKED, after.on, after.by, after.reason,
                          describe(before))
    if before is not None:
        return LockChange(head.name, UNLOCKED, before.on, before.by, before.reason)
    return None


def unlocked(agent: Agent) -> Agent:
    """The record as it would be without its lock: what unlocking it would grant."""
    return agent if agent.locked is None else agent.model_copy(update={"locked": None})


@dataclass(frozen=True)
class RotationNote:
    """A new rotate request: the head's newest entry, which the base's is not."""

    on: date
    by: str
    reason: str
    locked: bool = False  # the agent is locked: its keys are deleted, new ones come back

    @property
    def line(self) -> str:
        """What the packet says."""
        line = f"keys rotated on request: {self.reason} (by {self.by}, on {self.on})"
        return line + ("; the agent is locked: its keys are deleted now and new ones are "
                       "made when it is unlocked" if self.locked else "")


def _key(request: RotationRequest) -> tuple[str, str, str]:
    return (request.on.isoformat(), normalize_text(request.by), normalize_text(request.reason))


def rotation_note(base: Agent | None, head: Agent | None) -> RotationNote | None:
    """The head's newest rotate request when it is not the base's newest (a tombstoned
    head's keys are destroyed, not rotated)."""
    if head is None or head.revoked is not None:
        return None
    after = newest_request(head)
    if after is None:
        return None
    before = newest_request(base) if base is not None else None
    if before is not None and _key(before) == _key(after):
        return None
    return RotationNote(after.on, after.by, after.reason, head.locked is not None)


def rewritten_requests(base: Agent | None, head: Agent | None) -> tuple[str, ...]:
    """Rotate entries of the base that the head changed or removed (compared normalized,
    as escalations are), while the agent exists."""
    if base is None or head is None:
        return ()
    remaining = Counter(_key(r) for r in head.rotate)
    rewritten = []
    for request in base.rotate:
        key = _key(request)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            rewritten.append(f"{request.on}: {request.reason} (by {request.by})")
    return tuple(rewritten)
