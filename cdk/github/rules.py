"""Rules about an agent's GitHub deploy keys and GitHub App."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ..checks.common import repeats
from ..checks.engine import Problem, rule
from ..model import IdentitiesFile
from ..names import deploy_key_variable
from .app_permissions import ORGANIZATION, REPOSITORY, known, refusal


@rule("AgentId-DeployKeyWriteNeedsEscalation")
def deploy_key_write_needs_escalation(identities: IdentitiesFile) -> Iterator[Problem]:
    """A write deploy key can push to a repository, protected branches aside: that
    widening needs a recorded approval (an `escalations` entry), like any other."""
    for i, agent in enumerate(identities.agents):
        if agent.escalations:
            continue
        for j, key in enumerate(agent.github.deploy_keys):
            if key.access == "write":
                yield Problem(("agents", i, "github", "deploy_keys", j, "access"),
                              f"write access to {key.repo} needs an escalation",
                              "add an `escalations` entry (on, reason, approved_by) or use "
                              "`access: read`")


@rule("AgentId-DuplicateDeployKey")
def duplicate_deploy_key(identities: IdentitiesFile) -> Iterator[Problem]:
    """One key per repository: a second one would fight the first over its secret, its
    environment variable and its rotation. Repository names that differ only in case or
    punctuation would share all three names, so they count as the same."""
    for i, agent in enumerate(identities.agents):
        keys = agent.github.deploy_keys
        variables = [deploy_key_variable(key.repo) for key in keys]
        for j, first in repeats(variables):
            key, variable, repo = keys[j], variables[j], keys[first].repo
            path = ("agents", i, "github", "deploy_keys", j, "repo")
            if repo.casefold() == key.repo.casefold():
                yield Problem(path,
                              f"a deploy key for {key.repo} is already declared at "
                              f"deploy_keys[{first}]",
                              "keep one entry per repository (`access: write` if it must push)")
            else:
                yield Problem(path,
                              f"{key.repo} and {repo} (deploy_keys[{first}]) would share the "
                              f"variable {variable}",
                              "give the agent a key for only one of them, or split the agent")


@rule("AgentId-GitHubAppPermission")
def github_app_permission(identities: IdentitiesFile) -> Iterator[Problem]:
    """An App's permissions are GitHub's own names at the levels GitHub offers; one that
    would let the agent change its own environments, workflows, secrets or who may act
    is refused: the agent must never be able to lift the controls around it. A name
    GitHub does not know would be dropped or refused by GitHub, not by review."""
    names = sorted(REPOSITORY) + sorted(ORGANIZATION)
    for i, agent in enumerate(identities.agents):
        if agent.github.app is None:
            continue
        for name, level in agent.github.app.permissions.items():
            path = ("agents", i, "github", "app", "permissions", name)
            if not known(name):
                close = difflib.get_close_matches(name, names, n=1)
                yield Problem(path, f"GitHub has no App permission {name!r}",
                              f"did you mean {close[0]!r}?" if close else
                              "use GitHub's permission names (docs/github-app.md)")
                continue
            why = refusal(name, level)
            if why is not None:
                yield Problem(path, f"an agent's App may not hold {name}: {level}: {why}",
                              "remove it; a person does this, not the agent")
                continue
            offered = REPOSITORY.get(name, ())
            if level not in offered:
                yield Problem(path, f"GitHub offers {name} only as "
                                    f"{' or '.join(offered)}, not {level}",
                              f"use {name}: {offered[-1]}")


@rule("AgentId-GitHubAppRepository")
def github_app_repository(identities: IdentitiesFile) -> Iterator[Problem]:
    """The App is installed on exact repositories of the one organization: one elsewhere
    is not the organization's to grant, and a repository listed twice (names differ only
    in case) is one repository the reviewer might count as two."""
    org = identities.defaults.github.owner
    for i, agent in enumerate(identities.agents):
        app = agent.github.app
        if app is None or app.repositories is None:
            continue
        for j, repo in enumerate(app.repositories):
            if repo.split("/", 1)[0] != org:
                yield Problem(("agents", i, "github", "app", "repositories", j),
                              f"repository {repo} is outside the organization {org}",
                              f"install the agent's App only on {org}/* repositories")
        for j, first in repeats([repo.casefold() for repo in app.repositories]):
            yield Problem(("agents", i, "github", "app", "repositories", j),
                          f"{app.repositories[j]} is already listed at repositories[{first}]",
                          "list each repository once")


@rule("AgentId-GitHubAppInstallationWithoutAppId")
def github_app_installation_without_app_id(identities: IdentitiesFile) -> Iterator[Problem]:
    """An installation belongs to one App: recording the installation without the App it
    belongs to leaves the workflow a key to read and no App to mint a token for, and
    the reviewer no way to check the installation is the agent's own App's."""
    for i, agent in enumerate(identities.agents):
        app = agent.github.app
        if app is not None and app.installation_id is not None and app.app_id is None:
            yield Problem(("agents", i, "github", "app", "installation_id"),
                          "`installation_id` is set but `app_id` is not",
                          "add `app_id` (the App's settings page shows it), or remove "
                          "`installation_id` until the App exists")


# The stores whose construct keeps a GitHub App's key (store_external).
_APP_KEY_STORES = ("aws", "gcp")


@rule("AgentId-GitHubAppStore")
def github_app_store(identities: IdentitiesFile) -> Iterator[Problem]:
    """The App's private key lives in the agent's secret store, readable by the agent's
    identity alone; a store that cannot hold it yet is refused rather than leaving the
    key nowhere (or somewhere the owner picks by hand)."""
    for i, agent in enumerate(identities.agents):
        if agent.github.app is not None and agent.secrets.store not in _APP_KEY_STORES:
            yield Problem(("agents", i, "github", "app"),
                          f"a GitHub App's key cannot be kept in `secrets.store: "
                          f"{agent.secrets.store}` yet",
                          "use `secrets.store: aws` or `gcp` for this agent (Key Vault "
                          "cannot hold a secret without a value)")
