"""The identities repository's ruleset: GitHub itself requires the human review.

``escalations[].approved_by`` is text in the file; this ruleset is what makes it
more than text. On the default branch of the repository named in
``defaults.github.identities``, every change needs a pull request approved by
the security team (and by code owners), approvals go stale on a new push, the
``agentid review`` check must pass, and nobody may bypass it: no bypass actors
at all, so neither administrators nor agents (GitHub Apps) can merge around it.

:func:`plan_ruleset` is pure; :func:`identities_ruleset` emits it and loads the
GitHub bindings only when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import IdentitiesFile

if TYPE_CHECKING:
    from constructs import Construct

RULESET_NAME = "agentid-identities"


@dataclass(frozen=True)
class RulesetPlan:
    """The ruleset, fully decided."""

    repository: str
    security_team: str
    check: str
    name: str = RULESET_NAME
    enforcement: str = "active"
    branches: tuple[str, ...] = ("~DEFAULT_BRANCH",)
    file_patterns: tuple[str, ...] = ("*",)
    security_approvals: int = 1
    required_approving_review_count: int = 1
    require_code_owner_review: bool = True
    dismiss_stale_reviews_on_push: bool = True
    require_last_push_approval: bool = True
    strict_status_checks: bool = True
    bypass_actors: tuple[str, ...] = ()

    @property
    def team_slug(self) -> str:
        """``@acme/security`` -> ``security``."""
        return self.security_team.split("/", 1)[1]


def plan_ruleset(identities: IdentitiesFile) -> RulesetPlan | None:
    """The ruleset of ``defaults.github.identities``; None when the file names no repository."""
    repo = identities.defaults.github.identities
    if repo is None:
        return None
    return RulesetPlan(repository=repo.repo.split("/", 1)[1], security_team=repo.security_team,
                       check=repo.check)


def identities_ruleset(scope: Construct, plan: RulesetPlan) -> None:
    """Emit ``github_repository_ruleset`` (and the team lookup it needs) into ``scope``."""
    from cdktn import Token
    from cdktn_provider_github.data_github_team import DataGithubTeam
    from cdktn_provider_github.repository_ruleset import (
        RepositoryRuleset,
        RepositoryRulesetConditions,
        RepositoryRulesetConditionsRefName,
        RepositoryRulesetRules,
        RepositoryRulesetRulesPullRequest,
        RepositoryRulesetRulesPullRequestRequiredReviewers,
        RepositoryRulesetRulesPullRequestRequiredReviewersReviewer,
        RepositoryRulesetRulesRequiredStatusChecks,
        RepositoryRulesetRulesRequiredStatusChecksRequiredCheck,
    )

    team = DataGithubTeam(scope, "identities_security_team", slug=plan.team_slug,
                          summary_only=True)
    RepositoryRuleset(
        scope, "identities_ruleset",
        name=plan.name,
        repository=plan.repository,
        target="branch",
        enforcement=plan.enforcement,
        conditions=RepositoryRulesetConditions(ref_name=RepositoryRulesetConditionsRefName(
            include=list(plan.branches), exclude=[])),
        # No bypass actors: nobody, administrators and agents included, merges around it.
        bypass_actors=[],
        rules=RepositoryRulesetRules(
            deletion=True,
            non_fast_forward=True,
            pull_request=RepositoryRulesetRulesPullRequest(
                required_approving_review_count=plan.required_approving_review_count,
                require_code_owner_review=plan.require_code_owner_review,
                dismiss_stale_reviews_on_push=plan.dismiss_stale_reviews_on_push,
                require_last_push_approval=plan.require_last_push_approval,
                required_reviewers=[RepositoryRulesetRulesPullRequestRequiredReviewers(
                    file_patterns=list(plan.file_patterns),
                    minimum_approvals=plan.security_approvals,
                    reviewer=RepositoryRulesetRulesPullRequestRequiredReviewersReviewer(
                        id=Token.as_number(team.id), type="Team"))],
            ),
            required_status_checks=RepositoryRulesetRulesRequiredStatusChecks(
                strict_required_status_checks_policy=plan.strict_status_checks,
                required_check=[RepositoryRulesetRulesRequiredStatusChecksRequiredCheck(
                    context=plan.check)]),
        ),
    )
