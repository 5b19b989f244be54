"""The one seam between the command line (``cdk``) and the CDK Terrain app (``stacks``).

``stacks`` builds on ``cdk``; ``cdk`` never imports ``stacks`` (docs/architecture.md
§1, asserted by tests/test_layers.py). The commands that synthesize reach the app
through :func:`app`, which imports the module named by :data:`APP` when first
called: the dependency is late-bound and written in this one place, not spread
over function-level imports.
"""

from __future__ import annotations

from collections.abc import Collection
from importlib import import_module
from pathlib import Path
from typing import Any, Protocol, cast

from .model import IdentitiesFile
from .progress import Progress

# The module that implements :class:`App` (stacks/app.py).
APP = "stacks.app"

# Terraform/OpenTofu the stacks target; cdktf.json declares the same for the
# CLI (a test keeps them equal). S3 native state locking needs 1.10 of either;
# write-only arguments (deploy-key secret versions) need 1.11. Here, not in
# stacks/app.py, so that cdk modules may read it without importing stacks.
TARGET_VERSIONS: dict[str, Any] = {"terraform": ">=1.11.0", "opentofu": ">=1.11.0"}


class Synthesizable(Protocol):
    """What the CLI does with a built app: write every stack to its outdir."""

    def synth(self) -> None:
        """Write ``manifest.json`` and ``stacks/<name>/cdk.tf.json``."""


class App(Protocol):
    """What :data:`APP` provides: :func:`stacks.app.check_stacks` and ``build_app``."""

    def check_stacks(self, identities: IdentitiesFile, stacks: Collection[str],
                     source: str = ...) -> None:
        """Raise an :class:`~cdk.errors.AgentIdError` naming every unknown stack."""

    def build_app(self, identities: IdentitiesFile, outdir: str | Path | None = ...,
                  base_dir: str | Path = ..., progress: Progress | None = ...,
                  stacks: Collection[str] | None = ...) -> Synthesizable:
        """The app of ``identities``, ``stacks`` selecting which stacks it holds."""


def app() -> App:
    """The CDK Terrain app module (:data:`APP`), imported on first use."""
    return cast(App, import_module(APP))
