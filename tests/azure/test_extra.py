"""A file without Azure agents never needs the azure extra nor loads its bindings
(tests/test_extras.py checks the message when the extra is missing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cdk.extras import needed_extras
from cdk.loader import validate_schema
from cdk.yamlsafe import parse

from ..conftest import ROOT, TODAY_ARG
from ..records import AZURE, BASE, write


def test_only_files_with_azure_agents_need_the_azure_extra() -> None:
    assert "azure" in needed_extras(validate_schema(parse("identities.yaml", AZURE)))
    assert "azure" not in needed_extras(validate_schema(parse("identities.yaml", BASE)))


@pytest.mark.synth
def test_a_file_without_azure_agents_never_loads_the_azure_bindings(tmp_path: Path) -> None:
    # GIVEN an AWS-only file; WHEN it is synthesized in a fresh interpreter
    source = write(tmp_path, BASE)
    script = ("import sys\nfrom cdk.cli import main\n"
              f"rc = main(['synth', '-f', {str(source)!r}, '-o', {str(tmp_path / 'out')!r}, "
              f"'--today', {TODAY_ARG!r}])\n"
              "print('RESULT', rc, 'cdktn_provider_azurerm' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=ROOT, timeout=600)

    # THEN the ~9 s azurerm import never happens
    [line] = [x for x in result.stdout.splitlines() if x.startswith("RESULT")]
    assert line == "RESULT 0 False", result.stderr
