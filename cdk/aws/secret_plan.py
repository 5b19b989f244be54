"""Record -> the agent's AWS secret store, as plain data (no provider bindings).

Private halves of deploy keys live in Secrets Manager, one secret per key,
encrypted with a customer-managed KMS key of the agent's own. Who may read:

- the agent's role: ``secretsmanager:GetSecretValue`` on its own secrets (its
  scope, :func:`grant_statements`) and ``kms:Decrypt`` through Secrets Manager
  only (key policy and scope);
- nobody else. The secret policy denies ``GetSecretValue`` to every other
  principal, root included. The deployer writes versions with a write-only
  argument, so Terraform never reads the value back and needs no read access;
  the key policy lets the account (through IAM) encrypt, never decrypt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Agent, AwsDefaults, IdentitiesFile
from ..names import (
    GITHUB_APP_KEY,
    github_app_key_secret_name,
    kms_alias,
    principal,
    secret_name,
    tags,
)
from ..plan import SecretsByRepo, StoredSecret
from .document import KEY, SECRET, PolicyDocument
from .plan import aws_defaults, role_arn

# KMS actions an account administrator needs to manage, audit and retire the
# key. Deliberately no Decrypt, ReEncrypt or CreateGrant: holding admin rights
# over the key must not mean reading what it protects.
KEY_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
# Secrets Manager asks KMS for a data key when a version is written. A data key
# encrypts new versions; it cannot decrypt existing ones.
KEY_WRITE_ACTIONS = ("kms:GenerateDataKey",)
# What a reader of the secret could use; denied to all but the agent's role.
SECRET_READ_ACTIONS = ("secretsmanager:GetSecretValue",)
# Every Write and Tagging action on a secret but its resource policy's (a test
# holds this against the catalog). The one list: the permissions boundary denies
# them on every agent secret, and each secret's policy denies them (with
# SECRET_POLICY_ACTIONS) to its agent, which holds even where a boundary is missing.
SECRET_WRITE_ACTIONS = (
    "secretsmanager:CancelRotateSecret", "secretsmanager:CreateSecret",
    "secretsmanager:DeleteSecret", "secretsmanager:PutSecretValue",
    "secretsmanager:RemoveRegionsFromReplication", "secretsmanager:ReplicateSecretToRegions",
    "secretsmanager:RestoreSecret", "secretsmanager:RotateSecret",
    "secretsmanager:StopReplicationToReplica", "secretsmanager:TagResource",
    "secretsmanager:UntagResource", "secretsmanager:UpdateSecret",
    "secretsmanager:UpdateSecretVersionStage",
)
# Who may read a secret is its policy's decision, never an agent's.
SECRET_POLICY_ACTIONS = ("secretsmanager:DeleteResourcePolicy",
                         "secretsmanager:PutResourcePolicy")
# Nothing but these secrets is encrypted with the key; the shortest window
# retires it soonest after the agent is revoked.
KEY_DELETION_WINDOW_DAYS = 7
# A secret of a revoked agent holds a key GitHub no longer accepts. Deleting it
# at once lets a re-created agent of the same name reuse the name.
SECRET_RECOVERY_WINDOW_DAYS = 0


def secrets_manager_service(aws: AwsDefaults) -> str:
    """The ``kms:ViaService`` value of Secrets Manager in the configured region."""
    return f"secretsmanager.{aws.region}.amazonaws.com"


def secret_arn_prefix(aws: AwsDefaults) -> str:
    """``arn:<partition>:secretsmanager:<region>:<account>:secret:``."""
    return f"arn:{aws.partition}:secretsmanager:{aws.region}:{aws.account_id}:secret:"


def secret_arn_pattern(aws: AwsDefaults, name: str) -> str:
    """ARN of the secret ``name`` whatever its random suffix.

    Secrets Manager appends ``-`` and six random characters; ``-??????`` matches
    exactly those (AWS's documented pattern), so ``.../acme/api`` does not also
    match a secret for ``acme/api-tools``.
    """
    return f"{secret_arn_prefix(aws)}{name}-??????"


def agent_secrets_pattern(agent: Agent, aws: AwsDefaults) -> str:
    """Every deploy-key secret of the agent (the KMS encryption context pin)."""
    return f"{secret_arn_prefix(aws)}agents/{agent.name}/deploy-keys/*"


def kms_key_arn_pattern(aws: AwsDefaults) -> str:
    """KMS key ARNs of the account and region; narrowed by alias in a condition."""
    return f"arn:{aws.partition}:kms:{aws.region}:{aws.account_id}:key/*"


def account_root(aws: AwsDefaults) -> str:
    """The account principal: administration delegated to IAM."""
    return f"arn:{aws.partition}:iam::{aws.account_id}:root"


def _via_secrets_manager(agent: Agent, aws: AwsDefaults) -> dict[str, Any]:
    return {
        "StringEquals": {"kms:ViaService": secrets_manager_service(aws)},
        "StringLike": {"kms:EncryptionContext:SecretARN": agent_secrets_pattern(agent, aws)},
    }


def key_policy(agent: Agent, aws: AwsDefaults) -> dict[str, Any]:
    """The KMS key policy: account administration, encrypt via IAM, decrypt by the agent only."""
    root = account_root(aws)
    return PolicyDocument(KEY, (
        {
            "Sid": "AccountAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": list(KEY_ADMIN_ACTIONS),
            "Resource": "*",
        },
        {
            "Sid": "AccountWritesSecretVersions",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": list(KEY_WRITE_ACTIONS),
            "Resource": "*",
            "Condition": _via_secrets_manager(agent, aws),
        },
        {
            "Sid": "AgentDecryptsItsSecrets",
            "Effect": "Allow",
            "Principal": {"AWS": role_arn(aws, agent.name)},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": _via_secrets_manager(agent, aws),
        },
    )).validated()


def secret_policy(agent: Agent, aws: AwsDefaults) -> dict[str, Any]:
    """Resource policy of each secret: only the agent's role reads; it never writes."""
    role = role_arn(aws, agent.name)
    return PolicyDocument(SECRET, (
        {
            "Sid": "DenyReadingToAllButTheAgent",
            "Effect": "Deny",
            "Principal": "*",
            "Action": list(SECRET_READ_ACTIONS),
            "Resource": "*",
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": role}},
        },
        {
            "Sid": "DenyWritesByTheAgent",
            "Effect": "Deny",
            "Principal": "*",
            "Action": sorted(SECRET_WRITE_ACTIONS + SECRET_POLICY_ACTIONS),
            "Resource": "*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": role}},
        },
    )).validated()


def decrypt_condition(agent: Agent, aws: AwsDefaults) -> dict[str, Any]:
    """What narrows ``kms:Decrypt`` on the account's keys to the agent's own key.

    Key ids are random, so the grant names every key of the region and this
    condition keeps only the key carrying the agent's alias, used through Secrets
    Manager. The one source of the condition: the inline policy and the boundary
    both carry it (:mod:`cdk.aws.grants` copies it into the grant).
    """
    return {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": [kms_alias(agent.name)]},
        "StringEquals": {"kms:ViaService": secrets_manager_service(aws)},
    }


def decrypt_statement(agent: Agent, aws: AwsDefaults) -> dict[str, Any]:
    """``kms:Decrypt`` on the agent's own key only (see :func:`decrypt_condition`)."""
    return {
        "Sid": "DecryptOwnDeployKeySecrets",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": kms_key_arn_pattern(aws),
        "Condition": decrypt_condition(agent, aws),
    }


def grant_statements(agent: Agent, aws: AwsDefaults) -> list[dict[str, Any]]:
    """What the agent's scope gains: read its own secrets, decrypt with its own key.

    Secret ARNs end in a random suffix and key ids are random, so both are named
    deterministically: ``<name>-??????`` per secret, and any key of the account
    carrying the agent's alias (``kms:ResourceAliases``), used through Secrets
    Manager only. The policy stays literal JSON a reviewer and scanners can read.
    """
    names = sorted({s.name for s in _secrets(agent)})
    if not names:
        return []
    return [
        {
            "Sid": "ReadOwnDeployKeySecrets",
            "Effect": "Allow",
            "Action": list(SECRET_READ_ACTIONS),
            "Resource": [secret_arn_pattern(aws, name) for name in names],
        },
        decrypt_statement(agent, aws),
    ]


@dataclass(frozen=True)
class SecretPlan(StoredSecret):
    """One Secrets Manager secret holding the private half of one deploy key."""

    name: str
    description: str


@dataclass(frozen=True)
class AwsSecretStorePlan(SecretsByRepo[SecretPlan]):
    """The agent's KMS key and secrets, fully decided."""

    kms_alias: str
    kms_description: str
    key_policy: dict[str, Any]
    secret_policy: dict[str, Any]
    secrets: tuple[SecretPlan, ...]
    key_deletion_window_days: int = KEY_DELETION_WINDOW_DAYS
    secret_recovery_window_days: int = SECRET_RECOVERY_WINDOW_DAYS
    tags: dict[str, str] = field(default_factory=dict)
    store: str = "aws"


def _secrets(agent: Agent) -> tuple[SecretPlan, ...]:
    keys = tuple(
        SecretPlan(
            repo=key.repo,
            name=secret_name(agent.name, key.repo),
            description=f"agentid: private half of the deploy key of {principal(agent.name)} "
            f"on {key.repo}",
        )
        for key in agent.github.deploy_keys
    )
    if agent.github.app is None:
        return keys
    # The App's private key: the same key, policy and grant as a deploy key's secret.
    return (*keys, SecretPlan(
        repo=GITHUB_APP_KEY,
        name=github_app_key_secret_name(agent.name),
        description=f"agentid: private key of the GitHub App {principal(agent.name)}, "
        "uploaded by its owner",
    ))


def plan_secret_store(agent: Agent, identities: IdentitiesFile) -> AwsSecretStorePlan:
    """Plan the agent's KMS key and one secret per deploy key."""
    aws = aws_defaults(identities)
    return AwsSecretStorePlan(
        kms_alias=kms_alias(agent.name),
        kms_description=f"agentid: encrypts the deploy-key secrets of {principal(agent.name)}",
        key_policy=key_policy(agent, aws),
        secret_policy=secret_policy(agent, aws),
        secrets=_secrets(agent),
        tags=tags(agent),
    )
