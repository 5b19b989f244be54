"""AWS secret store construct: the agent's KMS key and one secret per deploy key."""

from __future__ import annotations

from cdktn import ITerraformDependable
from cdktn_provider_aws.kms_alias import KmsAlias
from cdktn_provider_aws.kms_key import KmsKey
from cdktn_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from cdktn_provider_aws.secretsmanager_secret_policy import SecretsmanagerSecretPolicy
from cdktn_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from constructs import Construct

from ..plan import render_json
from ..rotation import RotatedKey, replaced_with
from .secret_plan import AwsSecretStorePlan, SecretPlan

# Bumped only if the way a version is written changes; rotation replaces the
# whole version resource instead.
SECRET_STRING_VERSION = 1


class AwsSecretStore(Construct):
    """Customer-managed KMS key (rotation on) and the agent's secrets, policies as literal JSON.

    ``role`` is the agent's role resource: the key policy names it as a
    principal, and KMS refuses a policy naming a role that does not exist yet.
    """

    def __init__(self, scope: Construct, construct_id: str, plan: AwsSecretStorePlan,
                 role: ITerraformDependable | None) -> None:
        super().__init__(scope, construct_id)
        self.plan = plan
        self.key = KmsKey(
            self,
            "key",
            description=plan.kms_description,
            enable_key_rotation=True,
            deletion_window_in_days=plan.key_deletion_window_days,
            policy=render_json(plan.key_policy),
            tags=plan.tags,
            depends_on=[role] if role is not None else None,
        )
        KmsAlias(self, "alias", name=plan.kms_alias, target_key_id=self.key.key_id)

    def store_external(self, key: str) -> str:
        """The secret planned under ``key`` with no version: its value is uploaded once
        by the owner (the GitHub App's private key); return the secret's ARN."""
        return str(self._secret(self.plan.secret_for(key)).arn)

    def _secret(self, secret_plan: SecretPlan) -> SecretsmanagerSecret:
        secret = SecretsmanagerSecret(
            self,
            secret_plan.construct_id,
            name=secret_plan.name,
            description=secret_plan.description,
            kms_key_id=self.key.arn,
            recovery_window_in_days=self.plan.secret_recovery_window_days,
            tags=self.plan.tags,
        )
        SecretsmanagerSecretPolicy(
            self,
            f"{secret_plan.construct_id}_policy",
            secret_arn=secret.arn,
            policy=render_json(self.plan.secret_policy),
            block_public_policy=True,
        )
        return secret

    def store(self, repo: str, key: RotatedKey) -> str:
        """Store ``key``'s private half (a reference) for ``repo``; return the secret's ARN.

        The value goes through ``secret_string_wo``: write-only, so it is kept
        neither in this resource's state nor read back by Terraform, and the
        deployer needs no read access to the secret (the policy denies it).
        """
        secret_plan = self.plan.secret_for(repo)
        secret = self._secret(secret_plan)
        SecretsmanagerSecretVersion(
            self,
            f"{secret_plan.construct_id}_version",
            secret_id=secret.id,
            secret_string_wo=key.private_key,
            secret_string_wo_version=SECRET_STRING_VERSION,
            lifecycle=replaced_with(*key.triggers),
        )
        return str(secret.arn)
