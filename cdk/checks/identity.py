"""Rules about who an agent is: name, owner, approvers, lifetime, revocation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from ..model import Agent, IdentitiesFile
from ..names import FOUNDATION, principal
from .common import repeats
from .engine import Problem, dated_rule, rule


@rule("AgentId-ReservedName")
def reserved_name(identities: IdentitiesFile) -> Iterator[Problem]:
    """`foundation` is the shared stack (the account's OIDC provider); an agent by that
    name would make `cdktn destroy foundation` mean two things."""
    for i, agent in enumerate(identities.agents):
        if agent.name == FOUNDATION:
            yield Problem(("agents", i, "name"),
                          "`foundation` is reserved for the shared stack",
                          "choose another name")


@rule("AgentId-DuplicateName")
def duplicate_name(identities: IdentitiesFile) -> Iterator[Problem]:
    """The stack, role, environment and secrets are all named after the agent: two
    records with one name would fight over the same resources."""
    agents = identities.agents
    for i, first in repeats(agent.name.casefold() for agent in agents):
        yield Problem(("agents", i, "name"),
                      f"name {agents[i].name!r} is already used by agents[{first}]",
                      "give every agent its own name")


@rule("AgentId-TeamOutsideOwner")
def team_outside_owner(identities: IdentitiesFile) -> Iterator[Problem]:
    """Owners, rotation owners and approvers are resolved in the organization that owns
    the repositories; a team elsewhere cannot approve runs there."""
    org = identities.defaults.github.owner
    for i, agent in enumerate(identities.agents):
        for sub, who in _people(agent):
            if "/" in who and who[1:].split("/", 1)[0] != org:
                yield Problem(("agents", i, *sub),
                              f"team {who} is outside the organization {org}",
                              f"use a team of @{org}")


def _people(agent: Agent) -> Iterator[tuple[tuple[str | int, ...], str]]:
    yield ("owner",), agent.owner
    yield ("rotation_owner",), agent.rotation_owner
    for j, who in enumerate(agent.approvers):
        yield ("approvers", j), who


@rule("AgentId-DuplicateApprover")
def duplicate_approver(identities: IdentitiesFile) -> Iterator[Problem]:
    """GitHub allows six required reviewers; a repeated one wastes a slot and hides
    that fewer people can approve than the list suggests."""
    for i, agent in enumerate(identities.agents):
        for j, _ in repeats(who.casefold() for who in agent.approvers):
            yield Problem(("agents", i, "approvers", j),
                          f"approver {agent.approvers[j]} is listed twice",
                          "list each approver once")


@dated_rule("AgentId-ExpiryPassed")
def expiry_passed(identities: IdentitiesFile, today: date) -> Iterator[Problem]:
    """An identity without a future expiry is a standing credential. The cloud enforces
    `expires` on its own; an expired record must be renewed (reviewed) or revoked."""
    for i, agent in enumerate(identities.agents):
        if agent.revoked is None and agent.expires <= today:
            yield Problem(("agents", i, "expires"),
                          f"expires {agent.expires} is not after today ({today})",
                          "renew it with a reviewed change, or revoke the agent")


@dated_rule("AgentId-ExpiryBeyondPolicy")
def expiry_beyond_policy(identities: IdentitiesFile, today: date) -> Iterator[Problem]:
    """Every widening of lifetime is a review: no agent may live longer than
    `policy.max_lifetime_days` from today without someone renewing it."""
    days = identities.defaults.policy.max_lifetime_days
    limit = latest_expiry(identities, today)
    for i, agent in enumerate(identities.agents):
        if agent.revoked is None and agent.expires > limit:
            yield Problem(("agents", i, "expires"),
                          f"expires {agent.expires} is more than {days} days away",
                          f"set it on or before {limit}")


def latest_expiry(identities: IdentitiesFile, today: date) -> date:
    """The latest ``expires`` the file's policy allows today: ``policy.max_lifetime_days``
    from today (the rule here, and review's expiry gate with the base's file)."""
    return today + timedelta(days=identities.defaults.policy.max_lifetime_days)


@dated_rule("AgentId-RevokedInFuture")
def revoked_in_future(identities: IdentitiesFile, today: date) -> Iterator[Problem]:
    """A tombstone destroys the agent at the next deploy; a future date would claim a
    revocation that has not been decided yet. Shorten `expires` instead."""
    for i, agent in enumerate(identities.agents):
        if agent.revoked is not None and agent.revoked.on > today:
            yield Problem(("agents", i, "revoked", "on"),
                          f"revoked on {agent.revoked.on} is in the future",
                          "date the tombstone today, or set `expires` to the planned end")


@rule("AgentId-AgentApprover")
def agent_approver(identities: IdentitiesFile) -> Iterator[Problem]:
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
                yield Problem(("agents", i, "approvers", j),
                              f"approver {who} is an agent's own account, not a person "
                              "or a team of people",
                              "list the humans (a team) who answer for this agent's runs")
