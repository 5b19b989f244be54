"""The workload identity pool and its GitHub provider (foundation stack, one per project)."""

from __future__ import annotations

from cdktn_provider_google.iam_workload_identity_pool import IamWorkloadIdentityPool
from cdktn_provider_google.iam_workload_identity_pool_provider import (
    IamWorkloadIdentityPoolProvider,
    IamWorkloadIdentityPoolProviderOidc,
)
from constructs import Construct

from .plan import PoolPlan


class GitHubWorkloadIdentityPool(Construct):
    """A pool for GitHub Actions and a provider that accepts only the organization's tokens.

    No ``allowed_audiences``: Google then expects its default audience, the
    provider's own resource URL, which ``google-github-actions/auth`` requests.
    """

    def __init__(self, scope: Construct, construct_id: str, plan: PoolPlan) -> None:
        super().__init__(scope, construct_id)
        self.pool = IamWorkloadIdentityPool(
            self,
            "pool",
            project=plan.project,
            workload_identity_pool_id=plan.pool_id,
            display_name="agentid GitHub Actions",
            description="agentid: GitHub Actions runs of AI agents (one subject per binding)",
        )
        self.provider = IamWorkloadIdentityPoolProvider(
            self,
            "provider",
            project=plan.project,
            workload_identity_pool_id=self.pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=plan.provider_id,
            display_name="GitHub Actions OIDC",
            description="agentid: tokens of one GitHub organization, subject pinned to "
                        "the repository id",
            attribute_condition=plan.attribute_condition,
            attribute_mapping=plan.attribute_mapping,
            oidc=IamWorkloadIdentityPoolProviderOidc(issuer_uri=plan.issuer_uri),
        )
