"""GitHub invariants: each corruption of a synthesized stack is caught by its invariant."""

from __future__ import annotations

import pytest

from cdk.verify import github

from .helpers import Documents, Mutation, Output, assert_caught, findings_of, resource


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


MUTATIONS = [
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
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_corruption_is_caught(outputs: dict[str, Output], mutation: Mutation) -> None:
    assert_caught(outputs[mutation.output], mutation)


def test_a_write_key_the_record_escalated_passes(outputs: dict[str, Output]) -> None:
    # GIVEN the deploy-keys fixture, whose release-bot key on acme/api is `access: write`
    output = outputs["deploy_keys"]
    _, body = resource(output.documents, "release-bot", "github_repository_deploy_key",
                       lambda b: b["repository"] == "api")
    assert body["read_only"] is False
    # THEN verify accepts it
    assert findings_of(output.verify(), github.DEPLOY_KEYS.id) == []
