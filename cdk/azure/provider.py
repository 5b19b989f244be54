"""The azurerm provider of one stack, pinned to the configured tenant and subscription."""

from __future__ import annotations

from cdktn_provider_azurerm.provider import (
    AzurermProvider,
    AzurermProviderFeatures,
    AzurermProviderFeaturesKeyVault,
)
from constructs import Construct

from ..model import AzureDefaults


def azurerm_provider(scope: Construct, azure: AzureDefaults) -> AzurermProvider:
    """One provider per stack.

    Destroying a vault or secret never purges it: with purge protection on, a purge
    would fail anyway, and a soft-deleted secret stays recoverable for the retention
    period. No resource providers are registered on the deployer's behalf: that is a
    subscription-wide write agentid has no reason to make.
    """
    return AzurermProvider(
        scope,
        "azurerm",
        tenant_id=azure.tenant_id,
        subscription_id=azure.subscription_id,
        resource_provider_registrations="none",
        features=[AzurermProviderFeatures(key_vault=[AzurermProviderFeaturesKeyVault(
            purge_soft_delete_on_destroy=False,
            purge_soft_deleted_secrets_on_destroy=False,
        )])],
    )
