"""Record -> the agent's GitHub App on the stack, as plain data (no provider bindings).

Terraform cannot create a GitHub App; the owner creates it once from the manifest
``agentid github-app`` writes and records its ``app_id`` and ``installation_id``
(docs/github-app.md). The stack then holds:

- the installation's repository selection, exactly the record's repositories (default:
  the agent's ``runs_on`` repositories), once ``installation_id`` is recorded; before
  that, none ("App not installed yet");
- a secret in the agent's store for the App's private key, with no version: the owner
  uploads the key once. Same key and policy as the deploy keys' secrets: only the
  agent's identity reads it;
- the environment variables ``AGENT_APP_ID`` (once recorded) and ``AGENT_APP_KEY_SECRET``.

A locked agent holds none of them: the key's secret is deleted (no recovery window),
and destroying the repository selection removes the installation's repositories, all
but one: GitHub refuses to empty an installation's selection, so the provider's destroy
leaves one repository selected (integrations/terraform-provider-github,
resource_github_app_installation_repositories.go). The workflow can no longer read the
key; a key that may have leaked is revoked in the App's settings, and the installation
suspended, by a person (docs/github-app.md). A tombstone holds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..lifecycle import state
from ..model import Agent, IdentitiesFile
from ..names import APP_ID_VARIABLE, GITHUB_APP_KEY, github_app_key_secret_name


@dataclass(frozen=True)
class AppPlan:
    """The agent's GitHub App as its stack holds it, fully decided."""

    permissions: dict[str, str]
    # owner/name, sorted and unique.
    repositories: tuple[str, ...]
    secret_name: str
    app_id: int | None = None
    installation_id: int | None = None
    # The key of the App's secret in the store's plan (beside the deploy keys').
    store_key: str = GITHUB_APP_KEY

    @property
    def installed(self) -> bool:
        """Whether the installation is recorded: only then is its selection managed."""
        return self.installation_id is not None

    @property
    def selected_repositories(self) -> tuple[str, ...]:
        """Repository names without the owner, as the GitHub provider wants them."""
        return tuple(sorted(repo.split("/", 1)[1] for repo in self.repositories))

    @property
    def variables(self) -> dict[str, str]:
        """The environment variables that are not references (the App id)."""
        return {} if self.app_id is None else {APP_ID_VARIABLE: str(self.app_id)}


def app_repositories(agent: Agent) -> tuple[str, ...]:
    """The record's repositories, else the agent's ``runs_on`` repositories (sorted,
    unique)."""
    app = agent.github.app
    if app is None:
        return ()
    repos = app.repositories if app.repositories is not None else tuple(
        run.repo for run in agent.runs_on)
    return tuple(sorted(set(repos)))


def plan_app(agent: Agent, identities: IdentitiesFile) -> AppPlan | None:
    """The App's part of the stack; None without an App, for a locked agent or a
    tombstone."""
    app = agent.github.app
    if app is None or state(agent) in ("locked", "revoked"):
        return None
    return AppPlan(
        permissions=dict(sorted(app.permissions.items())),
        repositories=app_repositories(agent),
        secret_name=github_app_key_secret_name(agent.name),
        app_id=app.app_id,
        installation_id=app.installation_id,
    )
