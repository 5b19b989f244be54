"""GitHub App permissions, as GitHub names them, and which of them an agent may hold.

The names and levels are those of GitHub's REST API ("Permissions required for GitHub
Apps"; the manifest's ``default_permissions``). An agent's App must not be able to
change its own environments, workflows, secrets or who may act: those permissions are
refused by name (:data:`REFUSED`) or above a level (:data:`REFUSED_LEVELS`), each with
the reason the error prints. Organization-wide permissions are refused as a class: an
agent's App is installed on exact repositories (docs/github-app.md).
"""

from __future__ import annotations

from typing import Literal

Level = Literal["read", "write"]
# Every level, lowest first: a higher one is a broadening.
LEVELS: tuple[Level, ...] = ("read", "write")

# Repository permissions -> the levels GitHub offers for each.
REPOSITORY: dict[str, tuple[Level, ...]] = {
    "actions": ("read", "write"),
    "administration": ("read", "write"),
    "attestations": ("read", "write"),
    "checks": ("read", "write"),
    "codespaces": ("read", "write"),
    "contents": ("read", "write"),
    "dependabot_secrets": ("read", "write"),
    "deployments": ("read", "write"),
    "discussions": ("read", "write"),
    "environments": ("read", "write"),
    "issues": ("read", "write"),
    "merge_queues": ("read", "write"),
    "metadata": ("read",),
    "packages": ("read", "write"),
    "pages": ("read", "write"),
    "pull_requests": ("read", "write"),
    "repository_custom_properties": ("read", "write"),
    "repository_hooks": ("read", "write"),
    "repository_projects": ("read", "write"),
    "secret_scanning_alerts": ("read", "write"),
    "secrets": ("read", "write"),
    "security_events": ("read", "write"),
    "single_file": ("read", "write"),
    "statuses": ("read", "write"),
    "vulnerability_alerts": ("read", "write"),
    "workflows": ("write",),
}

# Organization and account permissions: known, so the error can say why they are
# refused instead of "unknown".
ORGANIZATION: frozenset[str] = frozenset({
    "members", "organization_administration", "organization_announcement_banners",
    "organization_copilot_seat_management", "organization_custom_org_roles",
    "organization_custom_properties", "organization_custom_roles", "organization_events",
    "organization_hooks", "organization_packages", "organization_personal_access_tokens",
    "organization_personal_access_token_requests", "organization_plan",
    "organization_projects", "organization_secrets", "organization_self_hosted_runners",
    "organization_user_blocking", "team_discussions", "email_addresses", "followers",
    "git_ssh_keys", "gpg_keys", "interaction_limits", "profile", "starring",
})

# Refused at any level, with the reason.
REFUSED: dict[str, str] = {
    "administration": "it changes the repository's settings, branch protection and "
                      "environments, so the agent could lift its own controls",
    "environments": "it changes environments and their reviewers and variables, so the "
                    "agent could approve its own runs",
    "secrets": "it reads and writes Actions secrets",
    "dependabot_secrets": "it reads and writes Dependabot secrets",
    "codespaces": "it creates codespaces with the repository's secrets",
    "repository_hooks": "it adds webhooks that can send the repository's events anywhere",
    "repository_custom_properties": "custom properties can decide which rulesets apply",
    "workflows": "it changes workflow files, so the agent could rewrite what runs with "
                 "its own identity",
}
# Refused above read: the level the agent may hold at most.
REFUSED_LEVELS: dict[str, tuple[Level, str]] = {
    "actions": ("read", "actions: write re-runs, cancels and dispatches workflows and "
                        "changes Actions settings"),
}
ORGANIZATION_REASON = ("organization permissions reach beyond the App's repositories; an "
                       "agent's App is installed on exact repositories only")


def refusal(name: str, level: str) -> str | None:
    """Why ``name: level`` may not be held by an agent's App, or None when it may."""
    if name in ORGANIZATION:
        return ORGANIZATION_REASON
    if name in REFUSED:
        return REFUSED[name]
    if name in REFUSED_LEVELS:
        highest, reason = REFUSED_LEVELS[name]
        if level != highest:
            return reason
    return None


def known(name: str) -> bool:
    """Whether GitHub has a permission called ``name``."""
    return name in REPOSITORY or name in ORGANIZATION


def rank(level: str) -> int:
    """read < write: a higher level is a broadening (ValueError for no level)."""
    return LEVELS.index(level)
