"""The corruptions of a synthesized stack that the GitHub invariants must catch (MUTATIONS).

tests/verify/test_github.py runs each; test_verify.py checks every invariant has one.
"""

from __future__ import annotations

from cdk.verify import github

from .helpers import Documents, Mutation, resource


def _no_reviewers(documents: Documents) -> str:
    address, body = resource(documents, "docs-reader", "github_repository_environment")
    body.pop("reviewers")
    return address


def _other_team(documents: Documents) -> str:
    documents["docs-reader"]["data"]["github_team"]["directory_team_interns"] = {
        "slug": "interns", "summary_only": True}
    address, body = resource(documents, "docs-reader", "github_repository_environment")
    body["reviewers"]["teams"] = ["${data.github_team.directory_team_interns.id}"]
    return address


def _extra_environment(documents: Documents) -> str:
    _, body = resource(documents, "docs-reader", "github_repository_environment")
    documents["docs-reader"]["resource"]["github_repository_environment"]["extra"] = {
        **body, "environment": "production"}
    return "docs-reader"


def _self_review(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "github_repository_environment")
    body["prevent_self_review"] = False
    return address


def _admin_bypass(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "github_repository_environment")
    body["can_admins_bypass"] = True
    return address


def _any_branch(documents: Documents) -> str:
    address, body = resource(documents, "docs-reader", "github_repository_environment")
    body["deployment_branch_policy"] = {"protected_branches": False,
                                        "custom_branch_policies": False}
    return address


def _another_pinned_branch(documents: Documents) -> str:
    address, _ = resource(documents, "release-bot", "github_repository_environment")
    _, policy = resource(documents, "release-bot",
                         "github_repository_environment_deployment_policy")
    policy["branch_pattern"] = "*"
    return address


def _writable_key(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "github_repository_deploy_key")
    body["read_only"] = False
    return address


def _extra_key(documents: Documents) -> str:
    _, body = resource(documents, "release-bot", "github_repository_deploy_key")
    documents["release-bot"]["resource"]["github_repository_deploy_key"]["extra"] = {
        **body, "repository": "infra"}
    return "release-bot"


def _ruleset_bypass(documents: Documents) -> str:
    address, body = resource(documents, "foundation", "github_repository_ruleset")
    body["bypass_actors"] = [{"actor_id": 5, "actor_type": "RepositoryRole",
                              "bypass_mode": "always"}]
    return address


def _ruleset_no_security_team(documents: Documents) -> str:
    address, body = resource(documents, "foundation", "github_repository_ruleset")
    body["rules"]["pull_request"]["required_reviewers"] = []
    return address


def _ruleset_stale_approvals(documents: Documents) -> str:
    address, body = resource(documents, "foundation", "github_repository_ruleset")
    body["rules"]["pull_request"]["dismiss_stale_reviews_on_push"] = False
    return address


def _ruleset_gone(documents: Documents) -> str:
    del documents["foundation"]["resource"]["github_repository_ruleset"]
    return "foundation"


def _locked_protected_branches(documents: Documents) -> str:
    address, body = resource(documents, "incident-bot", "github_repository_environment")
    body["deployment_branch_policy"] = {"protected_branches": True,
                                        "custom_branch_policies": False}
    return address


def _locked_pin_kept(documents: Documents) -> str:
    # release-bot's pinned environment admits main again through a deployment policy.
    address, env = resource(documents, "release-bot", "github_repository_environment",
                            lambda body: body["environment"] == "release")
    name = address.split(".", 1)[1]
    documents["release-bot"]["resource"]["github_repository_environment_deployment_policy"] = {
        "kept": {"repository": "widgets", "branch_pattern": "main",
                 "environment": f"${{github_repository_environment.{name}.environment}}"}}
    return "github_repository_environment_deployment_policy.kept"


def _locked_key_kept(documents: Documents) -> str:
    _, key = resource(documents, "report-bot", "github_repository_deploy_key")
    documents["incident-bot"]["resource"]["github_repository_deploy_key"] = {
        "kept": {**key, "title": "agent-incident-bot"}}
    return "github_repository_deploy_key.kept"


def _locked_key_kept_stack(documents: Documents) -> str:
    _locked_key_kept(documents)
    return "incident-bot"


def _frozen_period(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "time_static")
    body["triggers"]["period"] = "0"  # never rotates again
    return address


def _longer_schedule(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "time_static")
    body["triggers"]["every_days"] = "365"
    return address


def _request_not_honoured(documents: Documents) -> str:
    # The record asks for no rotation; a stack claiming one is not the record's either.
    address, body = resource(documents, "release-bot", "time_static")
    body["triggers"]["requested"] = "2026-11-27"
    return address


def _key_pair_not_rotated(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "tls_private_key")
    body.pop("lifecycle")
    return address


def _deploy_key_destroyed_first(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "github_repository_deploy_key")
    body["lifecycle"].pop("create_before_destroy")
    return address


def _deploy_key_not_rotated(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "github_repository_deploy_key")
    body["lifecycle"]["replace_triggered_by"] = []
    return address


def _aws_copy_not_rotated(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "aws_secretsmanager_secret_version")
    body["lifecycle"]["replace_triggered_by"] = body["lifecycle"]["replace_triggered_by"][1:]
    return address


def _gcp_copy_not_rotated(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_secret_manager_secret_version")
    body.pop("lifecycle")
    return address


def _azure_copy_never_expires(documents: Documents) -> str:
    address, body = resource(documents, "cost-analyst", "azurerm_key_vault_secret")
    body["expiration_date"] = "2099-01-01T00:00:00Z"
    return address


def _azure_copy_not_versioned(documents: Documents) -> str:
    address, body = resource(documents, "cost-analyst", "azurerm_key_vault_secret")
    body["value_wo_version"] = 1
    return address


def _plan_day_frozen(documents: Documents) -> str:
    documents["release-bot"]["locals"]["agentid_plan_day"] = "${20000}"
    return "local.agentid_plan_day"


def _stray_time_static(documents: Documents) -> str:
    address, body = resource(documents, "release-bot", "time_static")
    documents["release-bot"]["resource"]["time_static"]["extra"] = dict(body)
    return "time_static.extra"


def _app_extra_repository(documents: Documents) -> str:
    address, body = resource(documents, "pr-bot", "github_app_installation_repositories")
    body["selected_repositories"] = [*body["selected_repositories"], "payroll"]
    return address


def _app_other_installation(documents: Documents) -> str:
    address, body = resource(documents, "pr-bot", "github_app_installation_repositories")
    body["installation_id"] = "1"
    return address


def _app_installation_before_installed(documents: Documents) -> str:
    _, body = resource(documents, "pr-bot", "github_app_installation_repositories")
    documents["triage-bot"]["resource"]["github_app_installation_repositories"] = {
        "installation": {**body, "selected_repositories": ["support"]}}
    return "github_app_installation_repositories.installation"


def _locked_app_installation_kept(documents: Documents) -> str:
    _, body = resource(documents, "pr-bot", "github_app_installation_repositories")
    documents["docs-bot"]["resource"]["github_app_installation_repositories"] = {
        "installation": {**body, "installation_id": "55501235",
                         "selected_repositories": ["docs"]}}
    return "github_app_installation_repositories.installation"


def _app_key_written(documents: Documents) -> str:
    address, _ = resource(documents, "pr-bot", "aws_secretsmanager_secret",
                          lambda body: body["name"].endswith("/github-app"))
    documents["pr-bot"]["resource"]["aws_secretsmanager_secret_version"]["app_key"] = {
        "secret_id": "${" + address + ".id}", "secret_string_wo": "x",
        "secret_string_wo_version": 1}
    return "aws_secretsmanager_secret_version.app_key"


def _gcp_app_key_written(documents: Documents) -> str:
    address, _ = resource(documents, "model-bot", "google_secret_manager_secret",
                          lambda body: body["secret_id"].endswith("-github-app"))
    documents["model-bot"]["resource"]["google_secret_manager_secret_version"]["app_key"] = {
        "secret": "${" + address + ".id}", "secret_data_wo": "x",
        "secret_data_wo_version": "1"}
    return "google_secret_manager_secret_version.app_key"


def _app_key_variable_elsewhere(documents: Documents) -> str:
    _, variable = resource(documents, "pr-bot", "github_actions_environment_variable",
                           lambda body: body["variable_name"] == "AGENT_APP_KEY_SECRET")
    deploy_key, _ = resource(documents, "pr-bot", "aws_secretsmanager_secret",
                             lambda body: body["name"].endswith("/acme/api"))
    variable["value"] = "${" + deploy_key + ".arn}"
    environment = variable["environment"].removeprefix("${").rsplit(".", 1)[0]
    return environment


MUTATIONS = [
    Mutation("an App repository the record lacks", "github_app", "pr-bot",
             _app_extra_repository, github.GITHUB_APP.id),
    Mutation("another App's installation", "github_app", "pr-bot", _app_other_installation,
             github.GITHUB_APP.id),
    Mutation("an installation before the record says installed", "github_app", "triage-bot",
             _app_installation_before_installed, github.GITHUB_APP.id),
    Mutation("a locked agent's App keeps its repositories", "github_app", "docs-bot",
             _locked_app_installation_kept, github.GITHUB_APP.id),
    Mutation("a locked agent's App keeps its repositories: locked away", "github_app",
             "docs-bot", _locked_app_installation_kept, github.LOCKED.id),
    Mutation("the App key written by Terraform", "github_app", "pr-bot", _app_key_written,
             github.GITHUB_APP.id),
    Mutation("the App key written by Terraform on Google Cloud", "github_app", "model-bot",
             _gcp_app_key_written, github.GITHUB_APP.id),
    Mutation("the App key variable naming a deploy key's secret", "github_app", "pr-bot",
             _app_key_variable_elsewhere, github.GITHUB_APP.id),
    Mutation("a ruleset bypass actor", "example", "foundation", _ruleset_bypass,
             github.IDENTITIES_RULESET.id),
    Mutation("no security team review", "example", "foundation", _ruleset_no_security_team,
             github.IDENTITIES_RULESET.id),
    Mutation("stale approvals kept", "example", "foundation", _ruleset_stale_approvals,
             github.IDENTITIES_RULESET.id),
    Mutation("the ruleset removed", "example", "foundation", _ruleset_gone,
             github.IDENTITIES_RULESET.id),
    Mutation("no reviewers", "example", "docs-reader", _no_reviewers,
             github.ENVIRONMENT_REVIEWERS.id),
    Mutation("another team reviews", "example", "docs-reader", _other_team,
             github.ENVIRONMENT_REVIEWERS.id),
    Mutation("an environment the record lacks", "example", "docs-reader", _extra_environment,
             github.ENVIRONMENT_REVIEWERS.id),
    Mutation("self-review allowed", "example", "release-bot", _self_review,
             github.ENVIRONMENT_NO_BYPASS.id),
    Mutation("admins bypass", "example", "release-bot", _admin_bypass,
             github.ENVIRONMENT_NO_BYPASS.id),
    Mutation("deploys from any branch", "example", "docs-reader", _any_branch,
             github.ENVIRONMENT_BRANCHES.id),
    Mutation("the pinned branch widened", "example", "release-bot", _another_pinned_branch,
             github.ENVIRONMENT_BRANCHES.id),
    Mutation("a read key made writable", "example", "release-bot", _writable_key,
             github.DEPLOY_KEYS.id),
    Mutation("a key the record lacks", "example", "release-bot", _extra_key,
             github.DEPLOY_KEYS.id),
    Mutation("a locked environment admitting protected branches", "locked", "incident-bot",
             _locked_protected_branches, github.LOCKED.id),
    Mutation("a locked environment admitting protected branches: its branches", "locked",
             "incident-bot", _locked_protected_branches, github.ENVIRONMENT_BRANCHES.id),
    Mutation("a locked agent's pin kept", "locked", "release-bot", _locked_pin_kept,
             github.LOCKED.id),
    Mutation("a locked agent's deploy key kept", "locked", "incident-bot", _locked_key_kept,
             github.LOCKED.id),
    Mutation("a locked agent's deploy key kept: the record's keys", "locked", "incident-bot",
             _locked_key_kept_stack, github.DEPLOY_KEYS.id),
    Mutation("the period frozen", "example", "release-bot", _frozen_period,
             github.DEPLOY_KEY_ROTATION.id),
    Mutation("a longer schedule than the record's", "deploy_keys", "release-bot",
             _longer_schedule, github.DEPLOY_KEY_ROTATION.id),
    Mutation("a rotate request the record lacks", "example", "release-bot",
             _request_not_honoured, github.DEPLOY_KEY_ROTATION.id),
    Mutation("the key pair not rotated", "example", "release-bot", _key_pair_not_rotated,
             github.DEPLOY_KEY_ROTATION.id),
    Mutation("the deploy key destroyed first", "example", "release-bot",
             _deploy_key_destroyed_first, github.DEPLOY_KEY_ROTATION.id),
    Mutation("the deploy key not rotated", "example", "release-bot", _deploy_key_not_rotated,
             github.DEPLOY_KEY_ROTATION.id),
    Mutation("the AWS copy not rotated", "example", "release-bot", _aws_copy_not_rotated,
             github.DEPLOY_KEY_ROTATION.id),
    Mutation("the Google Cloud copy not rotated", "gcp", "model-trainer",
             _gcp_copy_not_rotated, github.DEPLOY_KEY_ROTATION.id),
    Mutation("the Azure copy never expires", "azure", "cost-analyst",
             _azure_copy_never_expires, github.DEPLOY_KEY_ROTATION.id),
    Mutation("the Azure copy not versioned by rotation", "azure", "cost-analyst",
             _azure_copy_not_versioned, github.DEPLOY_KEY_ROTATION.id),
    Mutation("the plan day frozen", "example", "release-bot", _plan_day_frozen,
             github.DEPLOY_KEY_ROTATION.id),
    Mutation("a time_static rotating nothing", "example", "release-bot", _stray_time_static,
             github.DEPLOY_KEY_ROTATION.id),
]
