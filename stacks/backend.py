"""Apply a planned backend to a stack."""

from __future__ import annotations

from pathlib import Path

from cdktn import (
    AzurermBackend,
    CloudBackend,
    GcsBackend,
    LocalBackend,
    NamedCloudWorkspace,
    S3Backend,
    TerraformStack,
)

from cdk.backend import plan_backend
from cdk.model import Backend


def apply_backend(stack: TerraformStack, backend: Backend, name: str, outdir: Path,
                  base_dir: Path) -> None:
    """Give ``stack`` its own state and lock in the configured backend."""
    kind, args = plan_backend(backend, name, outdir / "stacks" / name, base_dir)
    if kind == "s3":
        S3Backend(stack, **args)
    elif kind == "gcs":
        GcsBackend(stack, **args)
    elif kind == "azurerm":
        AzurermBackend(stack, **args)
    elif kind == "cloud":
        workspace = args.pop("workspaces")
        CloudBackend(stack, workspaces=NamedCloudWorkspace(**workspace), **args)
    else:
        LocalBackend(stack, **args)
