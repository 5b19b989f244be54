"""Google Cloud: the pure plan (``plan``: pool, principals, conditions, bindings, deny
policy, secret store); the constructs (``provider``, ``pool``, ``identity``,
``secret``) load provider bindings on import, so stacks import them only when a
record uses Google Cloud, after :func:`require_bindings`."""

from __future__ import annotations

import importlib.util

from ..errors import MissingExtraError

EXTRA = "gcp"
PACKAGE = "cdktn_provider_google"


def require_bindings() -> None:
    """Fail with the extra to install when the Google provider bindings are missing."""
    if importlib.util.find_spec(PACKAGE) is None:
        raise MissingExtraError(
            f"a record uses Google Cloud but the provider bindings ({PACKAGE}) are not "
            f"installed — pip install 'agentid[{EXTRA}]' (or 'agentid[all]')")
