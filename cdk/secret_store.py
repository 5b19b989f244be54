"""Where private halves of deploy keys live: the seam between clouds' secret stores.

``secrets.store`` in a record names the store. Each store contributes a pure
planner here (record -> plan, no provider bindings) and a construct module that
``stacks/`` imports only when a record uses that store: one entry in
:data:`PLANNERS` and one in ``stacks.deploy_keys.STORE_CONSTRUCTS`` per store
(``aws``, ``gcp``, ``azure``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .aws.secret_plan import plan_secret_store as plan_aws_store
from .azure.plan import plan_secret_store as plan_azure_store
from .gcp.plan import plan_secret_store as plan_gcp_store
from .model import Agent, IdentitiesFile

# secrets.store -> planner returning that store's plan. Plans are plain dataclasses;
# the matching construct knows their shape.
PLANNERS: dict[str, Callable[[Agent, IdentitiesFile], Any]] = {
    "aws": plan_aws_store,
    "gcp": plan_gcp_store,
    "azure": plan_azure_store,
}


def plan_store(agent: Agent, identities: IdentitiesFile) -> Any:
    """The plan of the agent's secret store, dispatched on ``secrets.store``."""
    try:
        planner = PLANNERS[agent.secrets.store]
    except KeyError:  # pragma: no cover - the model only admits known stores
        raise ValueError(f"no planner for secrets.store {agent.secrets.store!r}") from None
    return planner(agent, identities)
