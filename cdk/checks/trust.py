"""Rules about where an agent runs: the OIDC subjects its cloud identities trust."""

from __future__ import annotations

from collections.abc import Iterator

from ..azure.plan import uses_azure
from ..model import IdentitiesFile
from ..plan import environment_of
from ..subjects import BOTH, form_of, legacy_subject, primary_subject
from .common import repeats
from .engine import Problem, rule


@rule("AgentId-RepoOutsideOwner")
def repo_outside_owner(identities: IdentitiesFile) -> Iterator[Problem]:
    """Trust is pinned to one GitHub organization; a repository elsewhere is someone
    else's code asking for this agent's credentials."""
    org = identities.defaults.github.owner
    for i, agent in enumerate(identities.agents):
        for j, run in enumerate(agent.runs_on):
            if run.repo.split("/", 1)[0] != org:
                yield Problem(("agents", i, "runs_on", j, "repo"),
                              f"repository {run.repo} is outside the organization {org}",
                              f"run agents only in {org}/* repositories")
        for j, key in enumerate(agent.github.deploy_keys):
            if key.repo.split("/", 1)[0] != org:
                yield Problem(("agents", i, "github", "deploy_keys", j, "repo"),
                              f"repository {key.repo} is outside the organization {org}",
                              f"deploy keys only for {org}/* repositories")


@rule("AgentId-DuplicateSubject")
def duplicate_subject(identities: IdentitiesFile) -> Iterator[Problem]:
    """Each `runs_on` entry is one job identity (repository and environment); a
    repeated one, in either subject form, hides which pin (workflow, ref) and which
    form really apply."""
    github = identities.defaults.github
    for i, agent in enumerate(identities.agents):
        # GitHub compares repository and environment names without case; the legacy
        # spelling names the job whatever form the entry states.
        keys = [legacy_subject(agent, run).casefold() for run in agent.runs_on]
        for j, first in repeats(keys):
            yield Problem(("agents", i, "runs_on", j),
                          f"subject {primary_subject(github, agent, agent.runs_on[j])} repeats "
                          f"runs_on[{first}]", "give each workflow its own environment")


@rule("AgentId-RepoIdMismatch")
def repo_id_mismatch(identities: IdentitiesFile) -> Iterator[Problem]:
    """A repository has one numeric id; two ids for one name means one of them is a
    deleted or re-created repository, exactly what the id pin exists to catch."""
    ids: dict[str, tuple[int, tuple[str | int, ...]]] = {}
    for i, agent in enumerate(identities.agents):
        for j, run in enumerate(agent.runs_on):
            path = ("agents", i, "runs_on", j, "repo_id")
            known = ids.setdefault(run.repo.casefold(), (run.repo_id, path))
            if known[0] != run.repo_id:
                yield Problem(path,
                              f"{run.repo} has id {run.repo_id} here but {known[0]} elsewhere",
                              "check the id with `gh api repos/" + run.repo + " --jq .id`")


@rule("AgentId-SharedEnvironment")
def shared_environment(identities: IdentitiesFile) -> Iterator[Problem]:
    """An environment is one agent's gate: its reviewers approve that agent's runs and
    its subject is what that agent's role trusts. Two agents on one environment (GitHub
    ignores case in its name) would fight over its reviewers, and each agent's role
    would accept the other's runs."""
    owners: dict[tuple[str, str], str] = {}
    for i, agent in enumerate(identities.agents):
        for j, run in enumerate(agent.runs_on):
            key = (run.repo.casefold(), environment_of(agent, run).casefold())
            first = owners.setdefault(key, agent.name)
            if first != agent.name:
                yield Problem(("agents", i, "runs_on", j),
                              f"environment {environment_of(agent, run)} in {run.repo} "
                              f"already belongs to agent {first}",
                              "give every agent its own environment (default agent-<name>)")


@rule("AgentId-AzureBothSubjectForms")
def azure_both_subject_forms(identities: IdentitiesFile) -> Iterator[Problem]:
    """An Azure federated credential matches the subject and nothing else: accepting
    the legacy spelling beside the immutable one would let a repository re-created
    under the same name in, since no other condition pins the repository id. Azure
    entries state one form."""
    github = identities.defaults.github
    for i, agent in enumerate(identities.agents):
        if not uses_azure(agent) or agent.revoked is not None:
            continue
        for j, run in enumerate(agent.runs_on):
            if form_of(github, run) != BOTH:
                continue
            inherited = run.subject_form is None
            where = ("defaults.github.subject_form is `both`" if inherited
                     else "`subject_form: both`")
            yield Problem(("agents", i, "runs_on", j) + (() if inherited else ("subject_form",)),
                          f"{where}, but Azure cannot pin the repository id beside a "
                          f"legacy subject: {run.repo} would be trusted by name alone",
                          "write `subject_form: immutable` on this entry (or `legacy` while "
                          "the repository still issues legacy subjects)")
