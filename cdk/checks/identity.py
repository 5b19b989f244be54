"""Rules about who an agent is: name, owner, approvers, lifetime, revocation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from ..errors import Finding
from ..model import Agent, IdentitiesFile
from ..names import FOUNDATION, principal
from . import rule


@rule("AgentId-ReservedName")
def reserved_name(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """`foundation` is the shared stack (the account's OIDC provider); an agent by that
    name would make `cdktn destroy foundation` mean two things."""
    for i, agent in enumerate(identities.agents):
        if agent.name == FOUNDATION:
            yield Finding("AgentId-ReservedName", ("agents", i, "name"),
                          "`foundation` is reserved for the shared stack",
                          "choose another name")


@rule("AgentId-DuplicateName")
def duplicate_name(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """The stack, role, environment and secrets are all named after the agent: two
    records with one name would fight over the same resources."""
    first: dict[str, int] = {}
    for i, agent in enumerate(identities.agents):
        key = agent.name.casefold()
        if key in first:
            yield Finding("AgentId-DuplicateName", ("agents", i, "name"),
                          f"name {agent.name!r} is already used by agents[{first[key]}]",
                          "give every agent its own name")
        else:
            first[key] = i


@rule("AgentId-TeamOutsideOwner")
def team_outside_owner(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """Owners, rotation owners and approvers are resolved in the organization that owns
    the repositories; a team elsewhere cannot approve runs there."""
    org = identities.defaults.github.owner
    for i, agent in enumerate(identities.agents):
        for sub, who in _people(agent):
            if "/" in who and who[1:].split("/", 1)[0] != org:
                yield Finding("AgentId-TeamOutsideOwner", ("agents", i, *sub),
                              f"team {who} is outside the organization {org}",
                              f"use a team of @{org}")


def _people(agent: Agent) -> Iterator[tuple[tuple[str | int, ...], str]]:
    yield ("owner",), agent.owner
    yield ("rotation_owner",), agent.rotation_owner
    for j, who in enumerate(agent.approvers):
        yield ("approvers", j), who


@rule("AgentId-DuplicateApprover")
def duplicate_approver(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """GitHub allows six required reviewers; a repeated one wastes a slot and hides
    that fewer people can approve than the list suggests."""
    for i, agent in enumerate(identities.agents):
        seen: set[str] = set()
        for j, who in enumerate(agent.approvers):
            if who.casefold() in seen:
                yield Finding("AgentId-DuplicateApprover", ("agents", i, "approvers", j),
                              f"approver {who} is listed twice", "list each approver once")
            seen.add(who.casefold())


@rule("AgentId-ExpiryPassed")
def expiry_passed(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """An identity without a future expiry is a standing credential. The cloud enforces
    `expires` on its own; an expired record must be renewed (reviewed) or revoked."""
    for i, agent in enumerate(identities.agents):
        if agent.revoked is None and agent.expires <= today:
            yield Finding("AgentId-ExpiryPassed", ("agents", i, "expires"),
                          f"expires {agent.expires} is not after today ({today})",
                          "renew it with a reviewed change, or revoke the agent")


@rule("AgentId-ExpiryBeyondPolicy")
def expiry_beyond_policy(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """Every widening of lifetime is a review: no agent may live longer than
    `policy.max_lifetime_days` from today without someone renewing it."""
    days = identities.defaults.policy.max_lifetime_days
    limit = today + timedelta(days=days)
    for i, agent in enumerate(identities.agents):
        if agent.revoked is None and agent.expires > limit:
            yield Finding("AgentId-ExpiryBeyondPolicy", ("agents", i, "expires"),
                          f"expires {agent.expires} is more than {days} days away",
                          f"set it on or before {limit}")


@rule("AgentId-RevokedInFuture")
def revoked_in_future(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """A tombstone destroys the agent at the next deploy; a future date would claim a
    revocation that has not been decided yet. Shorten `expires` instead."""
    for i, agent in enumerate(identities.agents):
        if agent.revoked is not None and agent.revoked.on > today:
            yield Finding("AgentId-RevokedInFuture", ("agents", i, "revoked", "on"),
                          f"revoked on {agent.revoked.on} is in the future",
                          "date the tombstone today, or set `expires` to the planned end")


@rule("AgentId-AgentApprover")
def agent_approver(identities: IdentitiesFile, today: date) -> Iterator[Finding]:
    """Every run is approved by a human: that is what makes the trust policy's
    environment subject mean something. An approver that is an agent (the account
    or team named after this or another agent, `agent-<name>` or `<name>`) would
    let a machine approve its own runs, or a peer's."""
    machines: set[str] = set()
    for agent in identities.agents:
        machines.update({agent.name.casefold(), principal(agent.name).casefold()})
    for i, agent in enumerate(identities.agents):
        for j, who in enumerate(agent.approvers):
            login = who[1:].split("/", 1)[-1].casefold()
            if login in machines:
                yield Finding("AgentId-AgentApprover", ("agents", i, "approvers", j),
                              f"approver {who} is an agent's own account, not a person "
                              "or a team of people",
                              "list the humans (a team) who answer for this agent's runs")
