"""Emits the identities repository's ruleset (cdk/github/ruleset_plan.py decides it).

Loads the GitHub bindings only when called; the review never imports this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .ruleset_plan import RulesetPlan

if TYPE_CHECKING:
    from constructs import Construct


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
