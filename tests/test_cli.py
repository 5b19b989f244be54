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


def test_synth_reruns_itself_under_python_o(tmp_path: Path) -> None:
    # The bindings' run-time type checks cost seconds per 1,000 agents; the
    # command re-executes (same pid) optimized before doing anything.
    code = ("import sys; print('optimize', sys.flags.optimize, flush=True); "
            "from cdk.cli import main; sys.exit(main())")
    args = ["synth", "-f", str(EXAMPLE), "--today", TODAY_ARG, "-o", str(tmp_path / "out")]
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[:2] == ["optimize 0", "optimize 1"]
    assert (tmp_path / "out" / "stacks" / "release-bot" / "cdk.tf.json").is_file()


@pytest.mark.parametrize(("command", "optimize", "environ", "rerun"), [
    ("synth", 0, {}, True),
    ("review", 0, {}, True),
    ("affected", 0, {}, True),
    ("validate", 0, {}, False),  # never loads the bindings
    ("synth", 1, {}, False),  # already optimized: no loop
    ("synth", 0, {"AGENTID_TYPE_CHECKS": "1"}, False),
])
def test_which_commands_rerun_optimized(command: str, optimize: int,
                                        environ: dict[str, str], rerun: bool) -> None:
    from cdk.runtime import optimized_argv

    argv = optimized_argv(command, ["/usr/bin/python3", "-m", "cdk.cli", command],
                          "/venv/bin/python", optimize, environ)
    assert argv == (["/venv/bin/python", "-O", "-m", "cdk.cli", command] if rerun else None)
