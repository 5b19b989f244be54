"""grants_for: exactly GetSecretValue on its own secrets and Decrypt with its own key."""

from __future__ import annotations

from pathlib import Path

from cdk.aws.grants import grants_for
from cdk.validation import load

from ..conftest import TODAY
from ..records import BASE, DEPLOY_KEYS, write


def test_deploy_keys_add_exactly_read_and_decrypt_on_own_resources(tmp_path: Path) -> None:
    identities = load(write(tmp_path, DEPLOY_KEYS), TODAY).identities

    read, decrypt = grants_for(identities.agents[0], identities.defaults)

    assert read == {
        "Sid": "ReadOwnDeployKeySecrets",
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": [
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
            "agents/release-bot/deploy-keys/acme/api-??????",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
            "agents/release-bot/deploy-keys/acme/docs-??????",
        ],
    }
    assert decrypt == {
        "Sid": "DecryptOwnDeployKeySecrets",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": "arn:aws:kms:eu-west-1:123456789012:key/*",
        "Condition": {
            "ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/agent-release-bot"]},
            "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"},
        },
    }


def test_each_agent_is_granted_only_its_own_secrets(tmp_path: Path) -> None:
    identities = load(write(tmp_path, DEPLOY_KEYS), TODAY).identities

    read, decrypt = grants_for(identities.agents[1], identities.defaults)

    assert read["Resource"] == ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
                                "agents/docs-sync/deploy-keys/acme/docs-mirror-??????"]
    assert decrypt["Condition"]["ForAnyValue:StringEquals"] == {
        "kms:ResourceAliases": ["alias/agent-docs-sync"]}


def test_no_deploy_keys_no_grants(tmp_path: Path) -> None:
    identities = load(write(tmp_path, BASE), TODAY).identities
    assert grants_for(identities.agents[0], identities.defaults) == []


def test_grant_actions_and_condition_keys_exist_in_the_action_catalog(tmp_path: Path) -> None:
    # parliament's older catalog only knows action-level keys and flags
    # kms:ResourceAliases; the key resource type of kms:Decrypt does support it.
    from policy_sentry.querying.actions import get_action_data

    identities = load(write(tmp_path, DEPLOY_KEYS), TODAY).identities
    for statement in grants_for(identities.agents[0], identities.defaults):
        for action in statement["Action"]:
            service, name = action.split(":")
            rows = get_action_data(service, name)[service]
            assert rows, f"{action} is not in the catalog"
            scoped = [r for r in rows if r["resource_arn_format"] != "*"]
            keys = {key for row in scoped for key in row["condition_keys"]}
            for operator in statement.get("Condition", {}).values():
                assert set(operator) <= keys, (action, set(operator) - keys)
