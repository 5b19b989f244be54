"""A record that uses a cloud whose extra is missing gets a message naming the extra."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main
from cdk.extras import needed_extras
from cdk.validation import load

from .conftest import FIXTURES, TODAY, TODAY_ARG
from .records import BASE, variant, write


def _without(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    """Make ``module`` look uninstalled, as after `pip install agentid[github]`."""
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == module else real(name, *args, **kwargs)

    monkeypatch.setattr("cdk.extras.importlib.util.find_spec", find_spec)


# (extra, a module it installs, a file whose stacks need it)
MISSING = [
    pytest.param("aws", "cdktn_provider_aws", BASE, id="aws"),
    pytest.param("github", "cdktn_provider_github", BASE, id="github"),
    pytest.param("gcp", "cdktn_provider_google", (FIXTURES / "gcp.yaml").read_text(), id="gcp"),
    pytest.param("azure", "cdktn_provider_azurerm", (FIXTURES / "azure.yaml").read_text(),
                 id="azure"),
]


@pytest.mark.parametrize(("extra", "module", "text"), MISSING)
def test_a_missing_extra_is_named_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    extra: str, module: str, text: str,
) -> None:
    # GIVEN a file that needs the extra, and its bindings not installed
    _without(monkeypatch, module)
    out = tmp_path / "cdktf.out"

    # WHEN it is synthesized
    rc = main(["synth", "-f", str(write(tmp_path, text)), "-o", str(out), "--today", TODAY_ARG])

    # THEN synth stops with one line naming the extra, and writes nothing
    assert rc == 1
    err = capsys.readouterr().err
    assert f"pip install 'agentid[{extra}]'" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["identities.yaml"]


def test_a_github_only_file_does_not_need_the_aws_extra(tmp_path: Path) -> None:
    text = variant('  aws: {account_id: "123456789012", region: eu-west-1}\n', "")
    text = text[:text.index("    aws:\n      access:")]
    loaded = load(write(tmp_path, text), TODAY)
    assert needed_extras(loaded.identities) == ["github"]


def test_validate_needs_no_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _without(monkeypatch, "cdktn_provider_aws")
    assert main(["validate", "-f", str(write(tmp_path, BASE)), "--today", TODAY_ARG]) == 0
