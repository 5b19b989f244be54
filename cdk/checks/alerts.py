"""Rules about where alerts go, across targets (docs/alerts.md)."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import IdentitiesFile
from ..plan import uses_store
from ..targets import target
from .engine import Problem, rule

# The clouds an ``alerts`` section names, each a registered target of the same name.
ALERT_CLOUDS = ("aws", "gcp", "azure")


@rule("AgentId-AlertsCloudUnused")
def alerts_cloud_unused(identities: IdentitiesFile) -> Iterator[Problem]:
    """An agent's own alert channels are for the clouds it has an identity in: channels
    of a cloud it does not use would watch nothing, while the record says it is
    watched there."""
    for i, agent in enumerate(identities.agents):
        if agent.alerts is None:
            continue
        for cloud in ALERT_CLOUDS:
            if getattr(agent.alerts, cloud) is None or target(cloud).used_by(
                    agent, identities):
                continue
            if getattr(identities.defaults, cloud) is None and (
                    getattr(agent, cloud) is not None or uses_store(agent, cloud)):
                continue  # the cloud's DefaultsMissing rule reports the missing defaults
            yield Problem(("agents", i, "alerts", cloud),
                          f"alerts.{cloud} names channels, but this agent has no identity "
                          f"in {cloud} (no `{cloud}` scope, no deploy keys stored there)",
                          f"remove alerts.{cloud} from this agent, or put its channels "
                          "under the section of a cloud it uses")
