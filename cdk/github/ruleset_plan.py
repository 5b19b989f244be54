"""The identities repository's ruleset: GitHub itself requires the human review.

``escalations[].approved_by`` is text in the file; this ruleset is what makes it
more than text. On the default branch of the repository named in
``defaults.github.identities``, every change needs a pull request approved by
the security team (and by code owners), approvals go stale on a new push, the
``agentid review`` check must pass, and nobody may bypass it: no bypass actors
at all, so neither administrators nor agents (GitHub Apps) can merge around it.

:func:`plan_ruleset` is pure (the review reads it); cdk/github/ruleset.py emits it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import IdentitiesFile

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
