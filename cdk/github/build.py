"""GitHub constructs of the target interface (docs/architecture.md §8).

``build_agent`` comes first (the providers); ``finish_agent`` last, once every
target the agent uses has built its identity: the deploy keys' store needs its
only reader, and every environment carries every target's variables.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktn import TerraformStack

from ..builders import Built, builder
from ..model import Agent, IdentitiesFile
from ..names import APP_KEY_VARIABLE, unique_ids
from ..plan import uses_store
from ..secret_store import plan_store
from ..targets import target
from .app import app_installation
from .app_plan import plan_app
from .deploy_key import AgentDeployKey, key_providers
from .deploy_keys import plan_deploy_keys, uses_deploy_keys
from .environment import AgentEnvironment, Directory, github_provider
from .plan import plan_environments
from .ruleset import identities_ruleset
from .ruleset_plan import plan_ruleset


def build_foundation(stack: TerraformStack, identities: IdentitiesFile) -> None:
    """The identities repository's ruleset."""
    ruleset = plan_ruleset(identities)
    assert ruleset is not None
    github_provider(stack, identities.defaults.github.owner)
    identities_ruleset(stack, ruleset)


def build_agent(stack: TerraformStack, agent: Agent, identities: IdentitiesFile) -> Built:
    """The GitHub provider, and the tls and time providers where the record lists deploy
    keys (a locked agent's too: Terraform needs them to destroy the keys it held)."""
    github_provider(stack, identities.defaults.github.owner)
    if uses_deploy_keys(agent):
        key_providers(stack)
    return Built()


def finish_agent(stack: TerraformStack, agent: Agent, identities: IdentitiesFile,
                 built: Mapping[str, Built]) -> None:
    """Deploy keys and the GitHub App's key secret in the agent's store, the App's
    installation repositories, then one environment per ``runs_on`` entry.

    A locked agent's store stays (its KMS key, key ring or vault: unlocking then only
    writes new secrets) but holds no key: :func:`plan_deploy_keys` plans none and
    :func:`plan_app` nothing (the installation loses every repository).
    """
    variables: dict[str, str] = {}
    for part in built.values():
        variables.update(part.variables)
    keys = plan_deploy_keys(agent, identities)
    app = plan_app(agent, identities)
    if uses_store(agent, agent.secrets.store):
        # The store's only reader is the identity its target built for the agent.
        store_target = target(agent.secrets.store)
        store = builder(store_target).secret_store(
            stack, plan_store(agent, identities), built[store_target.name].identity)
        for plan in keys:
            key = AgentDeployKey(stack, plan.construct_id, plan)
            variables[plan.variable] = store.store(plan.repo, key)
        if app is not None:
            variables[APP_KEY_VARIABLE] = store.store_external(app.store_key)
    if app is not None:
        variables.update(app.variables)
        app_installation(stack, app)
    directory = Directory(stack, "directory")
    environments = plan_environments(agent, identities, variables)
    # Keyed by repo and environment, not position: reordering runs_on must not
    # look like a destroy and re-create in review; unique even where two names
    # differ only in characters an id cannot hold (acme/a.b, acme/a_b).
    ids = unique_ids((k, ("environment", env.repo, env.environment))
                     for k, env in enumerate(environments))
    for k, env in enumerate(environments):
        AgentEnvironment(stack, ids[k], env, directory)
