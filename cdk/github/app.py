"""GitHub App construct: the installation's repository selection (cdk/github/app_plan.py)."""

from __future__ import annotations

from cdktn_provider_github.app_installation_repositories import AppInstallationRepositories
from constructs import Construct

from .app_plan import AppPlan


def app_installation(scope: Construct, plan: AppPlan) -> AppInstallationRepositories | None:
    """The installation's repositories, exactly the plan's; none before it is installed."""
    if plan.installation_id is None:
        return None
    return AppInstallationRepositories(
        scope, "github_app_installation",
        installation_id=str(plan.installation_id),
        selected_repositories=list(plan.selected_repositories),
    )
