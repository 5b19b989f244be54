"""Without the azurerm provider bindings, synth says which extra to install; a file
without Azure agents never needs them."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main
from cdk.extras import needed_extras
from cdk.loader import validate_schema
from cdk.yamlsafe import parse

from ..conftest import FIXTURES, ROOT, TODAY_ARG
from ..records import AZURE, BASE, write


def test_missing_azure_bindings_name_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a record that uses Azure and no cdktn_provider_azurerm installed
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "cdktn_provider_azurerm" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    shutil.copy(FIXTURES / "azure.yaml", tmp_path / "identities.yaml")
    outdir = tmp_path / "cdktf.out"

    # WHEN it is synthesized
    code = main(["synth", "-f", str(tmp_path / "identities.yaml"), "-o", str(outdir),
                 "--today", TODAY_ARG])

    # THEN synth stops with one line naming the extra, and writes nothing
    err = capsys.readouterr().err
    assert code == 1
    assert "pip install 'agentid[azure]'" in err
    assert "Traceback" not in err
    assert not outdir.exists()


def test_only_files_with_azure_agents_need_the_azure_extra() -> None:
    assert "azure" in needed_extras(validate_schema(parse("identities.yaml", AZURE)))
    assert "azure" not in needed_extras(validate_schema(parse("identities.yaml", BASE)))


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
