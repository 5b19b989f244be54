"""The corruptions of a synthesized stack that the Azure invariants must catch (MUTATIONS).

tests/verify/test_azure.py runs each; test_verify.py checks every invariant has one.
"""

from __future__ import annotations

from cdk.verify import azure

from .helpers import Documents, Mutation, resource

SUBSCRIPTION = "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"
AGENTS_GROUP = f"{SUBSCRIPTION}/resourceGroups/agents"
SECRETS_USER = f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/" \
               "4633458b-17de-408a-b874-0445c86b69e6"


def _credential(documents: Documents) -> tuple[str, dict[str, object]]:
    return resource(documents, "cost-analyst", "azurerm_federated_identity_credential")


def _widen_subject(documents: Documents) -> str:
    _, body = _credential(documents)
    body["subject"] = "repo:acme/costs:environment:anything"
    return "cost-analyst"


def _audience(documents: Documents) -> str:
    address, body = _credential(documents)
    body["audience"] = ["api://AzureADTokenExchange", "https://example.com"]
    return address


def _issuer(documents: Documents) -> str:
    address, body = _credential(documents)
    body["issuer"] = "https://token.example.com"
    return address


def _assignment(documents: Documents, stack: str = "cost-analyst") -> tuple[str, dict[str, object]]:
    return resource(documents, stack, "azurerm_pim_active_role_assignment")


def _other_principal(documents: Documents) -> str:
    address, body = _assignment(documents)
    body["principal_id"] = "11111111-2222-3333-4444-555555555555"
    return address


def _agents_group(documents: Documents) -> str:
    address, body = _assignment(documents)
    body["scope"] = AGENTS_GROUP
    return address


def _another_vault(documents: Documents) -> str:
    address, body = resource(documents, "report-builder", "azurerm_role_assignment")
    body["scope"] = f"{AGENTS_GROUP}/providers/Microsoft.KeyVault/vaults/agent-cost-anal-ec352702"
    return address


def _secrets_user_on_subscription(documents: Documents) -> str:
    address, body = _assignment(documents)
    body["scope"] = SUBSCRIPTION
    body["role_definition_id"] = SECRETS_USER
    return address


def _public_vault(documents: Documents) -> str:
    address, body = resource(documents, "cost-analyst", "azurerm_key_vault")
    body["public_network_access_enabled"] = True
    return address


def _access_policies(documents: Documents) -> str:
    address, body = resource(documents, "cost-analyst", "azurerm_key_vault")
    body["rbac_authorization_enabled"] = False
    return address


def _secret_in_another_vault(documents: Documents) -> str:
    address, body = resource(documents, "cost-analyst", "azurerm_key_vault_secret")
    body["key_vault_id"] = f"{AGENTS_GROUP}/providers/Microsoft.KeyVault/vaults/shared"
    return address


def _locked_credential(documents: Documents) -> str:
    # The neighbour's credential, put on the locked agent's identity.
    _, credential = resource(documents, "report-bot", "azurerm_federated_identity_credential")
    kind = "azurerm_federated_identity_credential"
    documents["incident-bot"]["resource"][kind] = {"kept": {
        **credential, "user_assigned_identity_id": "${azurerm_user_assigned_identity."
        + next(iter(documents["incident-bot"]["resource"]["azurerm_user_assigned_identity"]))
        + ".id}"}}
    return f"{kind}.kept"


def _locked_credential_stack(documents: Documents) -> str:
    _locked_credential(documents)
    return "incident-bot"


def _locked_assignment(documents: Documents) -> str:
    kind = "azurerm_pim_active_role_assignment"
    _, assignment = resource(documents, "report-bot", kind)
    identity = next(iter(documents["incident-bot"]["resource"]["azurerm_user_assigned_identity"]))
    documents["incident-bot"]["resource"][kind] = {"kept": {
        **assignment,
        "principal_id": f"${{azurerm_user_assigned_identity.{identity}.principal_id}}"}}
    return f"{kind}.kept"


def _monitoring_contributor(documents: Documents) -> str:
    address, body = _assignment(documents)
    body.pop("role_definition_name", None)
    body["role_definition_id"] = (f"{SUBSCRIPTION}/providers/Microsoft.Authorization/"
                                  "roleDefinitions/749f88d5-cbae-40b8-bcfc-e573ddc772fa")
    return address


def _unchecked_definition(documents: Documents) -> str:
    kind = "azurerm_role_definition"
    name, body = next(iter(documents["cost-analyst"]["data"][kind].items()))
    body.pop("lifecycle")
    return f"data.{kind}.{name}"


MUTATIONS = [
    Mutation("a widened subject", "azure", "cost-analyst", _widen_subject,
             azure.FEDERATION.id),
    Mutation("another audience", "azure", "cost-analyst", _audience, azure.FEDERATION.id),
    Mutation("another issuer", "azure", "cost-analyst", _issuer, azure.FEDERATION.id),
    Mutation("a role for someone else", "azure", "cost-analyst", _other_principal,
             azure.ASSIGNMENT_PRINCIPAL.id),
    Mutation("a role on the agents' resource group", "azure", "cost-analyst", _agents_group,
             azure.NO_GRANT_ON_AGENT_INFRASTRUCTURE.id),
    Mutation("a role on another agent's vault", "example", "report-builder", _another_vault,
             azure.NO_GRANT_ON_AGENT_INFRASTRUCTURE.id),
    Mutation("secrets user on the subscription", "azure", "cost-analyst",
             _secrets_user_on_subscription, azure.NO_GRANT_ON_AGENT_INFRASTRUCTURE.id),
    Mutation("a public vault", "azure", "cost-analyst", _public_vault, azure.VAULT.id),
    Mutation("a secret in a vault not the agent's", "azure", "cost-analyst",
             _secret_in_another_vault, azure.VAULT.id),
    Mutation("a vault with access policies", "azure", "cost-analyst", _access_policies,
             azure.VAULT.id),
    Mutation("Monitoring Contributor assigned", "azure", "cost-analyst",
             _monitoring_contributor, azure.NO_ALERT_TAMPER_ROLE.id),
    Mutation("a role definition not checked for alert writes", "azure", "cost-analyst",
             _unchecked_definition, azure.NO_ALERT_TAMPER_ROLE.id),
    Mutation("a locked agent's credential kept", "locked", "incident-bot",
             _locked_credential, azure.LOCKED.id),
    Mutation("a locked agent's credential kept: its subjects", "locked", "incident-bot",
             _locked_credential_stack, azure.FEDERATION.id),
    Mutation("a locked agent's role assignment kept", "locked", "incident-bot",
             _locked_assignment, azure.LOCKED.id),
]
