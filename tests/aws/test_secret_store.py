"""The private half lives only in Secrets Manager, readable by the agent's role alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ..conftest import Synthesized

ROLE = "arn:aws:iam::123456789012:role/agent-release-bot"
ROOT = "arn:aws:iam::123456789012:root"
READ_ACTIONS = {"kms:Decrypt", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:*"}


def _only(out: Synthesized, stack: str, kind: str) -> dict[str, Any]:
    [resource] = out.resources(stack, kind)
    return resource


def _ref(out: Synthesized, stack: str, kind: str, attribute: str) -> str:
    [name] = out.stack(stack)["resource"][kind]
    return "${" + f"{kind}.{name}.{attribute}" + "}"


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def test_kms_key_rotates_and_carries_the_agent_alias(synthesized_example: Synthesized) -> None:
    key = _only(synthesized_example, "release-bot", "aws_kms_key")
    alias = _only(synthesized_example, "release-bot", "aws_kms_alias")

    assert key["enable_key_rotation"] is True
    assert key["tags"]["agent"] == "release-bot"
    assert key["tags"]["managed-by"] == "agentid"
    assert alias["name"] == "alias/agent-release-bot"
    assert alias["target_key_id"] == _ref(synthesized_example, "release-bot", "aws_kms_key",
                                          "key_id")
    # KMS refuses a key policy naming a role that does not exist yet.
    [role] = synthesized_example.stack("release-bot")["resource"]["aws_iam_role"]
    assert key["depends_on"] == [f"aws_iam_role.{role}"]


def test_key_policy_lets_only_the_agent_role_decrypt(synthesized_example: Synthesized) -> None:
    policy = json.loads(_only(synthesized_example, "release-bot", "aws_kms_key")["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}

    admin = statements["AccountAdministration"]
    assert admin["Principal"] == {"AWS": ROOT}
    assert "kms:PutKeyPolicy" in _actions(admin)
    decrypters = [s["Principal"] for s in policy["Statement"]
                  if s["Effect"] == "Allow" and _actions(s) & READ_ACTIONS]
    assert decrypters == [{"AWS": ROLE}]
    decrypt = statements["AgentDecryptsItsSecrets"]
    assert _actions(decrypt) == {"kms:Decrypt"}
    assert decrypt["Condition"]["StringEquals"] == {
        "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}
    assert decrypt["Condition"]["StringLike"] == {
        "kms:EncryptionContext:SecretARN":
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
            "agents/release-bot/deploy-keys/*"}
    assert all(s["Principal"] != "*" and s["Principal"] != {"AWS": "*"}
               for s in policy["Statement"])


def test_secret_is_named_after_agent_and_repo_and_encrypted_with_its_key(
    synthesized_example: Synthesized,
) -> None:
    secret = _only(synthesized_example, "release-bot", "aws_secretsmanager_secret")

    assert secret["name"] == "agents/release-bot/deploy-keys/acme/api"
    assert secret["kms_key_id"] == _ref(synthesized_example, "release-bot", "aws_kms_key",
                                        "arn")
    assert secret["recovery_window_in_days"] == 0
    assert secret["tags"]["owner"] == "@acme/platform"


def test_secret_policy_denies_reading_to_everyone_but_the_agent_role(
    synthesized_example: Synthesized,
) -> None:
    resource = _only(synthesized_example, "release-bot", "aws_secretsmanager_secret_policy")
    policy = json.loads(resource["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}

    assert resource["block_public_policy"] is True
    assert resource["secret_arn"] == _ref(synthesized_example, "release-bot",
                                          "aws_secretsmanager_secret", "arn")
    deny = statements["DenyReadingToAllButTheAgent"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"
    assert _actions(deny) == {"secretsmanager:GetSecretValue"}
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": ROLE}}
    writes = statements["DenyWritesByTheAgent"]
    assert writes["Effect"] == "Deny"
    assert {"secretsmanager:PutSecretValue", "secretsmanager:PutResourcePolicy",
            "secretsmanager:DeleteSecret"} <= _actions(writes)
    assert writes["Condition"] == {"ArnEquals": {"aws:PrincipalArn": ROLE}}
    assert all(s["Effect"] == "Deny" for s in policy["Statement"])


def test_secret_version_is_written_only_from_the_tls_reference(
    synthesized_example: Synthesized,
) -> None:
    version = _only(synthesized_example, "release-bot", "aws_secretsmanager_secret_version")

    assert version["secret_string_wo"] == _ref(synthesized_example, "release-bot",
                                               "tls_private_key", "private_key_openssh")
    assert "secret_string" not in version
    assert version["secret_id"] == _ref(synthesized_example, "release-bot",
                                        "aws_secretsmanager_secret", "id")


def test_environment_variable_names_the_secret_arn(synthesized_example: Synthesized) -> None:
    variables = {v["variable_name"]: v["value"] for v in synthesized_example.resources(
        "release-bot", "github_actions_environment_variable")}
    assert variables["AGENT_DEPLOY_KEY_SECRET_API"] == _ref(
        synthesized_example, "release-bot", "aws_secretsmanager_secret", "arn")


def test_agent_with_deploy_keys_but_no_aws_scope_still_gets_its_reader_role(
    synthesized_deploy_keys: Synthesized,
) -> None:
    [role] = synthesized_deploy_keys.resources("docs-sync", "aws_iam_role")
    variables = {v["variable_name"] for v in synthesized_deploy_keys.resources(
        "docs-sync", "github_actions_environment_variable")}

    assert role["name"] == "agent-docs-sync"
    assert variables == {"AWS_ROLE_ARN", "AWS_REGION", "AGENT_DEPLOY_KEY_SECRET_DOCS_MIRROR"}


def test_one_secret_per_key_under_one_key_per_agent(
    synthesized_deploy_keys: Synthesized,
) -> None:
    names = sorted(s["name"] for s in synthesized_deploy_keys.resources(
        "release-bot", "aws_secretsmanager_secret"))
    assert names == ["agents/release-bot/deploy-keys/acme/api",
                     "agents/release-bot/deploy-keys/acme/docs"]
    assert len(synthesized_deploy_keys.resources("release-bot", "aws_kms_key")) == 1


def _decrypts(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in document["Statement"] if s["Effect"] == "Allow"
            and any(a.lower() in ("kms:decrypt", "kms:*", "*") for a in _listed(s["Action"]))]


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@pytest.mark.parametrize("agent", ["release-bot", "docs-sync"])
def test_decrypt_is_narrowed_to_the_agents_own_key_in_inline_policy_and_boundary(
    synthesized_deploy_keys: Synthesized, agent: str,
) -> None:
    # GIVEN the synthesized inline policy and boundary of an agent with AWS-stored keys
    [inline] = synthesized_deploy_keys.resources(agent, "aws_iam_role_policy")
    [boundary] = synthesized_deploy_keys.resources(agent, "aws_iam_policy")
    for document in (json.loads(inline["policy"]), json.loads(boundary["policy"])):
        # THEN its one kms:Decrypt allow holds only with the agent's own alias,
        # through Secrets Manager: no other key of the account decrypts
        [decrypt] = _decrypts(document)
        assert decrypt["Sid"] == "DecryptOwnDeployKeySecrets"
        assert decrypt["Condition"] == {
            "ForAnyValue:StringEquals": {"kms:ResourceAliases": [f"alias/agent-{agent}"]},
            "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"},
        }


def test_secret_policy_denies_the_agent_every_write_the_boundary_denies(
    synthesized_example: Synthesized,
) -> None:
    # One list of secret writes (cdk/aws/secret_plan.py): the secret's own policy
    # denies the agent at least what the boundary denies on agent secrets.
    resource = _only(synthesized_example, "release-bot", "aws_secretsmanager_secret_policy")
    writes = {s["Sid"]: s for s in json.loads(resource["policy"])["Statement"]}[
        "DenyWritesByTheAgent"]
    [boundary] = synthesized_example.resources("release-bot", "aws_iam_policy")
    denied = {s["Sid"]: s for s in json.loads(boundary["policy"])["Statement"]}[
        "DenyAgentSecretWrites"]
    assert _actions(denied) <= _actions(writes)
    assert {"secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy",
            "secretsmanager:TagResource", "secretsmanager:CreateSecret"} <= _actions(writes)
