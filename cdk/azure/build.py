"""Azure constructs of the target interface (docs/architecture.md §8)."""

from __future__ import annotations

from cdktn import ITerraformDependable, TerraformStack

from ..builders import Built, SecretStoreConstruct
from ..model import Agent, IdentitiesFile
from .alerts import AgentFailedOperationsAlert
from .alerts_plan import plan_alerts
from .identity import AgentManagedIdentity
from .plan import AzureSecretStorePlan, environment_variables, plan_identity
from .provider import azurerm_provider
from .secret import AzureSecretStore


def build_agent(stack: TerraformStack, agent: Agent, identities: IdentitiesFile) -> Built:
    """The provider; for a live agent, its managed identity, credentials and roles, and its
    alert when the file names action groups for it."""
    assert identities.defaults.azure is not None
    azurerm_provider(stack, identities.defaults.azure)
    variables = environment_variables(agent, identities)
    if agent.revoked is not None:
        return Built(variables)
    identity = AgentManagedIdentity(stack, "azure_identity",
                                    plan_identity(agent, identities)).identity
    alerts = plan_alerts(agent, identities)
    if alerts is not None:
        AgentFailedOperationsAlert(stack, "azure_alerts", alerts, identity)
    # The client id is a reference to the identity Azure creates.
    return Built({**variables, "AZURE_CLIENT_ID": identity.client_id}, identity)


def secret_store(stack: TerraformStack, plan: object,
                 identity: ITerraformDependable | None) -> SecretStoreConstruct:
    """A Key Vault of the agent's own, readable by its identity alone."""
    assert isinstance(plan, AzureSecretStorePlan)
    return AzureSecretStore(stack, "azure_secret_store", plan, identity)
