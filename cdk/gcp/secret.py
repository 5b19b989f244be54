"""GCP secret store construct: the agent's key ring and CMEK, one secret per deploy key."""

from __future__ import annotations

from cdktn import ITerraformDependable
from cdktn_provider_google.kms_crypto_key import KmsCryptoKey
from cdktn_provider_google.kms_crypto_key_iam_member import KmsCryptoKeyIamMember
from cdktn_provider_google.kms_key_ring import KmsKeyRing
from cdktn_provider_google.secret_manager_secret import (
    SecretManagerSecret,
    SecretManagerSecretReplication,
    SecretManagerSecretReplicationUserManaged,
    SecretManagerSecretReplicationUserManagedReplicas,
)
from cdktn_provider_google.secret_manager_secret import (
    SecretManagerSecretReplicationUserManagedReplicasCustomerManagedEncryption as Cmek,
)
from cdktn_provider_google.secret_manager_secret_iam_member import (
    SecretManagerSecretIamMember,
    SecretManagerSecretIamMemberCondition,
)
from cdktn_provider_google.secret_manager_secret_version import SecretManagerSecretVersion
from constructs import Construct

from ..names import logical_id
from ..rotation import RotatedKey, replaced_with
from .plan import GcpSecretPlan, GcpSecretStorePlan
from .roles import SECRET_ACCESSOR

# Bumped only if the way a version is written changes; rotation replaces the
# whole version resource instead.
SECRET_DATA_VERSION = "1"
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


class GcpSecretStore(Construct):
    """A per-agent key ring and rotating CMEK; secrets replicated only where the key is.

    Only Secret Manager's service agent may use the key; only the agent's service
    account is granted ``secretAccessor`` on each secret, until expiry. Key rings
    and keys cannot be deleted in Google Cloud: a destroy removes them from state
    and schedules the key's versions for destruction.
    """

    def __init__(self, scope: Construct, construct_id: str, plan: GcpSecretStorePlan,
                 identity: ITerraformDependable | None) -> None:
        super().__init__(scope, construct_id)
        self.plan = plan
        self.identity = identity
        ring = KmsKeyRing(self, "key_ring", project=plan.project, name=plan.key_ring,
                          location=plan.location)
        self.key = KmsCryptoKey(self, "key", name=plan.crypto_key, key_ring=ring.id,
                                rotation_period=plan.rotation_period, labels=plan.labels,
                                purpose="ENCRYPT_DECRYPT")
        self.key_user = KmsCryptoKeyIamMember(self, "key_user", crypto_key_id=self.key.id,
                                              role=ENCRYPTER_DECRYPTER,
                                              member=plan.secret_manager_agent)

    def store(self, repo: str, key: RotatedKey) -> str:
        """Store ``key``'s private half (a reference) for ``repo``; return the secret's name.

        The value goes through ``secret_data_wo``: write-only, so it is kept neither
        in this resource's state nor read back by Terraform.
        """
        plan = self.plan.secret_for(repo)
        construct_id = logical_id(plan.construct_id)
        secret = self._secret(plan)
        SecretManagerSecretVersion(
            self,
            f"{construct_id}_version",
            secret=secret.id,
            secret_data_wo=key.private_key,
            secret_data_wo_version=SECRET_DATA_VERSION,
            lifecycle=replaced_with(*key.triggers),
        )
        return plan.resource_name

    def store_external(self, key: str) -> str:
        """The secret planned under ``key`` with no version: its value is uploaded once
        by the owner (the GitHub App's private key); return the secret's name."""
        plan = self.plan.secret_for(key)
        self._secret(plan)
        return plan.resource_name

    def _secret(self, plan: GcpSecretPlan) -> SecretManagerSecret:
        """The secret, replicated only where its CMEK is, and its one reader."""
        construct_id = logical_id(plan.construct_id)
        secret = SecretManagerSecret(
            self,
            construct_id,
            project=self.plan.project,
            secret_id=plan.secret_id,
            labels=self.plan.labels,
            replication=SecretManagerSecretReplication(
                user_managed=SecretManagerSecretReplicationUserManaged(replicas=[
                    SecretManagerSecretReplicationUserManagedReplicas(
                        location=self.plan.location,
                        customer_managed_encryption=Cmek(kms_key_name=self.key.id)),
                ])),
            depends_on=[self.key_user],
        )
        SecretManagerSecretIamMember(
            self,
            f"{construct_id}_accessor",
            project=self.plan.project,
            secret_id=secret.secret_id,
            role=SECRET_ACCESSOR,
            member=self.plan.accessor,
            condition=SecretManagerSecretIamMemberCondition(**self.plan.condition),
            depends_on=[self.identity] if self.identity is not None else None,
        )
        return secret
