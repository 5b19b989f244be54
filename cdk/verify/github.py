"""GitHub invariants: environments gate every run on a human; deploy keys as the record says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Agent, GitHubDefaults
from ..names import FOUNDATION, deploy_key_title
from . import expect
from .core import Finding, Reporter, Resource, Stack, Target, listed

# Every live agent has its GitHub side (environments, deploy keys).
GITHUB: Target[GitHubDefaults] = Target("GitHub", lambda identities: identities.defaults.github,
                                        lambda identities, agent: True)


# A locked agent's environments: custom branch policies with none listed admit no branch.
ADMITS_NO_BRANCH = {"protected_branches": False, "custom_branch_policies": True}
# What a locked agent's stack no longer holds: deployment policies, deploy keys and the
# key pairs and rotation clocks behind them.
LOCKED_AWAY = ("github_repository_environment_deployment_policy",
               "github_repository_deploy_key", "tls_private_key", "time_rotating",
               "time_static")


def _environments(stack: Stack) -> list[Resource]:
    return stack.resources("github_repository_environment")


def _reviewer(stack: Stack, value: Any, kind: str, attribute: str) -> str | None:
    data = stack.reference(value, kind)
    if data is None or not data.data:
        return None
    found = data.get(attribute)
    return str(found) if found is not None else None


def environment_reviewers(stack: Stack, report: Reporter,
                          agent: Agent, github: GitHubDefaults) -> Iterator[Finding]:
    """One environment per ``runs_on`` entry, each requiring the record's approvers."""
    teams = sorted({a.split("/", 1)[1] for a in agent.approvers if "/" in a})
    users = sorted({a[1:] for a in agent.approvers if "/" not in a})
    want = {(run.repo.split("/", 1)[1], expect.environment(agent, run)) for run in agent.runs_on}
    got = set()
    for environment in _environments(stack):
        got.add((str(environment.get("repository")), str(environment.get("environment"))))
        blocks = listed(environment.get("reviewers"))
        team_refs = [t for b in blocks if isinstance(b, dict) for t in listed(b.get("teams"))]
        user_refs = [u for b in blocks if isinstance(b, dict) for u in listed(b.get("users"))]
        got_teams = [_reviewer(stack, t, "github_team", "slug") for t in team_refs]
        got_users = [_reviewer(stack, u, "github_user", "username") for u in user_refs]
        if None in got_teams or None in got_users:
            yield report(environment.address, "a reviewer is not a looked-up team or user "
                                              "of the record's approvers")
        if sorted({t for t in got_teams if t}) != teams or sorted(
                {u for u in got_users if u}) != users:
            yield report(environment.address, f"required reviewers are not the record's "
                                              f"approvers {list(agent.approvers)}")
    if got != want:
        yield report(stack.name, f"environments differ from the record's: extra "
                                 f"{sorted(got - want)}, missing {sorted(want - got)}")


def environment_no_bypass(stack: Stack, report: Reporter,
                          agent: Agent, github: GitHubDefaults) -> Iterator[Finding]:
    """Every environment prevents self-review and admits no admin bypass."""
    for environment in _environments(stack):
        if environment.get("prevent_self_review") is not True:
            yield report(environment.address, "prevent_self_review is not true: whoever "
                                              "started a run could approve it")
        if environment.get("can_admins_bypass") is not False:
            yield report(environment.address, "can_admins_bypass is not false: an admin "
                                              "could run without an approval")


def environment_branches(stack: Stack, report: Reporter,
                         agent: Agent, github: GitHubDefaults) -> Iterator[Finding]:
    """Each environment deploys only from protected branches, or only from the ref the
    record pins with its workflow; a locked agent's from no branch (custom branch
    policies, none listed)."""
    locked = expect.locked(agent)
    pins = {(run.repo.split("/", 1)[1], expect.environment(agent, run)): run.ref
            for run in agent.runs_on}
    policies = stack.resources("github_repository_environment_deployment_policy")
    for environment in _environments(stack):
        key = (str(environment.get("repository")), str(environment.get("environment")))
        if key not in pins:
            continue  # reported by the reviewers invariant
        ref = pins[key]
        mine = [p for p in policies if p.get("environment") ==
                f"${{github_repository_environment.{environment.name}.environment}}"]
        got = sorted((str(p.get("branch_pattern") or ""), str(p.get("tag_pattern") or ""))
                     for p in mine)
        branch = environment.get("deployment_branch_policy")
        want: list[tuple[str, str]] = []
        if locked:
            want_policy = dict(ADMITS_NO_BRANCH)
        elif ref is None:
            want_policy = {"protected_branches": True, "custom_branch_policies": False}
        else:
            kind, _, name = ref.removeprefix("refs/").partition("/")
            want_policy = {"protected_branches": False, "custom_branch_policies": True}
            want = [(name, "") if kind == "heads" else ("", name)]
        if branch != want_policy or got != want:
            only = ("no branch (the agent is locked)" if locked else "protected branches"
                    if ref is None else f"the pinned {ref}")
            yield report(environment.address,
                         f"deploys from {branch!r} with patterns {got}, not only {only}")


def deploy_keys(stack: Stack, report: Reporter,
                agent: Agent, github: GitHubDefaults) -> Iterator[Finding]:
    """Deploy keys are exactly the record's (a locked agent's: none), titled
    ``agent-<name>``, read-only unless the record says ``write``."""
    access = {key.repo.split("/", 1)[1]: key.access for key in agent.github.deploy_keys
              if expect.holds_deploy_keys(agent)}
    got = set()
    for key in stack.resources("github_repository_deploy_key"):
        repository = str(key.get("repository"))
        got.add(repository)
        if key.get("title") != deploy_key_title(agent.name):
            yield report(key.address, f"title {key.get('title')!r} is not "
                                      f"{deploy_key_title(agent.name)}")
        if access.get(repository) != "write" and key.get("read_only") is not True:
            yield report(key.address, f"can write to {repository}: the record does not say "
                                      "`access: write`")
    if got != set(access):
        yield report(stack.name, f"deploy keys differ from the record's: extra "
                                 f"{sorted(got - set(access))}, missing "
                                 f"{sorted(set(access) - got)}")


def locked_environments(stack: Stack, report: Reporter,
                        agent: Agent, github: GitHubDefaults) -> Iterator[Finding]:
    """A locked agent's environments stay (reviewers, variables) but admit no branch:
    custom branch policies on, no deployment policy; it holds no deploy key, key pair or
    rotation clock."""
    if not expect.locked(agent):
        return
    for environment in _environments(stack):
        branch = environment.get("deployment_branch_policy")
        if branch != ADMITS_NO_BRANCH:
            yield report(environment.address, f"deployment_branch_policy {branch!r} admits "
                                              f"branches: a locked agent's is "
                                              f"{ADMITS_NO_BRANCH}")
    for resource in stack.resources(*LOCKED_AWAY):
        yield report(resource.address, f"a {resource.kind} in a locked agent's stack: its "
                                       "environments admit no branch and its deploy keys "
                                       "are deleted")


def _rules(ruleset: Resource) -> dict[str, Any]:
    rules = ruleset.get("rules")
    return rules if isinstance(rules, dict) else {}


def identities_ruleset(stack: Stack, report: Reporter) -> Iterator[Finding]:
    """The identities repository's ruleset, where the record names that repository: the
    security team's approving review, code owners, stale approvals dismissed, the review
    check required, no bypass for anyone."""
    if stack.name != FOUNDATION:
        return
    want = stack.identities.defaults.github.identities
    rulesets = stack.resources("github_repository_ruleset")
    if want is None:
        return  # a ruleset the record does not ask for: ResourcesFromRecord reports it
    if len(rulesets) != 1:
        yield report(stack.name, f"{len(rulesets)} rulesets: the record asks for one, on "
                                 f"{want.repo}")
        return
    ruleset = rulesets[0]
    rules = _rules(ruleset)
    review = rules.get("pull_request")
    review = review if isinstance(review, dict) else {}
    checks = rules.get("required_status_checks")
    checks = checks if isinstance(checks, dict) else {}
    contexts = [c.get("context") for c in checks.get("required_check") or []
                if isinstance(c, dict)]
    conditions = ruleset.get("conditions")
    branches = (conditions or {}).get("ref_name", {}) if isinstance(conditions, dict) else {}
    teams = []
    for reviewer in review.get("required_reviewers") or []:
        who = reviewer.get("reviewer", {}) if isinstance(reviewer, dict) else {}
        team = stack.reference(who.get("id"), "github_team")
        if who.get("type") == "Team" and team is not None:
            teams.append(f"@{stack.identities.defaults.github.owner}/{team.get('slug')}")
    wrong = [what for what, holds in (
        (f"repository is not {want.repo}", ruleset.get("repository") == want.repo.split("/")[1]),
        ("not active", ruleset.get("enforcement") == "active"),
        ("bypass actors are listed", not ruleset.get("bypass_actors")),
        ("not on the default branch",
         isinstance(branches, dict) and "~DEFAULT_BRANCH" in (branches.get("include") or [])),
        ("no approving review required",
         isinstance(review.get("required_approving_review_count"), int)
         and review["required_approving_review_count"] >= 1),
        ("code owners not required", review.get("require_code_owner_review") is True),
        ("stale approvals not dismissed", review.get("dismiss_stale_reviews_on_push") is True),
        (f"{want.security_team} is not a required reviewer", want.security_team in teams),
        (f"check {want.check!r} not required", want.check in contexts),
        ("deletion allowed", rules.get("deletion") is True),
        ("force-push allowed", rules.get("non_fast_forward") is True),
    ) if not holds]
    if wrong:
        yield report(ruleset.address, "the identities ruleset does not enforce the review: "
                                      + "; ".join(wrong))


ENVIRONMENT_REVIEWERS = GITHUB.per_agent(
    "GitHubEnvironmentReviewers", "One environment per `runs_on` entry, each requiring "
    "the record's approvers.", environment_reviewers)
ENVIRONMENT_NO_BYPASS = GITHUB.per_agent(
    "GitHubEnvironmentNoBypass", "Every environment prevents self-review and lets no "
    "admin bypass it.", environment_no_bypass)
ENVIRONMENT_BRANCHES = GITHUB.per_agent(
    "GitHubEnvironmentBranches", "Every environment deploys only from protected branches, "
    "or only from the ref the record pins (a locked agent's: from no branch).",
    environment_branches)
DEPLOY_KEYS = GITHUB.per_agent(
    "GitHubDeployKeys", "Deploy keys are exactly the record's (none while the agent is "
    "locked), read-only unless the record says `write`.", deploy_keys)
LOCKED = GITHUB.per_agent(
    "GitHubLocked", "A locked agent's environments admit no branch (custom branch policies, "
    "no deployment policy) and it holds no deploy key or key pair.", locked_environments)

IDENTITIES_RULESET = GITHUB.invariant(
    "GitHubIdentitiesRuleset", "Where the record names the identities repository, its "
    "ruleset requires the security team's approving review and code owners, dismisses "
    "stale approvals, requires the review check and lets no one bypass it.",
    identities_ruleset)

INVARIANTS = (ENVIRONMENT_REVIEWERS, ENVIRONMENT_NO_BYPASS, ENVIRONMENT_BRANCHES, DEPLOY_KEYS,
              LOCKED, IDENTITIES_RULESET)
