"""One stack per agent, named after it: ``cdktn deploy <name>`` does what it says."""

from __future__ import annotations

from pathlib import Path

from cdktn import TerraformStack
from constructs import Construct

from cdk.builders import Built, builder
from cdk.model import Agent, IdentitiesFile
from cdk.targets import used

from .backend import apply_backend


class AgentStack(TerraformStack):
    """The agent's part of every target it uses (cdk/targets.py), in registry order.

    Each used target builds its provider and, for a live agent, its identity;
    then each target's ``finish_agent`` runs (GitHub's: deploy keys in the
    agent's store, and environments carrying every target's variables).
    A revoked agent keeps its stack, backend and providers (Terraform needs them
    to destroy what the state holds) but no resources, so the next deploy is a
    destroy of exactly this agent.
    """

    def __init__(self, scope: Construct, agent: Agent, identities: IdentitiesFile,
                 outdir: Path, base_dir: Path) -> None:
        super().__init__(scope, agent.name)
        self.agent = agent
        apply_backend(self, identities.defaults.backend, agent.name, outdir, base_dir)
        builders = [(t.name, builder(t)) for t in used(agent, identities)]
        built: dict[str, Built] = {}
        for name, build in builders:
            built[name] = build.build_agent(self, agent, identities)
        if agent.revoked is not None:
            return
        for _, build in builders:
            build.finish_agent(self, agent, identities, built)
