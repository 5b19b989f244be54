"""Which provider bindings a file needs, and a clear error when one is missing.

Each cloud's bindings are an extra (``pip install 'agentid[aws]'``), so a team
that uses only AWS never downloads another cloud's hundreds of MB. The check
runs before anything is synthesized: a missing extra never leaves half an output.
"""

from __future__ import annotations

import importlib.util

from .errors import MissingExtraError
from .model import IdentitiesFile

# extra -> modules it installs; keep in step with pyproject.toml.
EXTRAS: dict[str, tuple[str, ...]] = {
    "aws": ("cdktn_provider_aws",),
    "github": ("cdktn_provider_github", "cdktn_provider_tls", "cdktn_provider_time"),
    "gcp": ("cdktn_provider_google",),
    "azure": ("cdktn_provider_azurerm",),
}


def needed_extras(identities: IdentitiesFile) -> list[str]:
    """Extras the file's stacks load, sorted.

    Every agent has GitHub environments; AWS bindings are needed as soon as the
    foundation (``defaults.aws``) or any agent uses AWS; Google's as soon as an agent
    has a Google identity (the foundation's pool exists only then); Azure's as soon
    as an agent has an Azure identity (Azure has no shared foundation).
    """
    from .azure.plan import uses_azure
    from .gcp.plan import uses_gcp

    needed = set()
    if identities.agents:
        needed.add("github")
    if identities.defaults.aws is not None or any(a.aws for a in identities.agents):
        needed.add("aws")
    if any(uses_gcp(a) for a in identities.agents):
        needed.add("gcp")
    if any(uses_azure(a) for a in identities.agents):
        needed.add("azure")
    return sorted(needed)


def installed(module: str) -> bool:
    """True when ``module`` can be imported (without importing it)."""
    return importlib.util.find_spec(module) is not None


def require_extras(identities: IdentitiesFile) -> None:
    """Raise :class:`MissingExtraError` naming every extra the file needs but lacks."""
    missing = [extra for extra in needed_extras(identities)
               if not all(installed(module) for module in EXTRAS[extra])]
    if missing:
        spec = ",".join(missing)
        raise MissingExtraError(
            f"the records use {', '.join(missing)} but the provider bindings are not "
            f"installed — pip install 'agentid[{spec}]' (or 'agentid[all]')"
        )
