"""Record -> GitHub environments, as plain data (no provider bindings).

One environment per ``runs_on`` entry. Its required reviewers are the record's
approvers, self-review is off and admins cannot bypass, so every run that can
obtain cloud credentials carries an approval GitHub records.

A locked agent's environments keep their reviewers and variables but admit no
branch: custom branch policies on, and none listed (docs/lifecycle.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lifecycle import state
from ..model import Agent, IdentitiesFile
from ..plan import environment_of


@dataclass(frozen=True)
class EnvironmentPlan:
    """One GitHub environment of an agent, fully decided."""

    repo: str
    environment: str
    reviewer_teams: tuple[str, ...]
    reviewer_users: tuple[str, ...]
    branch_pattern: str | None = None
    tag_pattern: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    # A locked agent's environment: custom branch policies and none listed.
    admits_no_branch: bool = False

    @property
    def repository(self) -> str:
        """Repository name without the owner, as the GitHub provider wants it."""
        return self.repo.split("/", 1)[1]

    @property
    def protected_branches_only(self) -> bool:
        """Without a pinned ref (and unlocked), only protected branches may deploy."""
        return not self.admits_no_branch and self.branch_pattern is None \
            and self.tag_pattern is None

    @property
    def pinned(self) -> bool:
        """Whether a deployment policy admits the pinned branch or tag (never when locked)."""
        return self.branch_pattern is not None or self.tag_pattern is not None


def split_approvers(approvers: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``@org/team`` -> team slugs; ``@login`` -> user logins (sorted, unique)."""
    teams = sorted({a.split("/", 1)[1] for a in approvers if "/" in a})
    users = sorted({a[1:] for a in approvers if "/" not in a})
    return tuple(teams), tuple(users)


def plan_environments(
    agent: Agent, identities: IdentitiesFile, variables: dict[str, str]
) -> list[EnvironmentPlan]:
    """Environments of the agent, in ``runs_on`` order, each carrying ``variables``
    (a locked agent's admit no branch)."""
    teams, users = split_approvers(agent.approvers)
    locked = state(agent) == "locked"
    plans = []
    for run in agent.runs_on:
        branch = tag = None
        if run.ref is not None and not locked:
            kind, _, name = run.ref.removeprefix("refs/").partition("/")
            branch, tag = (name, None) if kind == "heads" else (None, name)
        plans.append(EnvironmentPlan(
            repo=run.repo,
            environment=environment_of(agent, run),
            reviewer_teams=teams,
            reviewer_users=users,
            branch_pattern=branch,
            tag_pattern=tag,
            variables=dict(sorted(variables.items())),
            admits_no_branch=locked,
        ))
    return plans
