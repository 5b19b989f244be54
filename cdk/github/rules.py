"""Rules about an agent's GitHub deploy keys."""

from __future__ import annotations

from collections.abc import Iterator

from ..checks.common import repeats
from ..checks.engine import Problem, rule
from ..model import IdentitiesFile
from ..names import deploy_key_variable


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
