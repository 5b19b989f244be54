"""AWS constructs of the target interface (docs/architecture.md §8)."""

from __future__ import annotations

from cdktn import ITerraformDependable, TerraformStack

from ..builders import Built, SecretStoreConstruct
from ..model import Agent, IdentitiesFile
from .alerts import agent_alerts
from .alerts_plan import plan_alerts
from .identity import AgentRole
from .oidc import GitHubOidcProvider
from .plan import plan_role
from .provider import aws_provider
from .scope import plan_scope
from .secret import AwsSecretStore
from .secret_plan import AwsSecretStorePlan


def build_foundation(stack: TerraformStack, identities: IdentitiesFile) -> None:
    """The account's AWS provider and GitHub OIDC provider."""
    assert identities.defaults.aws is not None
    aws_provider(stack, identities.defaults.aws)
    GitHubOidcProvider(stack, "github_oidc")


def build_agent(stack: TerraformStack, agent: Agent, identities: IdentitiesFile) -> Built:
    """The provider; for a live agent, its role with scope and boundary."""
    aws = identities.defaults.aws
    assert aws is not None
    aws_provider(stack, aws)
    role = plan_role(agent, identities)
    variables = {"AWS_ROLE_ARN": role.arn, "AWS_REGION": aws.region}
    if agent.revoked is not None:
        return Built(variables)
    built = Built(variables, AgentRole(stack, "aws_role", role,
                                       plan_scope(agent, identities)).role)
    # Alerts on the role's denied calls and refused tokens (docs/alerts.md).
    if (alerts := plan_alerts(agent, identities)) is not None:
        agent_alerts(stack, "aws_alert", alerts)
    return built


def secret_store(stack: TerraformStack, plan: object,
                 identity: ITerraformDependable | None) -> SecretStoreConstruct:
    """Secrets Manager, encrypted with the agent's own KMS key."""
    assert isinstance(plan, AwsSecretStorePlan)
    return AwsSecretStore(stack, "secret_store", plan, identity)
