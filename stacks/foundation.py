"""The ``foundation`` stack: what all agents share, created once per account."""

from __future__ import annotations

from pathlib import Path

from cdktn import TerraformStack
from constructs import Construct

from cdk.gcp.plan import plan_pool, uses_gcp
from cdk.github.ruleset import plan_ruleset
from cdk.model import IdentitiesFile
from cdk.names import FOUNDATION

from .backend import apply_backend


class FoundationStack(TerraformStack):
    """The account's GitHub OIDC provider, the project's workload identity pool, and the
    identities repository's ruleset (``defaults.github.identities``).

    Agent stacks refer to them by deterministic ARN or resource name, not token.
    """

    def __init__(self, scope: Construct, identities: IdentitiesFile, outdir: Path,
                 base_dir: Path) -> None:
        super().__init__(scope, FOUNDATION)
        apply_backend(self, identities.defaults.backend, FOUNDATION, outdir, base_dir)
        aws = identities.defaults.aws
        if aws is not None:
            from cdk.aws.oidc import GitHubOidcProvider
            from cdk.aws.provider import aws_provider

            aws_provider(self, aws)
            GitHubOidcProvider(self, "github_oidc")
        gcp = identities.defaults.gcp
        # The pool exists once some agent uses Google Cloud: a file that only
        # declares defaults.gcp does not make every deploy load the Google bindings.
        if gcp is not None and any(uses_gcp(a) for a in identities.agents):
            from cdk.gcp.pool import GitHubWorkloadIdentityPool
            from cdk.gcp.provider import google_provider

            google_provider(self, gcp)
            GitHubWorkloadIdentityPool(self, "github_pool", plan_pool(identities))
        ruleset = plan_ruleset(identities)
        if ruleset is not None:
            from cdk.github.environment import github_provider
            from cdk.github.ruleset import identities_ruleset

            github_provider(self, identities.defaults.github.owner)
            identities_ruleset(self, ruleset)
