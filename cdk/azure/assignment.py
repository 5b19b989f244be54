"""One Azure role assignment of the agent's identity: PIM-bounded or plain.

The managed identity's roles (cdk/azure/identity.py) and its reader grant on each
Key Vault secret (cdk/azure/secret.py) are written the same way: with
``assignment_kind`` ``pim`` an active PIM assignment that Azure ends at the agent's
expiry, otherwise a plain ``ServicePrincipal`` assignment (no end date in Azure).
"""

from __future__ import annotations

from cdktn_provider_azurerm.pim_active_role_assignment import (
    PimActiveRoleAssignment,
    PimActiveRoleAssignmentSchedule,
    PimActiveRoleAssignmentScheduleExpiration,
)
from cdktn_provider_azurerm.role_assignment import RoleAssignment
from constructs import Construct


def assign_role(scope: Construct, construct_id: str, *, kind: str, at: str,
                role_definition_id: str, principal_id: str, justification: str,
                expires_at: str) -> None:
    """Assign ``role_definition_id`` at ``at`` to ``principal_id``, as ``kind`` says."""
    if kind == "pim":
        PimActiveRoleAssignment(
            scope,
            construct_id,
            scope=at,
            role_definition_id=role_definition_id,
            principal_id=principal_id,
            justification=justification,
            schedule=PimActiveRoleAssignmentSchedule(
                expiration=PimActiveRoleAssignmentScheduleExpiration(
                    end_date_time=expires_at)),
        )
    else:
        RoleAssignment(
            scope,
            construct_id,
            scope=at,
            role_definition_id=role_definition_id,
            principal_id=principal_id,
            principal_type="ServicePrincipal",
            description=justification,
        )
