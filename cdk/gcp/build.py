"""Google Cloud constructs of the target interface (docs/architecture.md §8)."""

from __future__ import annotations

from cdktn import ITerraformDependable, TerraformStack

from ..builders import Built, SecretStoreConstruct
from ..model import Agent, IdentitiesFile
from .alerts import AgentDeniedAlert
from .alerts_plan import plan_alerts
from .identity import AgentServiceAccount
from .plan import GcpSecretStorePlan, environment_variables, plan_pool, plan_service_account
from .pool import GitHubWorkloadIdentityPool
from .provider import google_provider
from .secret import GcpSecretStore


def build_foundation(stack: TerraformStack, identities: IdentitiesFile) -> None:
    """The project's provider and workload identity pool."""
    assert identities.defaults.gcp is not None
    google_provider(stack, identities.defaults.gcp)
    GitHubWorkloadIdentityPool(stack, "github_pool", plan_pool(identities))


def build_agent(stack: TerraformStack, agent: Agent, identities: IdentitiesFile) -> Built:
    """The provider; for a live agent, its service account, bindings and deny policy, and
    its alert when the file names channels for it."""
    assert identities.defaults.gcp is not None
    google_provider(stack, identities.defaults.gcp)
    variables = environment_variables(agent, identities)
    if agent.revoked is not None:
        return Built(variables)
    account = AgentServiceAccount(
        stack, "gcp_service_account", plan_service_account(agent, identities)).account
    alerts = plan_alerts(agent, identities)
    if alerts is not None:
        AgentDeniedAlert(stack, "gcp_alerts", alerts)
    return Built(variables, account)


def secret_store(stack: TerraformStack, plan: object,
                 identity: ITerraformDependable | None) -> SecretStoreConstruct:
    """Secret Manager, encrypted with the agent's own Cloud KMS key."""
    assert isinstance(plan, GcpSecretStorePlan)
    return GcpSecretStore(stack, "gcp_secret_store", plan, identity)
