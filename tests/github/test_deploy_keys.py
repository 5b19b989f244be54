"""Deploy keys: ED25519 from the plan, read-only by default, rotated as one unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cdk.github.deploy_keys import plan_deploy_keys
from cdk.github.rotation_plan import PLAN_DAY, interpolated, plan_day_expression
from cdk.names import deploy_key_variable
from cdk.validation import load

from ..conftest import TODAY, Synthesized
from ..records import DEPLOY_KEYS, write


def _only(out: Synthesized, stack: str, kind: str) -> dict[str, Any]:
    [resource] = out.resources(stack, kind)
    return resource


def _address(out: Synthesized, stack: str, kind: str, path_suffix: str) -> str:
    for name, body in out.stack(stack)["resource"][kind].items():
        if body["//"]["metadata"]["path"].endswith(path_suffix):
            return f"{kind}.{name}"
    raise AssertionError(f"no {kind} at */{path_suffix} in {stack}")


def test_plan_defaults_to_read_only_and_the_policy_rotation(tmp_path: Path) -> None:
    identities = load(write(tmp_path, DEPLOY_KEYS), TODAY).identities

    write_key, read_key = plan_deploy_keys(identities.agents[0], identities)

    assert (write_key.repo, write_key.read_only, write_key.rotation_days) == (
        "acme/api", False, 30)
    assert (read_key.repo, read_key.read_only, read_key.rotation_days) == ("acme/docs", True, 7)
    assert read_key.title == "agent-release-bot"
    assert read_key.secret_name == "agents/release-bot/deploy-keys/acme/docs"
    assert read_key.variable == "AGENT_DEPLOY_KEY_SECRET_DOCS"
    assert read_key.algorithm == "ED25519"


def test_variable_names_are_valid_github_variable_names() -> None:
    assert deploy_key_variable("acme/my-repo.js") == "AGENT_DEPLOY_KEY_SECRET_MY_REPO_JS"


def test_key_is_ed25519_and_the_deploy_key_read_only_by_default(
    synthesized_example: Synthesized,
) -> None:
    key = _only(synthesized_example, "release-bot", "tls_private_key")
    deploy_key = _only(synthesized_example, "release-bot", "github_repository_deploy_key")

    assert key["algorithm"] == "ED25519"
    assert deploy_key["read_only"] is True
    assert deploy_key["title"] == "agent-release-bot"
    assert deploy_key["repository"] == "api"
    tls = _address(synthesized_example, "release-bot", "tls_private_key", "/key")
    assert deploy_key["key"] == "${" + tls + ".public_key_openssh}"


def test_write_access_makes_a_read_write_deploy_key(
    synthesized_deploy_keys: Synthesized,
) -> None:
    keys = {k["repository"]: k["read_only"] for k in synthesized_deploy_keys.resources(
        "release-bot", "github_repository_deploy_key")}
    assert keys == {"api": False, "docs": True}


def test_key_deploy_key_and_secret_version_are_replaced_by_one_rotation(
    synthesized_example: Synthesized,
) -> None:
    out, stack = synthesized_example, "release-bot"
    rotated = _address(out, stack, "time_static", "/rotated")
    tls = _address(out, stack, "tls_private_key", "/key")

    # No time_rotating: its clock restarts at each apply (terraform-provider-time#195).
    assert "time_rotating" not in out.stack(stack)["resource"]
    # The time_static is keyed on the record's schedule and the plan day's period: it is
    # replaced when a boundary passes or a rotation is requested, never by a re-apply.
    assert _only(out, stack, "time_static")["triggers"] == {
        "anchor": "2024-01-01", "every_days": "30", "requested": "",
        "period": "${floor((local.agentid_plan_day - 19723) / 30)}"}
    assert out.stack(stack)["locals"] == {
        PLAN_DAY: interpolated(plan_day_expression())}
    assert "plantimestamp()" in out.stack(stack)["locals"][PLAN_DAY]
    assert _only(out, stack, "tls_private_key")["lifecycle"] == {
        "replace_triggered_by": [rotated]}
    assert _only(out, stack, "github_repository_deploy_key")["lifecycle"] == {
        "replace_triggered_by": [rotated], "create_before_destroy": True}
    assert _only(out, stack, "aws_secretsmanager_secret_version")["lifecycle"] == {
        "replace_triggered_by": [rotated, tls]}


def test_per_key_rotation_overrides_the_policy(synthesized_deploy_keys: Synthesized) -> None:
    triggers = sorted((r["triggers"]["every_days"], r["triggers"]["period"])
                      for r in synthesized_deploy_keys.resources("release-bot", "time_static"))
    assert triggers == [("30", "${floor((local.agentid_plan_day - 19723) / 30)}"),
                        ("7", "${floor((local.agentid_plan_day - 19723) / 7)}")]


def test_stacks_without_live_keys_have_no_plan_day(synthesized_deploy_keys: Synthesized
                                                    ) -> None:
    # docs-sync holds a key; old-mirror is revoked (its stack holds nothing).
    assert PLAN_DAY in synthesized_deploy_keys.stack("docs-sync")["locals"]
    assert "locals" not in synthesized_deploy_keys.stack("old-mirror")


def test_tls_and_time_providers_only_in_stacks_with_deploy_keys(
    synthesized_example: Synthesized,
) -> None:
    with_keys = synthesized_example.stack("release-bot")
    without = synthesized_example.stack("docs-reader")

    assert {"tls", "time"} <= set(with_keys["provider"])
    assert {"tls", "time"} <= set(with_keys["terraform"]["required_providers"])
    assert not {"tls", "time"} & set(without["provider"])
    assert not {"tls", "time"} & set(without["terraform"]["required_providers"])
    assert "tls" not in synthesized_example.stack("foundation").get("provider", {})


def test_revoked_agent_keeps_key_providers_to_destroy_its_keys(
    synthesized_deploy_keys: Synthesized,
) -> None:
    stack = synthesized_deploy_keys.stack("old-mirror")

    assert synthesized_deploy_keys.resource_count("old-mirror") == 0
    # Terraform needs every provider whose resources the state still holds.
    assert {"aws", "github", "tls", "time"} <= set(stack["provider"])
