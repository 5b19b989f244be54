"""Who approved a run: from GitHub's own record of the deployment approval (pure).

A run of an agent waits in the agent's GitHub environment until one of its
required reviewers (the record's ``approvers``) approves it. GitHub keeps that
approval: ``GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals``, readable
with the job's own ``GITHUB_TOKEN`` under ``permissions: actions: read``. The
identity card names the run's approver from that answer, never from a name
typed on the command line: a name given by hand is printed as the approver only
when the record itself lists that person, and is refused as not verified
otherwise (a team's members cannot be checked offline).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import AgentIdError
from .model import Agent
from .plan import environment_of

# A GitHub login: letters, digits and single hyphens, at most 39 characters.
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$")
_API = "GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals"


class ApproverNotVerified(AgentIdError):
    """The run's approver cannot be confirmed; the card must not name one."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"approver not verified: {detail}")


def environments(agent: Agent) -> list[str]:
    """The GitHub environments the agent's runs wait in for approval."""
    return sorted({environment_of(agent, run) for run in agent.runs_on})


def approver_from_github(data: Any, agent: Agent, source: str) -> str:
    """The ``@login`` (or logins) GitHub recorded as approving the agent's environment.

    ``data`` is the decoded answer of the approvals API for this run. Entries that
    approve another environment, or reject, do not count. Raises
    :class:`ApproverNotVerified` when no approval of the agent's environment is
    there, and :class:`AgentIdError` when ``data`` is not that API's answer.
    """
    wanted = set(environments(agent))
    if not isinstance(data, list):
        raise AgentIdError(f"{source}: not GitHub's approvals of a run ({_API} answers a "
                           "JSON list)")
    logins: list[str] = []
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("environments"), list) \
                or not isinstance(entry.get("user"), dict):
            raise AgentIdError(f"{source}: not GitHub's approvals of a run (each entry of "
                               f"{_API} has `state`, `environments` and `user`)")
        if entry.get("state") != "approved":
            continue
        names = {env.get("name") for env in entry["environments"] if isinstance(env, dict)}
        if not names & wanted:
            continue
        login = entry["user"].get("login")
        if not isinstance(login, str) or not _LOGIN.match(login):
            raise AgentIdError(f"{source}: an approval's user.login is not a GitHub login")
        if f"@{login}" not in logins:
            logins.append(f"@{login}")
    if not logins:
        raise ApproverNotVerified(
            f"{source} holds no approval of {', '.join(sorted(wanted))} — run the job in "
            "the agent's environment (its required reviewers approve it) and read the "
            "approvals of that same run")
    people = _people(agent)
    if people is not None:
        strangers = [who for who in logins if who.casefold() not in people]
        if strangers:
            # The environment's reviewers no longer match the record: drift to look at.
            raise ApproverNotVerified(
                f"GitHub says {', '.join(strangers)} approved {agent.name}'s environment, "
                f"but the record's approvers are {', '.join(agent.approvers)} — the "
                "environment's required reviewers were changed outside agentid; redeploy "
                f"the stack ({agent.name}) and investigate")
    return ", ".join(logins)


def approver_by_hand(name: str, agent: Agent) -> str:
    """``name`` if the record lists that person among the approvers, else refused."""
    listed = ", ".join(agent.approvers)
    if "/" in name:
        raise ApproverNotVerified(
            f"{name} is a team; a run is approved by one person — let the card read "
            "who from GitHub with --approvals (the run's approvals), or leave "
            "--approver out")
    if name.casefold() not in {who.casefold() for who in agent.approvers}:
        raise ApproverNotVerified(
            f"{name} is not among {agent.name}'s approvers ({listed}), and a name given "
            "by hand cannot be checked against a team's members — let the card read who "
            "approved from GitHub with --approvals (the run's approvals), or leave "
            "--approver out")
    return name


def _people(agent: Agent) -> set[str] | None:
    """The record's approvers, casefolded, when all are people (no team to expand)."""
    if any("/" in who for who in agent.approvers):
        return None
    return {who.casefold() for who in agent.approvers}
