"""Every run needs a human approval GitHub records: the environment's settings."""

from __future__ import annotations

from cdk.github.plan import split_approvers

from ..conftest import Synthesized


def test_approvers_split_into_teams_and_users() -> None:
    assert split_approvers(("@acme/release", "@alice", "@acme/sec")) == (
        ("release", "sec"), ("alice",))


def test_environment_requires_reviewers_without_bypass(
    synthesized_example: Synthesized,
) -> None:
    [env] = synthesized_example.resources("release-bot", "github_repository_environment")
    assert env["environment"] == "agent-release-bot"
    assert env["repository"] == "api"
    assert env["prevent_self_review"] is True
    assert env["can_admins_bypass"] is False
    assert env["reviewers"]["teams"] == [
        "${data.github_team.directory_team_release-managers.id}"]
    assert env["deployment_branch_policy"] == {"custom_branch_policies": True,
                                               "protected_branches": False}
    [policy] = synthesized_example.resources(
        "release-bot", "github_repository_environment_deployment_policy")
    assert policy["branch_pattern"] == "main"


def test_unpinned_environment_deploys_from_protected_branches_only(
    synthesized_example: Synthesized,
) -> None:
    [env] = synthesized_example.resources("docs-reader", "github_repository_environment")
    assert env["environment"] == "agent-docs-reader"
    assert env["deployment_branch_policy"] == {"custom_branch_policies": False,
                                               "protected_branches": True}
    assert not synthesized_example.resources(
        "docs-reader", "github_repository_environment_deployment_policy")


def test_environment_variables_carry_role_arn_and_region(
    synthesized_example: Synthesized,
) -> None:
    variables = {v["variable_name"]: v["value"] for v in synthesized_example.resources(
        "release-bot", "github_actions_environment_variable")}
    assert variables.pop("AGENT_DEPLOY_KEY_SECRET_API").startswith(
        "${aws_secretsmanager_secret.")  # tests/aws/test_secret_store.py checks which one
    assert variables == {"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/agent-release-bot",
                         "AWS_REGION": "eu-west-1"}
