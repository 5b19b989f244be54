"""The ``foundation`` stack: what all agents share, created once per account."""

from __future__ import annotations

from pathlib import Path

from cdktn import TerraformStack
from constructs import Construct

from cdk.model import IdentitiesFile
from cdk.names import FOUNDATION

from .backend import apply_backend


class FoundationStack(TerraformStack):
    """The account's GitHub OIDC provider. Agent stacks refer to it by ARN, not token."""

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
