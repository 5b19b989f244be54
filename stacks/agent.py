"""One stack per agent, named after it: ``cdktn deploy <name>`` does what it says."""

from __future__ import annotations

from pathlib import Path

from cdktn import TerraformStack
from constructs import Construct

from cdk.aws.plan import has_role
from cdk.azure.plan import uses_azure
from cdk.gcp.plan import uses_gcp
from cdk.model import Agent, IdentitiesFile
from cdk.names import unique_ids

from .backend import apply_backend


class AgentStack(TerraformStack):
    """The agent's identity in every cloud it uses, and its GitHub environments.

    A revoked agent keeps its stack, backend and providers (Terraform needs them
    to destroy what the state holds) but no resources, so the next deploy is a
    destroy of exactly this agent.
    """

    def __init__(self, scope: Construct, agent: Agent, identities: IdentitiesFile,
                 outdir: Path, base_dir: Path) -> None:
        super().__init__(scope, agent.name)
        self.agent = agent
        defaults = identities.defaults
        apply_backend(self, defaults.backend, agent.name, outdir, base_dir)

        from cdk.github.deploy_keys import plan_deploy_keys
        from cdk.github.environment import AgentEnvironment, Directory, github_provider
        from cdk.github.plan import plan_environments

        github_provider(self, defaults.github.owner)
        keys = plan_deploy_keys(agent, identities)
        if keys:
            from cdk.github.deploy_key import key_providers

            key_providers(self)
        variables: dict[str, str] = {}
        role_resource = None
        if has_role(agent, identities):
            assert defaults.aws is not None
            from cdk.aws.plan import plan_role
            from cdk.aws.provider import aws_provider

            aws_provider(self, defaults.aws)
            role = plan_role(agent, identities)
            variables.update(AWS_ROLE_ARN=role.arn, AWS_REGION=defaults.aws.region)
            if agent.revoked is None:
                from cdk.aws.identity import AgentRole
                from cdk.aws.scope import plan_scope

                role_resource = AgentRole(self, "aws_role", role,
                                          plan_scope(agent, identities)).role
        service_account = None
        if uses_gcp(agent) and defaults.gcp is not None:
            from cdk.gcp.plan import environment_variables
            from cdk.gcp.provider import google_provider

            google_provider(self, defaults.gcp)
            variables.update(environment_variables(agent, identities))
            if agent.revoked is None:
                from cdk.gcp.identity import AgentServiceAccount
                from cdk.gcp.plan import plan_service_account

                service_account = AgentServiceAccount(
                    self, "gcp_service_account", plan_service_account(agent, identities)).account
        managed_identity = None
        if uses_azure(agent) and defaults.azure is not None:
            from cdk.azure.plan import environment_variables as azure_variables
            from cdk.azure.provider import azurerm_provider

            azurerm_provider(self, defaults.azure)
            variables.update(azure_variables(agent, identities))
            if agent.revoked is None:
                from cdk.azure.identity import AgentManagedIdentity
                from cdk.azure.plan import plan_identity

                managed_identity = AgentManagedIdentity(
                    self, "azure_identity", plan_identity(agent, identities)).identity
                variables["AZURE_CLIENT_ID"] = managed_identity.client_id
        if agent.revoked is not None:
            return
        if keys:
            from .deploy_keys import add_deploy_keys

            # The store's only reader: the role for AWS, the service account for GCP,
            # the managed identity for Azure.
            identity = {"gcp": service_account, "azure": managed_identity}.get(
                agent.secrets.store, role_resource)
            variables.update(add_deploy_keys(self, agent, identities, keys, identity))
        directory = Directory(self, "directory")
        environments = plan_environments(agent, identities, variables)
        # Keyed by repo and environment, not position: reordering runs_on must not
        # look like a destroy and re-create in review; unique even where two names
        # differ only in characters an id cannot hold (acme/a.b, acme/a_b).
        ids = unique_ids((k, ("environment", env.repo, env.environment))
                         for k, env in enumerate(environments))
        for k, env in enumerate(environments):
            AgentEnvironment(self, ids[k], env, directory)
