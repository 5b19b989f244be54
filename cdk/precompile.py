"""Write the optimized bytecode a synthesis imports: ``python -O -m cdk.precompile``.

Synthesis runs under ``python -O`` (cdk/runtime.py). pip compiles bytecode for
plain runs only, and where ``PYTHONDONTWRITEBYTECODE`` is set nothing ever
writes the ``-O`` flavour, so every synth would recompile the provider
bindings it imports. ``make install`` runs this once: it imports every
construct module of each installed target, which loads exactly the binding
modules a synth can load, and lets Python write their bytecode.
"""

from __future__ import annotations

import sys

from .extras import extras, installed
from .runtime import import_constructs


def main() -> int:
    """Import every construct module of the installed targets, writing bytecode."""
    if not sys.flags.optimize:
        print("run as: python -O -m cdk.precompile", file=sys.stderr)
        return 2
    sys.dont_write_bytecode = False
    # Each extra is named after the target whose constructs live in cdk/<extra>/.
    import_constructs(extra for extra, modules in extras().items()
                      if all(installed(m) for m in modules))
    return 0


if __name__ == "__main__":
    sys.exit(main())
