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
               "time_static", "github_app_installation_repositories")
# The GitHub App's environment variables (docs/github-app.md).
APP_ID_VARIABLE = "AGENT_APP_ID"
APP_KEY_VARIABLE = "AGENT_APP_KEY_SECRET"


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


def _of_environment(stack: Stack, variable: Resource) -> str | None:
    """The address of the environment a variable's ``environment`` refers to."""
    found = stack.reference(variable.get("environment"), "github_repository_environment")
    return found.address if found is not None else None


def _names_app_secret(stack: Stack, value: Any, agent: Agent) -> bool:
    """Whether ``value`` names the App's key secret of this stack in the agent's store:
    AWS, a reference to its ARN; Google Cloud, its ``projects/<p>/secrets/<id>`` name."""
    if agent.secrets.store == "aws":
        secret = stack.reference(value, "aws_secretsmanager_secret")
        return secret is not None and secret.get("name") == expect.app_key_secret_name(agent)
    if agent.secrets.store == "gcp":
        sid, gcp = expect.gcp_app_key_secret_id(agent), stack.identities.defaults.gcp
        return gcp is not None and value == f"projects/{gcp.project_id}/secrets/{sid}" and any(
            s.get("secret_id") == sid for s in stack.resources("google_secret_manager_secret"))
    return False


def github_app(stack: Stack, report: Reporter,
               agent: Agent, github: GitHubDefaults) -> Iterator[Finding]:
    """The App's installation selects exactly the record's repositories (none before it
    is installed, for a locked agent or without an App); every environment names the
    App's key secret (and its id once recorded), a secret of this stack that no version
    resource writes (its owner uploads the key); no App, no such variables."""
    want = expect.app_selected_repositories(agent)
    installations = stack.resources("github_app_installation_repositories")
    if want is None:
        for resource in installations:
            yield report(resource.address, "an App installation the record does not call "
                                           "for (no App, not installed, or locked)")
    else:
        app = agent.github.app
        assert app is not None and app.installation_id is not None
        if len(installations) != 1:
            yield report(stack.name, f"{len(installations)} App installations, not one")
        for resource in installations:
            if resource.get("installation_id") != str(app.installation_id):
                yield report(resource.address, f"installation {resource.get('installation_id')}"
                                               f" is not the record's {app.installation_id}")
            got = resource.get("selected_repositories")
            got_set = {str(r) for r in got} if isinstance(got, list) else set()
            if got_set != want:
                yield report(resource.address, f"selects {sorted(got_set)}, not the record's "
                                               f"{sorted(want)}")
    holds = expect.holds_app(agent)
    app_id = agent.github.app.app_id if agent.github.app is not None else None
    key_secret = expect.app_key_secret_name(agent)
    gcp_id = expect.gcp_app_key_secret_id(agent)
    for environment in _environments(stack):
        variables = {str(v.get("variable_name")): v for v in
                     stack.resources("github_actions_environment_variable")
                     if _of_environment(stack, v) == environment.address}
        where = environment.address
        want_id = str(app_id) if holds and app_id is not None else None
        got_id = variables[APP_ID_VARIABLE].get("value") if APP_ID_VARIABLE in variables \
            else None
        if got_id != want_id:
            yield report(where, f"{APP_ID_VARIABLE} is {got_id!r}, not {want_id!r}")
        key = variables.get(APP_KEY_VARIABLE)
        if not holds:
            if key is not None:
                yield report(key.address, f"{APP_KEY_VARIABLE} without an App the stack holds")
            continue
        if key is None or not _names_app_secret(stack, key.get("value"), agent):
            yield report(where, f"{APP_KEY_VARIABLE} does not name the App's key secret "
                                f"{key_secret if agent.secrets.store == 'aws' else gcp_id}")
    for version in stack.resources("aws_secretsmanager_secret_version",
                                   "google_secret_manager_secret_version"):
        secret = stack.reference(version.get("secret_id") or version.get("secret"),
                                 "aws_secretsmanager_secret", "google_secret_manager_secret")
        if secret is not None and (secret.get("name") == key_secret
                                   or secret.get("secret_id") == gcp_id):
            yield report(version.address, "writes the App's key: only its owner uploads it")


# Copies of a deploy key's private half, by the argument that holds it.
KEY_COPIES = {"aws_secretsmanager_secret_version": "secret_string_wo",
              "google_secret_manager_secret_version": "secret_data_wo",
              "azurerm_key_vault_secret": "value_wo"}


def _triggered_by(resource: Resource) -> list[str]:
    lifecycle = resource.get("lifecycle")
    found = lifecycle.get("replace_triggered_by") if isinstance(lifecycle, dict) else None
    return [str(a) for a in found] if isinstance(found, list) else []


def _named(stack: Stack, value: Any, kind: str, attribute: str) -> Resource | None:
    """The ``kind`` resource of this stack whose ``attribute`` ``value`` is a whole
    reference to."""
    found = stack.reference(value, kind)
    return found if found is not None and str(value).endswith(f".{attribute}}}") else None


def deploy_key_rotation(stack: Stack, report: Reporter,
                        agent: Agent, github: GitHubDefaults) -> Iterator[Finding]:
    """Each deploy key, its key pair and every stored copy are replaced with one
    ``time_static`` whose triggers are the record's date-anchored schedule and the
    period the plan's day falls in; the plan day is the calendar formula over
    ``plantimestamp()``."""
    days = {key.repo.split("/", 1)[1]: expect.rotation_days(stack.identities, key)
            for key in agent.github.deploy_keys}
    statics: dict[str, str] = {}  # time_static address -> key pair address
    for deploy_key in stack.resources("github_repository_deploy_key"):
        repository = str(deploy_key.get("repository"))
        if repository not in days:
            continue  # reported by GitHubDeployKeys
        triggers = [a for a in _triggered_by(deploy_key) if a.startswith("time_static.")]
        static = stack.reference(f"${{{triggers[0]}.id}}", "time_static") if len(
            triggers) == 1 else None
        key = _named(stack, deploy_key.get("key"), "tls_private_key", "public_key_openssh")
        if static is None or key is None:
            yield report(deploy_key.address, "is not replaced with exactly one time_static of "
                                             "this stack, or holds no key pair of it")
            continue
        lifecycle = deploy_key.get("lifecycle")
        if not isinstance(lifecycle, dict) or lifecycle.get("create_before_destroy") is not True:
            yield report(deploy_key.address, "is not created before it is destroyed: a "
                                             "rotation would leave a window without a key")
        want = expect.rotation_triggers(agent, days[repository])
        if static.get("triggers") != want:
            yield report(static.address, f"triggers {static.get('triggers')!r} are not the "
                                         f"record's schedule {want!r}")
        if static.address in statics:
            yield report(static.address, "rotates more than one deploy key")
        statics[static.address] = key.address
        if static.address not in _triggered_by(key):
            yield report(key.address, f"is not replaced with {static.address}: the key "
                                      "pair would outlive its rotation")
        yield from _copies(stack, report, agent, days[repository], static, key)
    for key in stack.resources("tls_private_key"):
        if key.address not in statics.values():
            yield report(key.address, "no deploy key of the record holds this key pair")
    for static in stack.resources("time_static"):
        if static.address not in statics:
            yield report(static.address, "rotates no deploy key of the record")
    for kind, attribute in KEY_COPIES.items():
        for copy in stack.resources(kind):
            held = _named(stack, copy.get(attribute), "tls_private_key", "private_key_openssh")
            if held is None or held.address not in statics.values():
                yield report(copy.address, "holds no rotated deploy key's private half")
    locals_ = stack.document.get("locals")
    day = locals_.get(expect.PLAN_DAY) if isinstance(locals_, dict) else None
    if statics and day != expect.plan_day():
        yield report(f"local.{expect.PLAN_DAY}", "is not the days since 1970-01-01 of "
                                                 "plantimestamp(): the period is not the "
                                                 "record's")


def _copies(stack: Stack, report: Reporter, agent: Agent, days: int, static: Resource,
            key: Resource) -> Iterator[Finding]:
    """Every stored copy of ``key`` rolls with it."""
    for kind, attribute in KEY_COPIES.items():
        for copy in stack.resources(kind):
            if _named(stack, copy.get(attribute), "tls_private_key",
                      "private_key_openssh") != key:
                continue
            if kind == "azurerm_key_vault_secret":
                # A purge-protected secret is not replaced: each rotation writes a version.
                if f"{static.address}.rfc3339" not in str(copy.get("value_wo_version")):
                    yield report(copy.address, f"its version is not {static.address}'s "
                                               "instant: a rotation would not write it")
                want = expect.next_rotation(agent, days)
                if copy.get("expiration_date") != want:
                    yield report(copy.address, f"expires at {copy.get('expiration_date')!r}, "
                                               f"not the end of the rotation period {want!r}")
            elif not {static.address, key.address} <= set(_triggered_by(copy)):
                yield report(copy.address, f"is not replaced with {static.address} and "
                                           f"{key.address}: the stored key would outlive "
                                           "its rotation")


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

DEPLOY_KEY_ROTATION = GITHUB.per_agent(
    "GitHubDeployKeyRotation", "Each deploy key, its key pair and every stored copy are "
    "replaced with one `time_static` keyed on the record's date-anchored schedule (every "
    "`rotation_days` from the newest `rotate` request, else 2024-01-01) and the period "
    "`plantimestamp()` falls in; Azure's copy expires at the period's end.",
    deploy_key_rotation)

GITHUB_APP = GITHUB.per_agent(
    "GitHubApp", "The App's installation selects exactly the record's repositories (none "
    "before it is installed or while the agent is locked); every environment names the "
    "App's key secret, which no Terraform resource writes, and its id.", github_app)

IDENTITIES_RULESET = GITHUB.invariant(
    "GitHubIdentitiesRuleset", "Where the record names the identities repository, its "
    "ruleset requires the security team's approving review and code owners, dismisses "
    "stale approvals, requires the review check and lets no one bypass it.",
    identities_ruleset)

INVARIANTS = (ENVIRONMENT_REVIEWERS, ENVIRONMENT_NO_BYPASS, ENVIRONMENT_BRANCHES, DEPLOY_KEYS,
              LOCKED, DEPLOY_KEY_ROTATION, GITHUB_APP, IDENTITIES_RULESET)
