"""The `agentid` command: schema, explain, and what validate must never load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cdk.cli import main, schema_json

from .conftest import EXAMPLE, ROOT, TODAY_ARG


def test_committed_schema_is_in_sync() -> None:
    committed = (ROOT / "identities.schema.json").read_text()
    assert committed == schema_json(), "run `agentid schema > identities.schema.json`"


def test_example_points_editors_at_the_schema() -> None:
    first = EXAMPLE.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=./identities.schema.json"


def test_schema_forbids_unknown_keys() -> None:
    schema = json.loads(schema_json())
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Agent"]["additionalProperties"] is False
    assert set(schema["$defs"]["Agent"]["required"]) >= {
        "name", "owner", "approvers", "expires", "runs_on"}


def test_validate_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", str(EXAMPLE), "--today", TODAY_ARG]) == 0
    assert "5 agents, no problems" in capsys.readouterr().out


def test_explain_prints_why_a_rule_exists(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--explain", "AgentId-ExpiryBeyondPolicy"]) == 0
    assert "max_lifetime_days" in capsys.readouterr().out


def test_explain_unknown_rule_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--explain", "AgentId-Nope"]) == 2


def test_unknown_command_is_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


def test_validate_never_loads_provider_bindings(tmp_path: Path) -> None:
    code = ("import sys; from cdk.cli import main; rc = main(['validate', '-f', "
            f"{str(EXAMPLE)!r}, '--today', {TODAY_ARG!r}]); "
            "loaded = [m for m in sys.modules if m == 'jsii' or m.startswith('cdktn')]; "
            "print(loaded); sys.exit(rc or bool(loaded))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
