"""The agent's managed identity: who may federate into it, and its role assignments."""

from __future__ import annotations

from cdktn import Postcondition, TerraformResourceLifecycle
from cdktn_provider_azurerm.data_azurerm_role_definition import DataAzurermRoleDefinition
from cdktn_provider_azurerm.federated_identity_credential import FederatedIdentityCredential
from cdktn_provider_azurerm.user_assigned_identity import UserAssignedIdentity
from constructs import Construct

from ..names import unique_ids
from .assignment import assign_role
from .names import role_definition_id
from .plan import IdentityPlan
from .roles import Assignment, postcondition_expression


class AgentManagedIdentity(Construct):
    """User-assigned managed identity ``agent-<name>``.

    Federated credentials are chained with ``depends_on``: Azure refuses concurrent
    credential writes on one identity, so Terraform must write them one at a time.
    Every role is looked up in Azure's own catalog at plan time, and a
    postcondition refuses a definition that can write role assignments.
    """

    def __init__(self, scope: Construct, construct_id: str, plan: IdentityPlan) -> None:
        super().__init__(scope, construct_id)
        self.plan = plan
        self.identity = UserAssignedIdentity(
            self,
            "identity",
            name=plan.name,
            resource_group_name=plan.resource_group,
            location=plan.location,
            tags=plan.tags,
        )
        previous: FederatedIdentityCredential | None = None
        credential_ids = unique_ids((c.subject, ("credential", c.subject))
                                    for c in plan.credentials)
        self.assignment_ids = unique_ids((a, ("role", a.construct_id))
                                         for a in plan.assignments)
        for credential in plan.credentials:
            previous = FederatedIdentityCredential(
                self,
                credential_ids[credential.subject],
                name=credential.name,
                user_assigned_identity_id=self.identity.id,
                issuer=credential.issuer,
                audience=list(credential.audience),
                subject=credential.subject,
                depends_on=[previous] if previous is not None else None,
            )
        for assignment in plan.assignments:
            self._assign(assignment)

    def _assign(self, assignment: Assignment) -> None:
        plan = self.plan
        construct_id = self.assignment_ids[assignment]
        definition = DataAzurermRoleDefinition(
            self,
            f"{construct_id}_definition",
            scope=plan.subscription_scope,
            role_definition_id=assignment.role.lower() if assignment.by_id else None,
            name=None if assignment.by_id else assignment.role,
            lifecycle=TerraformResourceLifecycle(postcondition=[Postcondition(
                condition=postcondition_expression(assignment.scope_kind),
                error_message=f"agentid: role {assignment.role} can write role assignments "
                              "or write or delete activity log alerts or action groups (or, "
                              "on the subscription, read Key Vault secrets or act on "
                              "managed identities); an agent may not hold it",
            )]),
        )
        definition_id = role_definition_id(plan.subscription_scope,
                                           definition.role_definition_id)
        assign_role(self, construct_id, kind=plan.assignment_kind, at=assignment.scope,
                    role_definition_id=definition_id,
                    principal_id=self.identity.principal_id,
                    justification=plan.justification, expires_at=plan.expires_at)
