"""Wire an agent's deploy keys to its secret store.

The store is chosen by ``secrets.store``; its construct module is imported only
when a record uses it. A store construct takes its plan and the agent's
identity resource, and stores each private key, returning the reference a
workflow uses to fetch it (for AWS, the secret's ARN; for Google Cloud, the
secret's resource name ``projects/<project>/secrets/<id>``; for Azure, the Key
Vault secret's versionless URI).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from cdktn import ITerraformDependable
from constructs import Construct

from cdk.github.deploy_keys import DeployKeyPlan
from cdk.model import Agent, IdentitiesFile
from cdk.rotation import RotatedKey
from cdk.secret_store import plan_store


class SecretStoreConstruct(Protocol):
    """What a store construct offers the stack."""

    def store(self, repo: str, key: RotatedKey) -> str:
        """Store the key's private half for ``repo``; return the secret's reference."""


def _aws_store(scope: Construct, plan: Any, identity: ITerraformDependable | None
               ) -> SecretStoreConstruct:
    from cdk.aws.secret import AwsSecretStore

    return AwsSecretStore(scope, "secret_store", plan, identity)


def _gcp_store(scope: Construct, plan: Any, identity: ITerraformDependable | None
               ) -> SecretStoreConstruct:
    from cdk.gcp.secret import GcpSecretStore

    return GcpSecretStore(scope, "gcp_secret_store", plan, identity)


def _azure_store(scope: Construct, plan: Any, identity: ITerraformDependable | None
                 ) -> SecretStoreConstruct:
    from cdk.azure.secret import AzureSecretStore

    return AzureSecretStore(scope, "azure_secret_store", plan, identity)


# secrets.store -> construct factory.
STORE_CONSTRUCTS: dict[
    str, Callable[[Construct, Any, ITerraformDependable | None], SecretStoreConstruct]
] = {"aws": _aws_store, "gcp": _gcp_store, "azure": _azure_store}


def add_deploy_keys(scope: Construct, agent: Agent, identities: IdentitiesFile,
                    keys: list[DeployKeyPlan], identity: ITerraformDependable | None
                    ) -> dict[str, str]:
    """Deploy keys and their secrets; returns the environment variables naming the secrets."""
    from cdk.github.deploy_key import AgentDeployKey

    store = STORE_CONSTRUCTS[agent.secrets.store](scope, plan_store(agent, identities),
                                                  identity)
    variables: dict[str, str] = {}
    for plan in keys:
        key = AgentDeployKey(scope, plan.construct_id, plan)
        variables[plan.variable] = store.store(plan.repo, key)
    return variables
