"""GitHub environment construct: required reviewers approve every run."""

from __future__ import annotations

from cdktn import Token
from cdktn_provider_github.actions_environment_variable import ActionsEnvironmentVariable
from cdktn_provider_github.data_github_team import DataGithubTeam
from cdktn_provider_github.data_github_user import DataGithubUser
from cdktn_provider_github.provider import GithubProvider
from cdktn_provider_github.repository_environment import (
    RepositoryEnvironment,
    RepositoryEnvironmentDeploymentBranchPolicy,
    RepositoryEnvironmentReviewers,
)
from cdktn_provider_github.repository_environment_deployment_policy import (
    RepositoryEnvironmentDeploymentPolicy,
)
from constructs import Construct

from .plan import EnvironmentPlan


def github_provider(scope: Construct, owner: str) -> GithubProvider:
    """One GitHub provider per stack, scoped to the organization."""
    return GithubProvider(scope, "github", owner=owner)


class Directory:
    """Team and user lookups of one stack, each looked up once however often used.

    Not a construct: its data sources are ``construct_id`` plus a suffix in ``scope``
    (a wrapper construct would cost a jsii round trip and emit nothing).
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        self._scope = scope
        self._id = construct_id
        # Ids, not data sources, are cached: each attribute read and token
        # conversion is a round trip into Node.
        self._team_ids: dict[str, float] = {}
        self._user_ids: dict[str, float] = {}

    def team_id(self, slug: str) -> float:
        """Numeric id of a team, resolved by slug at plan time."""
        if slug not in self._team_ids:
            team = DataGithubTeam(self._scope, f"{self._id}_team_{slug}", slug=slug,
                                  summary_only=True)
            self._team_ids[slug] = Token.as_number(team.id)
        return self._team_ids[slug]

    def user_id(self, login: str) -> float:
        """Numeric id of a user, resolved by login at plan time."""
        if login not in self._user_ids:
            user = DataGithubUser(self._scope, f"{self._id}_user_{login}", username=login)
            self._user_ids[login] = Token.as_number(user.id)
        return self._user_ids[login]


class AgentEnvironment:
    """One environment: reviewers, no self-review, no admin bypass, pinned deployments
    (a locked agent's: custom branch policies with none listed, so no branch deploys).

    Not a construct: the environment is ``construct_id`` in ``scope``, its policy and
    variables ``construct_id`` plus a suffix (docs/decisions.md, "Flat stacks").
    """

    def __init__(
        self, scope: Construct, construct_id: str, plan: EnvironmentPlan, directory: Directory
    ) -> None:
        reviewers = RepositoryEnvironmentReviewers(
            teams=[directory.team_id(slug) for slug in plan.reviewer_teams] or None,
            users=[directory.user_id(login) for login in plan.reviewer_users] or None,
        )
        self.environment = RepositoryEnvironment(
            scope,
            construct_id,
            repository=plan.repository,
            environment=plan.environment,
            prevent_self_review=True,
            can_admins_bypass=False,
            reviewers=reviewers,
            deployment_branch_policy=RepositoryEnvironmentDeploymentBranchPolicy(
                protected_branches=plan.protected_branches_only,
                custom_branch_policies=not plan.protected_branches_only,
            ),
        )
        # Read once: every attribute read is a round trip into Node.
        environment = self.environment.environment
        if plan.pinned:
            RepositoryEnvironmentDeploymentPolicy(
                scope,
                f"{construct_id}_deployment_policy",
                repository=plan.repository,
                environment=environment,
                branch_pattern=plan.branch_pattern,
                tag_pattern=plan.tag_pattern,
            )
        for variable, value in plan.variables.items():
            ActionsEnvironmentVariable(
                scope,
                f"{construct_id}_var_{variable.lower()}",
                repository=plan.repository,
                environment=environment,
                variable_name=variable,
                value=value,
            )
