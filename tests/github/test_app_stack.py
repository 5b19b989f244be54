"""The agent's GitHub App on its stack (#19): the installation selects exactly the
record's repositories, the App's key lives in the agent's store like a deploy key's,
every environment names it; nothing for a locked agent or a tombstone. Bad input is
refused with FILE:LINE and nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main
from cdk.github.app_plan import plan_app
from cdk.github.target import TARGET
from cdk.validation import load

from ..conftest import FIXTURES, TODAY, TODAY_ARG, Synthesized
from ..records import AZURE, BASE, assert_refused, write

FIXTURE = FIXTURES / "github-app.yaml"
APP_SECRET = "agents/{}/deploy-keys/github-app"


@pytest.fixture(scope="module")
def out(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized_fixtures("github-app")


def _resources(out: Synthesized, stack: str, kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = out.stack(stack).get("resource", {}).get(kind, {})
    return found


def _secret(out: Synthesized, stack: str, name: str) -> tuple[str, dict[str, Any]]:
    [found] = [(f"aws_secretsmanager_secret.{k}", v) for k, v in
               _resources(out, stack, "aws_secretsmanager_secret").items()
               if v["name"] == name]
    return found


def _policy_of(out: Synthesized, stack: str, secret: str) -> dict[str, Any]:
    [policy] = [v for v in _resources(out, stack, "aws_secretsmanager_secret_policy").values()
                if v["secret_arn"] == "${" + secret + ".arn}"]
    return policy


def _variables(out: Synthesized, stack: str) -> dict[str, dict[str, str]]:
    """environment address -> variable name -> value."""
    found: dict[str, dict[str, str]] = {}
    for body in _resources(out, stack, "github_actions_environment_variable").values():
        environment = body["environment"].removeprefix("${").rsplit(".", 1)[0]
        found.setdefault(environment, {})[body["variable_name"]] = body["value"]
    return found


def _identities() -> Any:
    return load(FIXTURE, TODAY).identities


def _agent(name: str) -> Any:
    return next(a for a in _identities().agents if a.name == name)


# Pure plan ---------------------------------------------------------------------------

def test_plan_is_the_records_app_with_repositories_sorted_without_owner() -> None:
    app = plan_app(_agent("pr-bot"), _identities())

    assert app is not None
    assert app.installation_id == 55501234 and app.app_id == 912345
    assert app.repositories == ("acme/api", "acme/shared-config", "acme/web")
    assert app.selected_repositories == ("api", "shared-config", "web")
    assert app.secret_name == APP_SECRET.format("pr-bot")
    assert app.variables == {"AGENT_APP_ID": "912345"}


def test_repositories_default_to_the_agents_runs_on_and_no_app_id_no_variable() -> None:
    app = plan_app(_agent("triage-bot"), _identities())

    assert app is not None and not app.installed
    assert app.repositories == ("acme/support",)
    assert app.variables == {}


@pytest.mark.parametrize("name", ["docs-bot", "old-bot"])
def test_locked_and_revoked_agents_plan_no_app(name: str) -> None:
    assert plan_app(_agent(name), _identities()) is None


def test_planned_content_carries_the_app_plan_for_review_without_synthesis() -> None:
    identities = _identities()

    content = TARGET.planned_content(_agent("pr-bot"), identities)

    assert content["plan.github_app"]["repositories"] == (
        "acme/api", "acme/shared-config", "acme/web")
    assert content["plan.github_app"]["installation_id"] == 55501234
    assert "plan.github_app" not in TARGET.planned_content(_agent("docs-bot"), identities)
    assert "plan.github_app" not in TARGET.planned_content(_agent("old-bot"), identities)


# The synthesized stack ---------------------------------------------------------------

def test_installation_selects_exactly_the_records_repositories(out: Synthesized) -> None:
    [installation] = _resources(out, "pr-bot", "github_app_installation_repositories").values()

    assert installation["installation_id"] == "55501234"
    assert installation["selected_repositories"] == ["api", "shared-config", "web"]


def test_no_installation_before_the_record_says_installed(out: Synthesized) -> None:
    assert _resources(out, "triage-bot", "github_app_installation_repositories") == {}


def test_key_secret_has_the_deploy_keys_kms_key_and_policy_and_no_version(
        out: Synthesized) -> None:
    app_address, app_secret = _secret(out, "pr-bot", APP_SECRET.format("pr-bot"))
    key_address, key_secret = _secret(out, "pr-bot", "agents/pr-bot/deploy-keys/acme/api")

    # The same customer-managed key, recovery window and tags as the deploy key's secret.
    assert app_secret["kms_key_id"] == key_secret["kms_key_id"]
    assert app_secret["kms_key_id"].startswith("${aws_kms_key.")
    for attribute in ("recovery_window_in_days", "tags"):
        assert app_secret[attribute] == key_secret[attribute]
    # The same policy: only the agent's role reads, the agent never writes.
    app_policy = _policy_of(out, "pr-bot", app_address)
    key_policy = _policy_of(out, "pr-bot", key_address)
    assert app_policy["policy"] == key_policy["policy"]
    assert app_policy["block_public_policy"] is True
    document = json.loads(app_policy["policy"])
    deny = next(s for s in document["Statement"] if s["Sid"] == "DenyReadingToAllButTheAgent")
    assert deny["Condition"] == {"ArnNotEquals": {
        "aws:PrincipalArn": "arn:aws:iam::123456789012:role/agent-pr-bot"}}
    # No version: the owner uploads the key; Terraform never holds it.
    versions = _resources(out, "pr-bot", "aws_secretsmanager_secret_version").values()
    assert [v["secret_id"] for v in versions] == ["${" + key_address + ".id}"]


def test_an_app_without_deploy_keys_gets_the_store_and_the_read_grant(
        out: Synthesized) -> None:
    address, _ = _secret(out, "triage-bot", APP_SECRET.format("triage-bot"))
    assert _resources(out, "triage-bot", "aws_secretsmanager_secret_version") == {}
    [scope] = _resources(out, "triage-bot", "aws_iam_role_policy").values()
    read = next(s for s in json.loads(scope["policy"])["Statement"]
                if s["Sid"] == "ReadOwnDeployKeySecrets")
    assert read["Resource"] == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
                                "agents/triage-bot/deploy-keys/github-app-??????"]
    assert _policy_of(out, "triage-bot", address)["block_public_policy"] is True


def test_on_google_cloud_the_key_secret_has_the_deploy_keys_cmek_and_reader_and_no_version(
        out: Synthesized) -> None:
    secrets = {v["secret_id"]: (k, v) for k, v in
               _resources(out, "model-bot", "google_secret_manager_secret").items()}
    app_name, app_secret = secrets["agents-model-bot-github-app"]
    key_name, key_secret = secrets["agents-model-bot-deploy-keys-acme-models"]

    # The same CMEK, replication, labels and ordering after the key's IAM as the deploy key's.
    for attribute in ("replication", "labels", "depends_on", "project"):
        assert app_secret[attribute] == key_secret[attribute]
    # The same one reader: the agent's service account, until expiry.
    readers = {v["secret_id"]: v for v in
               _resources(out, "model-bot", "google_secret_manager_secret_iam_member").values()}
    app_reader = readers["${google_secret_manager_secret." + app_name + ".secret_id}"]
    key_reader = readers["${google_secret_manager_secret." + key_name + ".secret_id}"]
    for attribute in ("member", "role", "condition", "depends_on"):
        assert app_reader[attribute] == key_reader[attribute]
    assert app_reader["member"] == (
        "serviceAccount:agent-model-bot@acme-agents.iam.gserviceaccount.com")
    assert len(readers) == 2
    # No version: the owner uploads the key.
    versions = _resources(out, "model-bot", "google_secret_manager_secret_version").values()
    assert [v["secret"] for v in versions] == [
        "${google_secret_manager_secret." + key_name + ".id}"]
    [names] = _variables(out, "model-bot").values()
    assert names["AGENT_APP_KEY_SECRET"] == (
        "projects/acme-agents/secrets/agents-model-bot-github-app")
    assert names["AGENT_APP_ID"] == "912348"
    [installation] = _resources(out, "model-bot",
                                "github_app_installation_repositories").values()
    assert installation["selected_repositories"] == ["models"]


def test_every_environment_names_the_key_secret_and_the_app_id(out: Synthesized) -> None:
    app_address, _ = _secret(out, "pr-bot", APP_SECRET.format("pr-bot"))
    variables = _variables(out, "pr-bot")

    assert len(variables) == 2  # acme/api and acme/web
    for names in variables.values():
        assert names["AGENT_APP_ID"] == "912345"
        assert names["AGENT_APP_KEY_SECRET"] == "${" + app_address + ".arn}"
    [triage] = _variables(out, "triage-bot").values()
    assert "AGENT_APP_ID" not in triage
    assert triage["AGENT_APP_KEY_SECRET"].startswith("${aws_secretsmanager_secret.")


def test_a_locked_agent_holds_no_installation_key_secret_or_app_variables(
        out: Synthesized) -> None:
    assert _resources(out, "docs-bot", "github_app_installation_repositories") == {}
    assert _resources(out, "docs-bot", "aws_secretsmanager_secret") == {}
    for names in _variables(out, "docs-bot").values():
        assert not {"AGENT_APP_ID", "AGENT_APP_KEY_SECRET"} & set(names)
    # The providers and the store stay, so Terraform can destroy what the state holds.
    assert "github" in out.stack("docs-bot")["provider"]
    assert _resources(out, "docs-bot", "aws_kms_key")


def test_a_tombstone_holds_nothing(out: Synthesized) -> None:
    assert out.stack("old-bot").get("resource", {}) == {}
    assert "github" in out.stack("old-bot")["provider"]


# Bad input: FILE:LINE, the fix, nothing written --------------------------------------

def _app(body: str, extra: str = "") -> str:
    return BASE + extra + f"    github:\n      app: {body}\n"


BAD = [
    ("unknown-permission", _app("{permissions: {pull_request: write}}"),
     "agents[0].github.app.permissions.pull_request", "app: {permissions",
     "GitHub has no App permission 'pull_request'"),
    ("closest-known-permission", _app("{permissions: {pull_request: write}}"),
     "agents[0].github.app.permissions.pull_request", "app: {permissions",
     "did you mean 'pull_requests'?"),
    ("level-not-offered", _app("{permissions: {metadata: write}}"),
     "agents[0].github.app.permissions.metadata", "app: {permissions",
     "GitHub offers metadata only as read, not write"),
    ("refused-permission", _app("{permissions: {administration: read}}"),
     "agents[0].github.app.permissions.administration", "app: {permissions",
     "branch protection and environments"),
    ("refused-level", _app("{permissions: {actions: write}}"),
     "agents[0].github.app.permissions.actions", "app: {permissions",
     "re-runs, cancels and dispatches workflows"),
    ("organization-permission", _app("{permissions: {members: read}}"),
     "agents[0].github.app.permissions.members", "app: {permissions",
     "organization permissions reach beyond the App's repositories"),
    ("workflows", _app("{permissions: {workflows: write}}"),
     "agents[0].github.app.permissions.workflows", "app: {permissions",
     "rewrite what runs"),
    ("repository-outside-owner",
     _app("{permissions: {contents: read}, repositories: [acme/api, evil/api]}"),
     "agents[0].github.app.repositories[1]", "app: {permissions",
     "repository evil/api is outside the organization acme"),
    ("duplicate-repository",
     _app("{permissions: {contents: read}, repositories: [acme/api, acme/API]}"),
     "agents[0].github.app.repositories[1]", "app: {permissions",
     "acme/API is already listed at repositories[0]"),
    ("installation-without-app-id",
     _app("{permissions: {contents: read}, installation_id: 42}"),
     "agents[0].github.app.installation_id", "app: {permissions",
     "`installation_id` is set but `app_id` is not"),
    ("unknown-level", _app("{permissions: {contents: admin}}"),
     "agents[0].github.app.permissions.contents", "app: {permissions", "'read' or 'write'"),
]


@pytest.mark.parametrize(("text", "path", "marker", "message"), [c[1:] for c in BAD],
                         ids=[c[0] for c in BAD])
def test_bad_app_is_refused_with_location_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    text: str, path: str, marker: str, message: str,
) -> None:
    assert_refused(tmp_path, capsys, text, path, marker, message)


def test_an_app_whose_key_store_cannot_hold_it_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = AZURE + ("    secrets: {store: azure}\n"
                    "    github:\n      app: {permissions: {contents: read}}\n")
    assert_refused(tmp_path, capsys, text, "agents[0].github.app", "app: {permissions",
                   "cannot be kept in `secrets.store: azure` yet")


def test_metadata_read_is_accepted(tmp_path: Path) -> None:
    source = write(tmp_path, _app("{permissions: {metadata: read, contents: read}}"))
    assert main(["validate", "-f", str(source), "--today", TODAY_ARG]) == 0
