"""Build the CDK Terrain app from validated records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cdk.extras import require_extras
from cdk.model import IdentitiesFile
from cdk.progress import Progress
from cdk.runtime import prepare_node

# Terraform/OpenTofu the stacks target; cdktf.json declares the same for the
# CLI (a test keeps them equal). S3 native state locking needs 1.10 of either;
# write-only arguments (deploy-key secret versions) need 1.11.
TARGET_VERSIONS: dict[str, Any] = {"terraform": ">=1.11.0", "opentofu": ">=1.11.0"}


def build_app(identities: IdentitiesFile, outdir: str | Path | None = None,
              base_dir: str | Path = ".", progress: Progress | None = None) -> object:
    """An App holding ``foundation`` and one :class:`AgentStack` per record.

    ``outdir`` None lets the CDK Terrain CLI choose (it passes ``cdktf.out``).
    Provider bindings are imported here, not at module import, so commands that
    never synthesize never pay for them. A missing extra is reported before
    any binding loads.
    """
    require_extras(identities)
    if progress is not None:
        progress.note("loading provider bindings")
    prepare_node()
    from cdktn import App

    from .agent import AgentStack
    from .foundation import FoundationStack

    # The CLI passes cdktf.json's targetVersions as context; do the same here.
    context = {"targetVersions": TARGET_VERSIONS}
    app = App(outdir=str(outdir), context=context) if outdir is not None else App()
    resolved_outdir = Path(app.outdir)
    base = Path(base_dir)
    FoundationStack(app, identities, resolved_outdir, base)
    total = len(identities.agents)
    for done, agent in enumerate(identities.agents, 1):
        AgentStack(app, agent, identities, resolved_outdir, base)
        if progress is not None:
            progress.update("building stacks", done, total)
    return app
