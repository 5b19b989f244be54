"""GitHub as a target (docs/architecture.md §8): every agent's environments, deploy
keys and GitHub App installation, and the identities repository's ruleset in the foundation.

Every agent uses GitHub: its environments are where a run gets its approval and
the other targets' variables. GitHub's ``finish_agent`` (cdk/github/build.py)
therefore runs after every other target has built its identity.
"""

from __future__ import annotations

from datetime import date

from ..lifecycle import state
from ..model import Agent, IdentitiesFile
from ..targets import CardLines, Content, Target, plan_data
from .app_plan import app_repositories, plan_app
from .deploy_keys import plan_deploy_keys
from .plan import plan_environments
from .ruleset_plan import plan_ruleset


def _always(agent: Agent, identities: IdentitiesFile) -> bool:
    return True


def _in_foundation(identities: IdentitiesFile) -> bool:
    return plan_ruleset(identities) is not None


def _planned_content(agent: Agent, identities: IdentitiesFile) -> Content:
    # A tombstone keeps its provider, so Terraform can destroy what the state holds.
    content: Content = {"provider.github": {"owner": identities.defaults.github.owner}}
    if agent.revoked is not None:
        return content
    for key in plan_deploy_keys(agent, identities):
        content[f"plan.deploy_key.{key.repo}"] = plan_data(key)
    app = plan_app(agent, identities)
    if app is not None:
        content["plan.github_app"] = plan_data(app)
    for env in plan_environments(agent, identities, {}):
        content[f"plan.environment.{env.repo}/{env.environment}"] = plan_data(env)
    return content


def _app_card(agent: Agent) -> tuple[str, ...]:
    """The card's line for the agent's GitHub App: its permissions and repositories,
    and whether it exists and is installed yet (review: docs/review.md)."""
    app = agent.github.app
    if app is None or agent.revoked is not None:
        return ()
    line = (f"GitHub App agent-{agent.name}: "
            + ", ".join(f"{name}: {level}" for name, level in sorted(app.permissions.items()))
            + " on " + ", ".join(app_repositories(agent)))
    if app.app_id is None:
        return (line + " (App not created yet; not installed yet)",)
    if app.installation_id is None:
        return (line + f" (App id {app.app_id}; not installed yet)",)
    return (line + f" (App id {app.app_id}, installation {app.installation_id})",)


def _card(agent: Agent, identities: IdentitiesFile, today: date) -> CardLines:
    if state(agent) != "locked":
        return CardLines(acts_as=_app_card(agent))
    lock = ("GitHub: every environment of the agent admits no branch, so no new run gets "
            "an approval to obtain credentials")
    if agent.github.deploy_keys:
        lock += ("; its deploy keys and their stored private halves are deleted (GitHub "
                 "refuses a deleted key at once)")
    if agent.github.app is not None:
        lock += ("; its GitHub App's key secret is deleted and its installation's "
                 "repositories removed, all but one that GitHub keeps: an organization "
                 "owner also suspends the installation and deletes the App's private key "
                 "(docs/github-app.md#lock-and-revoke)")
    return CardLines(lock=lock, acts_as=_app_card(agent))


def _planned_foundation(identities: IdentitiesFile) -> Content:
    ruleset = plan_ruleset(identities)
    assert ruleset is not None
    return {"plan.identities_ruleset": plan_data(ruleset)}


TARGET = Target(
    name="github",
    builder="cdk.github.build",
    bindings=("cdktn_provider_github", "cdktn_provider_tls", "cdktn_provider_time"),
    used_by=_always,
    in_foundation=_in_foundation,
    planned_content=_planned_content,
    planned_foundation=_planned_foundation,
    card=_card,
    force_new={
        "github_repository_environment": frozenset({"repository", "environment"}),
        "github_repository_environment_deployment_policy": frozenset({"repository",
                                                                      "environment"}),
        "github_actions_environment_variable": frozenset({"repository", "environment",
                                                          "variable_name"}),
        "github_repository_deploy_key": frozenset({"key", "read_only", "repository",
                                                   "title"}),
        "github_app_installation_repositories": frozenset({"installation_id"}),
        "tls_private_key": frozenset({"algorithm", "ecdsa_curve", "rsa_bits"}),
        # RequiresReplace in terraform-provider-time's schema: a rotation (the period
        # or the request in its triggers) replaces it, and with it the key.
        "time_static": frozenset({"rfc3339", "triggers"}),
    },
    rules=("cdk.github.rules",),
)
