"""Where each stack keeps its state: one state (and one lock) per agent.

Pure: returns the backend kind and its arguments; stacks apply them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .model import Backend
from .names import state_key


def plan_backend(backend: Backend, stack: str, stack_dir: Path, base_dir: Path
                 ) -> tuple[str, dict[str, Any]]:
    """Backend kind and arguments for ``stack``.

    ``stack_dir`` is where the stack's ``cdk.tf.json`` is written and
    ``base_dir`` the directory of the identities file: a local state path is
    relative from the first to ``<base_dir>/<local.dir>/<stack>.tfstate``, so it
    survives a rebuilt ``cdktf.out`` and never lands inside it.
    """
    if backend.s3 is not None:
        s3 = backend.s3
        args: dict[str, Any] = {
            "bucket": s3.bucket,
            "key": state_key(s3.key_prefix, stack),
            "region": s3.region,
            "encrypt": True,
            "use_lockfile": True,
        }
        if s3.kms_key_id:
            args["kms_key_id"] = s3.kms_key_id
        return "s3", args
    if backend.gcs is not None:
        gcs = backend.gcs
        # GCS keeps state at <prefix>/<workspace>.tfstate: a prefix per stack
        # gives each agent its own object and its own lock file.
        args = {"bucket": gcs.bucket, "prefix": f"{gcs.prefix}/{stack}"}
        if gcs.kms_encryption_key:
            args["kms_encryption_key"] = gcs.kms_encryption_key
        return "gcs", args
    if backend.azurerm is not None:
        az = backend.azurerm
        args = {
            "storage_account_name": az.storage_account,
            "container_name": az.container,
            "key": state_key(az.key_prefix, stack),
            "use_azuread_auth": az.use_azuread_auth,
        }
        if az.resource_group:
            args["resource_group_name"] = az.resource_group
        return "azurerm", args
    if backend.cloud is not None:
        cloud = backend.cloud
        workspace: dict[str, Any] = {"name": f"{cloud.workspace_prefix}{stack}"}
        if cloud.project:
            workspace["project"] = cloud.project
        args = {"organization": cloud.organization, "workspaces": workspace}
        if cloud.hostname:
            args["hostname"] = cloud.hostname
        return "cloud", args
    assert backend.local is not None
    target = base_dir.resolve() / backend.local.dir / f"{stack}.tfstate"
    return "local", {"path": os.path.relpath(target, stack_dir.resolve())}
