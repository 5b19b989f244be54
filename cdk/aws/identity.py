"""AWS role construct: translates a :class:`~cdk.aws.plan.RolePlan` into resources."""

from __future__ import annotations

from cdktn_provider_aws.iam_role import IamRole
from constructs import Construct

from ..plan import render_json
from .plan import RolePlan


class AgentRole(Construct):
    """The agent's IAM role, trust policy written as literal JSON from the plan."""

    def __init__(self, scope: Construct, construct_id: str, plan: RolePlan) -> None:
        super().__init__(scope, construct_id)
        self.role = IamRole(
            self,
            "role",
            name=plan.name,
            description=plan.description,
            assume_role_policy=render_json(plan.trust_policy),
            max_session_duration=plan.max_session_duration,
            force_detach_policies=True,
            tags=plan.tags,
        )
