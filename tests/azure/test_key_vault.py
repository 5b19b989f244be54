"""Deploy keys in Key Vault: an RBAC-mode vault per agent, secrets that expire at the
next rotation, readable only by the agent's identity.

GIVEN the Azure fixture synthesized, WHEN the agent's stack is read, THEN the vault
has RBAC authorization, purge protection, soft delete and no public network
access; each secret is written write-only, has a content type and expires at its
key's rotation; and Key Vault Secrets User is granted on that secret only, to the
agent's identity.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cdk.azure.names import key_vault_secret_name, vault_name
from cdk.github.rotation_plan import interpolated, next_rotation_expression
from cdk.lifecycle import EPOCH
from cdk.model import AzureDefaults

from ..conftest import Synthesized

STACK = "cost-analyst"
SECRETS_USER = ("/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/providers/"
                "Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6")
DEFAULTS = AzureDefaults(tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
                         subscription_id="0b1f6471-1bf0-4dda-aec3-111122223333",
                         resource_group="agents", location="westeurope")


def test_vault_is_rbac_mode_purge_protected_soft_deleting_and_private(
        synthesized_azure: Synthesized) -> None:
    [vault] = synthesized_azure.resources(STACK, "azurerm_key_vault")

    assert vault["rbac_authorization_enabled"] is True
    assert vault["purge_protection_enabled"] is True
    assert vault["soft_delete_retention_days"] == 90
    assert vault["public_network_access_enabled"] is False
    assert vault["network_acls"] == {"default_action": "Deny", "bypass": "None"}
    assert "access_policy" not in vault
    assert vault["tags"]["agent"] == "cost-analyst"


def test_secrets_expire_at_rotation_and_are_written_write_only(
        synthesized_azure: Synthesized) -> None:
    secrets = synthesized_azure.resources(STACK, "azurerm_key_vault_secret")

    assert sorted(s["name"] for s in secrets) == [
        "agents-cost-analyst-deploy-keys-acme-costs",
        "agents-cost-analyst-deploy-keys-acme-dashboards"]
    for secret in secrets:
        # The end of the current period of the record's schedule (no request: from the
        # epoch, every 30 days), computed by Terraform at plan time.
        assert secret["expiration_date"] == interpolated(
            next_rotation_expression(EPOCH, 30))
        assert secret["content_type"] == "application/x-openssh-private-key"
        assert "value" not in secret
        assert secret["value_wo"].endswith(".private_key_openssh}")
        assert "time_static." in secret["value_wo_version"]


def test_secrets_user_is_granted_on_each_secret_to_the_agent_only(
        synthesized_azure: Synthesized) -> None:
    grants = [a for a in synthesized_azure.resources(STACK, "azurerm_pim_active_role_assignment")
              if a["role_definition_id"] == SECRETS_USER]

    assert sorted(g["scope"] for g in grants) == sorted(
        "${azurerm_key_vault_secret." + name + ".resource_versionless_id}"
        for name in synthesized_azure.stack(STACK)["resource"]["azurerm_key_vault_secret"])
    assert {g["principal_id"] for g in grants} == {
        "${azurerm_user_assigned_identity.azure_identity_490C4F42.principal_id}"}


def test_environments_get_what_azure_login_needs_and_the_secret_uris(
        synthesized_azure: Synthesized) -> None:
    variables = {v["variable_name"]: v["value"] for v in synthesized_azure.resources(
        STACK, "github_actions_environment_variable")}

    assert variables["AZURE_TENANT_ID"] == "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert variables["AZURE_SUBSCRIPTION_ID"] == "0b1f6471-1bf0-4dda-aec3-111122223333"
    assert variables["AZURE_CLIENT_ID"].endswith(".client_id}")
    assert variables["AGENT_DEPLOY_KEY_SECRET_COSTS"] == (
        f"https://{vault_name(DEFAULTS, 'cost-analyst')}.vault.azure.net/secrets/"
        "agents-cost-analyst-deploy-keys-acme-costs")


def test_names_fit_key_vault() -> None:
    for agent in ("cost-analyst", "a-very-long-agent-name-x", "ab--cd"):
        name = vault_name(DEFAULTS, agent)
        assert re.fullmatch(r"[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]", name), name
        assert "--" not in name
    long_repo = "acme/" + "r" * 100
    secret = key_vault_secret_name("a-very-long-agent-name-x", long_repo)
    assert len(secret) <= 127 and re.fullmatch(r"[0-9a-zA-Z-]+", secret)
    assert key_vault_secret_name("bot", "acme/api.v2_x") == "agents-bot-deploy-keys-acme-api-v2-x"


@given(st.from_regex(r"[a-z][a-z0-9-]{1,22}[a-z0-9]", fullmatch=True),
       st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?", fullmatch=True),
       st.from_regex(r"[A-Za-z0-9._-]{1,100}", fullmatch=True))
def test_every_derived_azure_name_fits_azure(name: str, owner: str, repo: str) -> None:
    vault = vault_name(DEFAULTS, name)
    secret = key_vault_secret_name(name, f"{owner}/{repo}")

    assert re.fullmatch(r"[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]", vault) and "--" not in vault
    assert re.fullmatch(r"[0-9a-zA-Z-]{1,127}", secret)
