"""Day-2 lifecycle as plain functions of the record and a date (docs/lifecycle.md).

An agent is ``active``, ``locked`` (incident lock: it keeps its stack but can obtain
and use nothing) or ``revoked`` (tombstone). Deploy keys rotate on a schedule
anchored to dates, never to when Terraform last ran: boundaries fall every
``rotation_days`` days from the anchor, which is the newest ``rotate`` request's
``on`` (a request restarts the schedule) or :data:`EPOCH`. The stacks and
``agentid status`` compute the same boundaries, so a due date is known from the
record alone and repeated applies do not drift.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from .model import Agent, RotationRequest

# Where every schedule without a rotate request starts. Fixed forever: moving it
# would rotate every key in every stack at their next deploy.
EPOCH = date(2024, 1, 1)

State = Literal["active", "locked", "revoked"]


def state(agent: Agent) -> State:
    """What the record says of the agent; a tombstone wins over a lock."""
    if agent.revoked is not None:
        return "revoked"
    if agent.locked is not None:
        return "locked"
    return "active"


def newest_request(agent: Agent) -> RotationRequest | None:
    """The ``rotate`` entry with the newest ``on`` (the last of equals), or None."""
    newest = None
    for request in agent.rotate:
        if newest is None or request.on >= newest.on:
            newest = request
    return newest


def anchor(agent: Agent) -> date:
    """The date the agent's rotation schedule counts from."""
    request = newest_request(agent)
    return EPOCH if request is None else request.on


def period(start: date, days: int, today: date) -> int:
    """How many whole rotation periods of ``days`` days lie between ``start`` and
    ``today`` (negative before ``start``): the key generation in force."""
    return (today - start).days // days


def last_rotation(start: date, days: int, today: date) -> date:
    """The latest boundary on or before ``today`` (``start`` itself before it)."""
    return start + timedelta(days=days * max(period(start, days, today), 0))


def next_rotation(start: date, days: int, today: date) -> date:
    """The first boundary after ``today``."""
    return start + timedelta(days=days * (max(period(start, days, today), 0) + 1))
