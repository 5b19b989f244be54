"""Write the optimized bytecode a synthesis imports: ``python -O -m cdk.precompile``.

Synthesis runs under ``python -O`` (cdk/runtime.py). pip compiles bytecode for
plain runs only, and where ``PYTHONDONTWRITEBYTECODE`` is set nothing ever
writes the ``-O`` flavour, so every synth would recompile the provider
bindings it imports. ``make install`` runs this once: it imports every
construct module of each installed cloud, which loads exactly the binding
modules a synth can load, and lets Python write their bytecode.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from .extras import EXTRAS, installed

# extra -> agentid packages whose modules hold that cloud's constructs.
CONSTRUCT_PACKAGES: dict[str, tuple[str, ...]] = {
    "aws": ("cdk.aws",),
    "github": ("cdk.github",),
    "gcp": ("cdk.gcp",),
    "azure": ("cdk.azure",),
}


def main() -> int:
    """Import every construct module of the installed clouds, writing bytecode."""
    if not sys.flags.optimize:
        print("run as: python -O -m cdk.precompile", file=sys.stderr)
        return 2
    sys.dont_write_bytecode = False
    from .runtime import prepare_node

    prepare_node()
    packages = ["stacks"]
    for extra, modules in EXTRAS.items():
        if all(installed(m) for m in modules):
            packages.extend(CONSTRUCT_PACKAGES[extra])
    for name in packages:
        package = importlib.import_module(name)
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{name}.{info.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
