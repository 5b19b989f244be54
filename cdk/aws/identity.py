"""AWS role construct: translates a role plan and a scope plan into resources."""

from __future__ import annotations

from cdktn_provider_aws.iam_policy import IamPolicy
from cdktn_provider_aws.iam_role import IamRole
from cdktn_provider_aws.iam_role_policies_exclusive import IamRolePoliciesExclusive
from cdktn_provider_aws.iam_role_policy import IamRolePolicy
from cdktn_provider_aws.iam_role_policy_attachments_exclusive import (
    IamRolePolicyAttachmentsExclusive,
)
from constructs import Construct

from ..plan import render_json
from .plan import RolePlan
from .scope import ScopePlan


class AgentRole:
    """The agent's IAM role, its scope and its boundary, every document literal JSON.

    The role names its boundary by deterministic ARN, so a reviewer reads the
    boundary's name in the plan rather than a token. The two exclusive resources
    make the reviewed plan the only source of permissions: whatever is attached
    or put inline out of band is removed by the next apply.

    Not a construct itself: a wrapper construct emits nothing and costs a jsii
    round trip per agent. The role is ``construct_id`` in ``scope``, the other
    resources ``construct_id`` plus a suffix (docs/decisions.md, "Flat stacks").
    """

    def __init__(self, scope: Construct, construct_id: str, plan: RolePlan,
                 scope_plan: ScopePlan) -> None:
        self.boundary = IamPolicy(
            scope,
            f"{construct_id}_boundary",
            name=scope_plan.boundary_name,
            description="agentid: the most this agent can ever do (its reviewed scope "
                        "plus denies it cannot lift)",
            policy=render_json(scope_plan.boundary),
            tags=plan.tags,
        )
        self.role = IamRole(
            scope,
            construct_id,
            name=plan.name,
            description=plan.description,
            assume_role_policy=render_json(plan.trust_policy),
            max_session_duration=plan.max_session_duration,
            permissions_boundary=scope_plan.boundary_arn,
            force_detach_policies=True,
            tags=plan.tags,
            depends_on=[self.boundary],
        )
        # Read once: every attribute read is a round trip into Node.
        role_name = self.role.name
        inline = []
        if scope_plan.permissions is not None:
            self.scope_policy = IamRolePolicy(
                scope,
                f"{construct_id}_scope",
                name=scope_plan.inline_policy_name,
                role=role_name,
                policy=render_json(scope_plan.permissions),
            )
            inline.append(self.scope_policy)
        IamRolePoliciesExclusive(
            scope,
            f"{construct_id}_inline_policies_exclusive",
            role_name=role_name,
            policy_names=[scope_plan.inline_policy_name] if inline else [],
            depends_on=inline,
        )
        IamRolePolicyAttachmentsExclusive(
            scope,
            f"{construct_id}_attachments_exclusive",
            role_name=role_name,
            policy_arns=[],
        )
