"""Apply a planned backend to a stack."""

from __future__ import annotations

from pathlib import Path

from cdktn import LocalBackend, S3Backend, TerraformStack

from cdk.backend import plan_backend
from cdk.model import Backend


def apply_backend(stack: TerraformStack, backend: Backend, name: str, outdir: Path,
                  base_dir: Path) -> None:
    """Give ``stack`` its own state: local file or S3 object with lockfile and encryption."""
    kind, args = plan_backend(backend, name, outdir / "stacks" / name, base_dir)
    if kind == "s3":
        S3Backend(stack, **args)
    else:
        LocalBackend(stack, **args)
