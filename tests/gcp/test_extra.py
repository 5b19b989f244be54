"""Without the Google provider bindings, synth says which extra to install."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main

from ..conftest import FIXTURES, TODAY_ARG


def test_missing_google_bindings_name_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a record that uses Google Cloud and no cdktn_provider_google installed
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "cdktn_provider_google" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    shutil.copy(FIXTURES / "gcp.yaml", tmp_path / "identities.yaml")
    outdir = tmp_path / "cdktf.out"

    # WHEN it is synthesized
    code = main(["synth", "-f", str(tmp_path / "identities.yaml"), "-o", str(outdir),
                 "--today", TODAY_ARG])

    # THEN synth stops with one line naming the extra, and writes nothing
    err = capsys.readouterr().err
    assert code == 1
    assert "pip install 'agentid[gcp]'" in err
    assert "Traceback" not in err
    assert not outdir.exists()
