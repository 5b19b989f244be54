"""The agent's service account: who may impersonate it, its roles, and its deny policy."""

from __future__ import annotations

from cdktn import Postcondition, TerraformResourceLifecycle
from cdktn_provider_google.data_google_iam_role import DataGoogleIamRole
from cdktn_provider_google.iam_deny_policy import (
    IamDenyPolicy,
    IamDenyPolicyRules,
    IamDenyPolicyRulesDenyRule,
)
from cdktn_provider_google.project_iam_member import (
    ProjectIamMember,
    ProjectIamMemberCondition,
)
from cdktn_provider_google.secret_manager_secret_iam_member import (
    SecretManagerSecretIamMember,
    SecretManagerSecretIamMemberCondition,
)
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.service_account_iam_member import (
    ServiceAccountIamMember,
    ServiceAccountIamMemberCondition,
)
from cdktn_provider_google.storage_bucket_iam_member import (
    StorageBucketIamMember,
    StorageBucketIamMemberCondition,
)
from constructs import Construct

from ..names import unique_ids
from .plan import ServiceAccountPlan
from .roles import WORKLOAD_IDENTITY_USER, Binding, postcondition_expression


class AgentServiceAccount(Construct):
    """Service account ``agent-<name>``; every binding on or for it expires with the agent.

    Bindings are additive ``*_iam_member`` resources: agentid never takes over a
    resource's whole IAM policy, which other teams manage. Secret bindings of
    agentid's own deploy-key secrets are made by the secret store, next to the
    secrets they name.
    """

    def __init__(self, scope: Construct, construct_id: str, plan: ServiceAccountPlan) -> None:
        super().__init__(scope, construct_id)
        self.plan = plan
        self.account = ServiceAccount(
            self,
            "account",
            project=plan.project,
            account_id=plan.account_id,
            display_name=plan.display_name,
            description=plan.description,
            # Only a locked agent's account says so: Google refuses its tokens.
            disabled=True if plan.disabled else None,
        )
        condition = plan.condition
        impersonation_ids = unique_ids(
            (m, ("impersonation", m.rsplit("/subject/", 1)[1]))
            for m in plan.workload_identity_members)
        self.binding_ids = unique_ids(
            (b, ("role", b.construct_id)) for b in plan.bindings if not b.internal)
        for member in plan.workload_identity_members:
            ServiceAccountIamMember(
                self,
                impersonation_ids[member],
                service_account_id=self.account.name,
                role=WORKLOAD_IDENTITY_USER,
                member=member,
                condition=ServiceAccountIamMemberCondition(**condition),
            )
        for binding in plan.bindings:
            if not binding.internal:
                self._bind(binding)
        IamDenyPolicy(
            self,
            "deny",
            parent=plan.deny_parent,
            name=plan.deny_name,
            display_name=f"agentid: what {plan.display_name} may never do",
            rules=[IamDenyPolicyRules(
                description="identity and credential changes are human decisions; plus "
                            "the record's must_never_hold",
                deny_rule=IamDenyPolicyRulesDenyRule(
                    denied_principals=[plan.deny_principal],
                    denied_permissions=list(plan.denied_permissions),
                ),
            )],
            depends_on=[self.account],
        )

    def _bind(self, binding: Binding) -> None:
        plan, condition = self.plan, self.plan.condition
        construct_id = self.binding_ids[binding]
        # Judged by content, not name: the role is looked up at plan time and the
        # plan fails if it holds a permission that changes IAM or mints credentials
        # (on the whole project: nor one on secrets, keys or IAM).
        DataGoogleIamRole(
            self,
            f"{construct_id}_definition",
            name=binding.role,
            lifecycle=TerraformResourceLifecycle(postcondition=[Postcondition(
                condition=postcondition_expression(binding.kind),
                error_message=f"agentid: role {binding.role} on {binding.resource_name} holds "
                              "a permission that changes IAM, mints credentials, mutes "
                              "alerts or reaches agents' secrets; an agent may not hold it",
            )]),
        )
        if binding.kind == "project":
            ProjectIamMember(self, construct_id, project=binding.resource, role=binding.role,
                             member=plan.member, depends_on=[self.account],
                             condition=ProjectIamMemberCondition(**condition))
        elif binding.kind == "bucket":
            StorageBucketIamMember(self, construct_id, bucket=binding.resource,
                                   role=binding.role, member=plan.member, depends_on=[self.account],
                                   condition=StorageBucketIamMemberCondition(**condition))
        else:
            SecretManagerSecretIamMember(
                self, construct_id, project=plan.project, secret_id=binding.resource,
                role=binding.role, member=plan.member, depends_on=[self.account],
                condition=SecretManagerSecretIamMemberCondition(**condition))
