"""The role's trust policy holds every SECURITY.md invariant, in plan and in output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cdk.aws.plan import trust_policy, trust_policy_size
from cdk.loader import Loaded, load, validate_schema
from cdk.plan import render_json
from cdk.yamlsafe import parse

from ..conftest import TODAY, Synthesized
from ..records import variant, write

HOST = "token.actions.githubusercontent.com"


def _trust(tmp_path: Path, text: str) -> dict[str, Any]:
    identities = load(write(tmp_path, text), TODAY).identities
    assert identities.defaults.aws is not None
    return trust_policy(identities.agents[0], identities.defaults.aws)


def test_unpinned_entries_share_one_exact_statement(tmp_path: Path) -> None:
    text = variant("        environment: agent-release-bot\n",
                   "        environment: agent-release-bot\n"
                   "      - repo: acme/web\n        repo_id: 777\n")
    policy = _trust(tmp_path, text)

    assert policy["Version"] == "2012-10-17"
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {
        "Federated": f"arn:aws:iam::123456789012:oidc-provider/{HOST}"}
    assert set(statement["Condition"]) == {"StringEquals", "DateLessThan"}
    equals = statement["Condition"]["StringEquals"]
    assert equals == {
        f"{HOST}:aud": "sts.amazonaws.com",
        f"{HOST}:sub": ["repo:acme/api:environment:agent-release-bot",
                        "repo:acme/web:environment:agent-release-bot"],
        f"{HOST}:repository_id": ["777", "123456"],
    }
    assert statement["Condition"]["DateLessThan"] == {"aws:CurrentTime": "2027-02-15T00:00:00Z"}


def test_default_environment_is_agent_name(tmp_path: Path) -> None:
    policy = _trust(tmp_path, variant("        environment: agent-release-bot\n", ""))
    equals = policy["Statement"][0]["Condition"]["StringEquals"]
    assert equals[f"{HOST}:sub"] == ["repo:acme/api:environment:agent-release-bot"]


def test_workflow_pin_gets_its_own_statement(tmp_path: Path) -> None:
    text = variant("        environment: agent-release-bot\n",
                   "        environment: agent-release-bot\n"
                   "        workflow: .github/workflows/release.yml\n"
                   "        ref: refs/heads/main\n"
                   "      - repo: acme/web\n        repo_id: 777\n")
    statements = _trust(tmp_path, text)["Statement"]

    assert [s["Sid"] for s in statements] == ["GitHubActionsEnvironments",
                                              "GitHubActionsPinnedWorkflow1"]
    unpinned, pinned = (s["Condition"]["StringEquals"] for s in statements)
    assert f"{HOST}:job_workflow_ref" not in unpinned
    assert unpinned[f"{HOST}:sub"] == ["repo:acme/web:environment:agent-release-bot"]
    assert pinned == {
        f"{HOST}:aud": "sts.amazonaws.com",
        f"{HOST}:sub": ["repo:acme/api:environment:agent-release-bot"],
        f"{HOST}:repository_id": ["123456"],
        f"{HOST}:job_workflow_ref": ["acme/api/.github/workflows/release.yml@refs/heads/main"],
    }


def test_trust_policy_too_large_is_refused(tmp_path: Path) -> None:
    runs = "".join(f"      - repo: acme/repo-{i:03d}\n        repo_id: {1000 + i}\n"
                   "        environment: agent-release-bot\n"
                   "        workflow: .github/workflows/release.yml\n"
                   "        ref: refs/heads/main\n" for i in range(8))
    text = variant("      - repo: acme/api\n        repo_id: 123456\n"
                   "        environment: agent-release-bot\n", runs)
    from cdk.cli import main
    assert main(["validate", "-f", str(write(tmp_path, text)), "--today",
                 TODAY.isoformat()]) == 1


def test_trust_policy_size_is_the_rendered_policys_size(example: Loaded,
                                                        tmp_path: Path) -> None:
    # GIVEN the example's agents, generated ones (half pinned), and agents with many
    # entries: pinned, unpinned, both, and one repository listed twice
    from bench.generate import generate

    runs = "".join(f"      - repo: acme/repo-{i:03d}\n        repo_id: {1000 + i}\n"
                   f"        environment: env-{i % 3}\n"
                   + ("        workflow: .github/workflows/release.yml\n"
                      "        ref: refs/heads/main\n" if i % 4 == 0 else "")
                   for i in range(12))
    runs += "      - repo: acme/repo-000\n        repo_id: 1000\n"
    texts = [generate(30, TODAY), variant(
        "      - repo: acme/api\n        repo_id: 123456\n"
        "        environment: agent-release-bot\n", runs)]
    files = [example.identities, *(validate_schema(parse("identities.yaml", t)) for t in texts)]
    for identities in files:
        aws = identities.defaults.aws
        assert aws is not None
        for agent in identities.agents:
            # WHEN counted without building it THEN it is the rendered policy's length
            rendered = render_json(trust_policy(agent, aws))
            assert trust_policy_size(agent, aws) == len(rendered), agent.name


def _assert_invariants(policy: dict[str, Any]) -> None:
    text = json.dumps(policy)
    assert "StringLike" not in text
    assert "ForAllValues" not in text and "ForAnyValue" not in text
    for statement in policy["Statement"]:
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        condition = statement["Condition"]
        assert set(condition) == {"StringEquals", "DateLessThan"}
        equals = condition["StringEquals"]
        assert equals[f"{HOST}:aud"] == "sts.amazonaws.com"
        assert equals[f"{HOST}:sub"], "a trust policy without subjects trusts everyone"
        assert equals[f"{HOST}:repository_id"]
        for value in [*equals[f"{HOST}:sub"], *equals.get(f"{HOST}:job_workflow_ref", [])]:
            assert "*" not in value and "?" not in value
            assert ":pull_request" not in value
        assert all(v.isdigit() for v in equals[f"{HOST}:repository_id"])
        assert condition["DateLessThan"]["aws:CurrentTime"].endswith("T00:00:00Z")


def test_every_synthesized_trust_policy_holds_the_invariants(
    synthesized_example: Synthesized,
) -> None:
    roles = [role for stack in synthesized_example.stacks()
             for role in synthesized_example.resources(stack, "aws_iam_role")]
    assert roles
    for role in roles:
        _assert_invariants(json.loads(role["assume_role_policy"]))


def test_synthesized_role_carries_name_session_and_tags(
    synthesized_example: Synthesized,
) -> None:
    [role] = synthesized_example.resources("release-bot", "aws_iam_role")
    assert role["name"] == "agent-release-bot"
    assert role["max_session_duration"] == 3600
    assert role["tags"] == {"agent": "release-bot", "owner": "@acme/platform",
                            "expires": "2027-02-15", "managed-by": "agentid"}
    policy = json.loads(role["assume_role_policy"])
    equals = policy["Statement"][0]["Condition"]["StringEquals"]
    assert equals[f"{HOST}:job_workflow_ref"] == [
        "acme/api/.github/workflows/release.yml@refs/heads/main"]
    assert policy["Statement"][0]["Condition"]["DateLessThan"] == {
        "aws:CurrentTime": "2027-02-15T00:00:00Z"}


def test_foundation_holds_the_oidc_provider(synthesized_example: Synthesized) -> None:
    [provider] = synthesized_example.resources("foundation",
                                               "aws_iam_openid_connect_provider")
    assert provider["url"] == f"https://{HOST}"
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
