"""Where private halves of deploy keys live: ``secrets.store`` names a target.

Each target that can keep secrets gives its pure planner as
:attr:`cdk.targets.Target.plan_secret_store` and its construct as ``secret_store``
in its ``build.py``; this module dispatches on the record, nothing here names a
cloud.
"""

from __future__ import annotations

from typing import Any

from .model import Agent, IdentitiesFile
from .targets import target


def plan_store(agent: Agent, identities: IdentitiesFile) -> Any:
    """The plan of the agent's secret store, dispatched on ``secrets.store``."""
    try:
        planner = target(agent.secrets.store).plan_secret_store
    except KeyError:  # pragma: no cover - the model only admits known stores
        planner = None
    if planner is None:  # pragma: no cover - the model only admits known stores
        raise ValueError(f"no planner for secrets.store {agent.secrets.store!r}")
    return planner(agent, identities)
