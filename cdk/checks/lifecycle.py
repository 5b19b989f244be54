"""Rules about the day-2 lifecycle: incident locks and rotation requests
(docs/lifecycle.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..model import IdentitiesFile
from .common import repeats
from .engine import Problem, dated_rule, rule


@dated_rule("AgentId-LockedInFuture")
def locked_in_future(identities: IdentitiesFile, today: date) -> Iterator[Problem]:
    """A lock takes effect at the next deploy, whatever its date says: a future `on`
    would claim a decision nobody has taken yet, and `agentid status` would count the
    lock's age from a day that has not come."""
    for i, agent in enumerate(identities.agents):
        if agent.locked is not None and agent.locked.on > today:
            yield Problem(("agents", i, "locked", "on"),
                          f"locked on {agent.locked.on} is in the future (today is {today})",
                          f"date the lock today ({today}); `agentid lock` does")


@dated_rule("AgentId-RotateInFuture")
def rotate_in_future(identities: IdentitiesFile, today: date) -> Iterator[Problem]:
    """The newest rotation request anchors the agent's key schedule: a future date
    would not rotate the keys now (the stacks would count from a day that has not
    come) while the record says they were rotated on request."""
    for i, agent in enumerate(identities.agents):
        for j, request in enumerate(agent.rotate):
            if request.on > today:
                yield Problem(("agents", i, "rotate", j, "on"),
                              f"rotate on {request.on} is in the future (today is {today})",
                              f"date the request today ({today}); `agentid rotate` does")


@rule("AgentId-LockedRevoked")
def locked_revoked(identities: IdentitiesFile) -> Iterator[Problem]:
    """A tombstone destroys everything the agent holds; a lock beside it promises a
    stack that is kept and could be unlocked, which is not what happens. The
    revocation is the stronger stop: say one thing."""
    for i, agent in enumerate(identities.agents):
        if agent.revoked is not None and agent.locked is not None:
            yield Problem(("agents", i, "locked"),
                          f"the agent is revoked (on {agent.revoked.on}) and also locked",
                          "remove `locked`: the tombstone already removes everything")


@rule("AgentId-RotateAfterRevoked")
def rotate_after_revoked(identities: IdentitiesFile) -> Iterator[Problem]:
    """A revoked agent has no keys left to rotate: a request dated after its tombstone
    would read as a rotation that never happened. Requests from before the
    revocation stay as history."""
    for i, agent in enumerate(identities.agents):
        if agent.revoked is None:
            continue
        for j, request in enumerate(agent.rotate):
            if request.on > agent.revoked.on:
                yield Problem(("agents", i, "rotate", j),
                              f"rotate on {request.on} is after the agent was revoked "
                              f"(on {agent.revoked.on})",
                              "remove the entry: a revoked agent has no keys")


@rule("AgentId-DuplicateRotate")
def duplicate_rotate(identities: IdentitiesFile) -> Iterator[Problem]:
    """Each rotation request is one decision, recorded once: a repeated entry (same
    date, person and reason) is a merge or copy mistake that makes the history
    claim more rotations than were asked for."""
    for i, agent in enumerate(identities.agents):
        requests = agent.rotate
        for j, first in repeats((r.on, r.by.casefold(), r.reason) for r in requests):
            yield Problem(("agents", i, "rotate", j),
                          f"rotate entry {j} repeats entry {first} "
                          f"({requests[j].on}, {requests[j].by})",
                          "remove the repeated entry")
