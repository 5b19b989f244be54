"""The ``foundation`` stack: what all agents share, created once per account."""

from __future__ import annotations

from pathlib import Path

from cdktn import TerraformStack
from constructs import Construct

from cdk.builders import builder
from cdk.model import IdentitiesFile
from cdk.names import FOUNDATION
from cdk.targets import targets

from .backend import apply_backend


class FoundationStack(TerraformStack):
    """Each target's shared part, where it has one (``Target.in_foundation``): the
    account's GitHub OIDC provider, the project's workload identity pool, the
    identities repository's ruleset (``defaults.github.identities``).

    Agent stacks refer to them by deterministic ARN or resource name, not token.
    """

    def __init__(self, scope: Construct, identities: IdentitiesFile, outdir: Path,
                 base_dir: Path) -> None:
        super().__init__(scope, FOUNDATION)
        apply_backend(self, identities.defaults.backend, FOUNDATION, outdir, base_dir)
        for target in targets():
            if target.in_foundation(identities):
                builder(target).build_foundation(self, identities)
