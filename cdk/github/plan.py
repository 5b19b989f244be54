"""Record -> GitHub environments, as plain data (no provider bindings).

One environment per ``runs_on`` entry. Its required reviewers are the record's
approvers, self-review is off and admins cannot bypass, so every run that can
obtain cloud credentials carries an approval GitHub records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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

    @property
    def repository(self) -> str:
        """Repository name without the owner, as the GitHub provider wants it."""
        return self.repo.split("/", 1)[1]

    @property
    def protected_branches_only(self) -> bool:
        """Without a pinned ref, only protected branches may deploy."""
        return self.branch_pattern is None and self.tag_pattern is None


def split_approvers(approvers: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``@org/team`` -> team slugs; ``@login`` -> user logins (sorted, unique)."""
    teams = sorted({a.split("/", 1)[1] for a in approvers if "/" in a})
    users = sorted({a[1:] for a in approvers if "/" not in a})
    return tuple(teams), tuple(users)


def plan_environments(
    agent: Agent, identities: IdentitiesFile, variables: dict[str, str]
) -> list[EnvironmentPlan]:
    """Environments of the agent, in ``runs_on`` order, each carrying ``variables``."""
    teams, users = split_approvers(agent.approvers)
    plans = []
    for run in agent.runs_on:
        branch = tag = None
        if run.ref is not None:
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
        ))
    return plans
