"""Azure secret store construct: the agent's Key Vault, one secret per deploy key."""

from __future__ import annotations

from cdktn import Fn, ITerraformDependable, Token
from cdktn_provider_azurerm.key_vault import KeyVault, KeyVaultNetworkAcls
from cdktn_provider_azurerm.key_vault_secret import KeyVaultSecret
from constructs import Construct

from ..names import logical_id
from ..rotation import RotatedKey
from .assignment import assign_role
from .plan import AzureSecretStorePlan


class AzureSecretStore(Construct):
    """A per-agent Key Vault in RBAC mode: purge protection, 90 days of soft delete, no
    public network access (deployer and runners reach it through a private endpoint).

    Only the agent's managed identity is granted ``Key Vault Secrets User``, on each
    secret rather than the vault. A secret expires when its key is due for rotation:
    a key nobody rotated stops being served instead of living on.
    """

    def __init__(self, scope: Construct, construct_id: str, plan: AzureSecretStorePlan,
                 identity: ITerraformDependable | None) -> None:
        super().__init__(scope, construct_id)
        self.plan = plan
        self.identity = identity
        self.vault = KeyVault(
            self,
            "vault",
            name=plan.vault_name,
            resource_group_name=plan.resource_group,
            location=plan.location,
            tenant_id=plan.tenant_id,
            sku_name="standard",
            rbac_authorization_enabled=True,
            purge_protection_enabled=True,
            soft_delete_retention_days=plan.soft_delete_retention_days,
            public_network_access_enabled=False,
            network_acls=KeyVaultNetworkAcls(default_action="Deny", bypass="None"),
            tags=plan.tags,
        )

    def store_external(self, key: str) -> str:
        """Not built: Key Vault has no secret without a value, so AgentId-GitHubAppStore
        refuses a GitHub App whose key would live here and no stack ever asks (fail
        closed if one does)."""
        raise ValueError(f"a GitHub App key cannot be kept in this store yet ({key})")

    def store(self, repo: str, key: RotatedKey) -> str:
        """Store ``key``'s private half (a Terraform reference) for ``repo``; return the secret's
        versionless URI.

        The value goes through ``value_wo``: write-only, kept neither in state nor
        read back. Its version number is the rotation instant (``YYYYMMDDhhmmss`` of
        the rotation's ``time_static``), so each rotation writes a new secret version
        under the same name instead of deleting a purge-protected secret.
        """
        plan = self.plan.secret_for(repo)
        construct_id = logical_id(plan.construct_id)
        rotated = key.rotated
        version = Fn.parseint(Fn.formatdate("YYYYMMDDhhmmss", Token.as_string(
            rotated.get_string_attribute("rfc3339"))), 10)
        secret = KeyVaultSecret(
            self,
            construct_id,
            name=plan.name,
            key_vault_id=self.vault.id,
            value_wo=key.private_key,
            value_wo_version=Token.as_number(version),
            content_type=self.plan.content_type,
            # The stored key stops being valid when the deploy key is due for rotation.
            expiration_date=key.next_rotation,
            tags=self.plan.tags,
        )
        self._grant(f"{construct_id}_reader", secret.resource_versionless_id)
        return plan.uri

    def _grant(self, construct_id: str, scope: str) -> None:
        plan = self.plan
        principal_id = getattr(self.identity, "principal_id", None)
        if principal_id is None:  # pragma: no cover - the stack always passes the identity
            raise ValueError("the Azure secret store needs the agent's managed identity")
        assign_role(self, construct_id, kind=plan.assignment_kind, at=scope,
                    role_definition_id=plan.reader_role_id, principal_id=principal_id,
                    justification=plan.justification, expires_at=plan.expires_at)
