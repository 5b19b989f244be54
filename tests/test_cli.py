"""The `agentid` command: schema, explain, and what validate must never load."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main
from cdk.commands.check import schema_json

from .conftest import EXAMPLE, ROOT, TODAY_ARG
from .records import variant, write


def test_committed_schema_is_in_sync() -> None:
    committed = (ROOT / "identities.schema.json").read_text()
    assert committed == schema_json(), "run `agentid schema --write`"


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


@pytest.mark.slow
def test_validate_never_loads_provider_bindings(tmp_path: Path) -> None:
    code = ("import sys; from cdk.cli import main; rc = main(['validate', '-f', "
            f"{str(EXAMPLE)!r}, '--today', {TODAY_ARG!r}]); "
            "loaded = [m for m in sys.modules if m == 'jsii' or m.startswith('cdktn')]; "
            "print(loaded); sys.exit(rc or bool(loaded))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.synth
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


def _approval(login: str, environment: str, state: str = "approved") -> dict[str, Any]:
    """One entry of GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals."""
    return {"state": state, "comment": "", "user": {"login": login, "id": 1},
            "environments": [{"id": 2, "name": environment}]}


def _card(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["card", *args, "-f", str(EXAMPLE), "--today", TODAY_ARG])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_card_names_the_approver_github_recorded_for_the_agents_environment(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the run's approvals: alice approved release-bot's environment, mallory
    # another job's environment, and bob rejected it
    approvals = tmp_path / "approvals.json"
    approvals.write_text(json.dumps([_approval("mallory", "production"),
                                     _approval("bob", "agent-release-bot", "rejected"),
                                     _approval("alice", "agent-release-bot")]))
    # WHEN the card is made from them THEN alice, and only alice, is the approver
    code, out, err = _card(capsys, "release-bot", "--run-id", "7", "--approvals",
                           str(approvals))
    assert (code, err) == (0, "")
    assert "- **Human approver of this run:** `@alice`\n" in out
    assert "mallory" not in out and "bob" not in out


@pytest.mark.parametrize(("approvals", "message"), [
    ([], "approver not verified: "),
    ([_approval("mallory", "production")], "holds no approval of agent-release-bot"),
    ([_approval("alice", "agent-release-bot", "rejected")], "holds no approval"),
    ({"message": "Not Found"}, "not GitHub's approvals of a run"),
    ([{"state": "approved"}], "not GitHub's approvals of a run"),
    ([_approval("al`ice](x)", "agent-release-bot")], "is not a GitHub login"),
])
def test_card_without_a_github_approval_of_the_environment_names_no_approver(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], approvals: Any,
        message: str) -> None:
    path = tmp_path / "approvals.json"
    path.write_text(json.dumps(approvals))
    code, out, err = _card(capsys, "release-bot", "--approvals", str(path))
    assert (code, out) == (1, "")
    assert message in err and "Traceback" not in err


def test_card_refuses_an_approval_by_someone_the_record_does_not_list(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an agent whose approvers are people, and GitHub saying a stranger approved
    # (the environment's reviewers were changed outside agentid)
    text = variant('approvers: ["@acme/release-managers"]', 'approvers: ["@alice", "@bob"]')
    source = write(tmp_path, text)
    path = tmp_path / "approvals.json"
    path.write_text(json.dumps([_approval("mallory", "agent-release-bot")]))
    code = main(["card", "release-bot", "-f", str(source), "--today", TODAY_ARG,
                 "--approvals", str(path)])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert "approver not verified: GitHub says @mallory approved" in err
    # WHEN a listed person approved instead THEN the card names them
    path.write_text(json.dumps([_approval("Bob", "agent-release-bot")]))
    assert main(["card", "release-bot", "-f", str(source), "--today", TODAY_ARG,
                 "--approvals", str(path)]) == 0
    assert "- **Human approver of this run:** `@Bob`" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["@alice", "@acme/release-managers", "@acme/platform"])
def test_a_name_given_by_hand_is_not_verified_unless_the_record_lists_that_person(
        capsys: pytest.CaptureFixture[str], name: str) -> None:
    # release-bot's approvers are one team: no name given by hand can be checked
    code, out, err = _card(capsys, "release-bot", "--run-id", "7", "--approver", name)
    assert (code, out) == (1, "")
    assert err.startswith("agentid: approver not verified: ")
    assert "--approvals" in err


def test_a_name_given_by_hand_that_the_record_lists_is_printed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = variant('approvers: ["@acme/release-managers"]', 'approvers: ["@alice"]')
    code = main(["card", "release-bot", "-f", str(write(tmp_path, text)), "--today",
                 TODAY_ARG, "--approver", "@alice"])
    assert code == 0
    assert "- **Human approver of this run:** `@alice`" in capsys.readouterr().out


def test_schema_prints_and_write_regenerates_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    schema = schema_json()
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == schema
    # GIVEN a stale schema file in the working directory
    monkeypatch.chdir(tmp_path)
    (tmp_path / "identities.schema.json").write_text("{}\n")
    # WHEN `agentid schema --write` runs THEN the file is the current schema
    assert main(["schema", "--write"]) == 0
    assert capsys.readouterr().out == "wrote identities.schema.json\n"
    assert (tmp_path / "identities.schema.json").read_text() == schema
    assert main(["schema", "--write"]) == 0
    assert capsys.readouterr().out == "identities.schema.json is up to date\n"
    assert main(["schema", "--write", "other.json"]) == 0
    assert (tmp_path / "other.json").read_text() == schema
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "identities.schema.json", "other.json"]


def _subcommands() -> list[str]:
    from cdk.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _subcommands())
def test_every_subcommand_help_has_a_description_and_an_example(
        capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    description = lines[lines.index("") + 1]
    assert description.startswith(f"agentid {command}: ") and len(description) > 20
    example = out.split("\nexample:\n", 1)[1].splitlines()
    assert example and example[0].startswith(f"  agentid {command}")


@pytest.mark.parametrize(("workflow", "job", "agent"), [
    ("agent-workflow.yml", "release", "release-bot"),
    ("azure-agent-workflow.yml", "report", "report-builder"),
])
def test_example_workflows_take_the_cards_approver_from_the_runs_own_approval(
        workflow: str, job: str, agent: str) -> None:
    import yaml

    from .actionlint import actionlint_output

    path = ROOT / "examples" / workflow
    data = yaml.load(path.read_text(), Loader=yaml.BaseLoader)
    spec = data["jobs"][job]
    # The job may read its run's approvals with its own token, and nothing more.
    assert spec["permissions"]["actions"] == "read"
    [step] = [s for s in spec["steps"] if "agentid card" in s.get("run", "")]
    script = " ".join(step["run"].replace("\\\n", " ").split())
    assert step["env"] == {"GH_TOKEN": "${{ github.token }}"}
    assert ('gh api "repos/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/approvals" > '
            '"$RUNNER_TEMP/approvals.json"') in script
    assert (f'agentid card {agent} -f identities/identities.yaml --run-id "$GITHUB_RUN_ID" '
            '--approvals "$RUNNER_TEMP/approvals.json"') in script
    assert "--approver " not in path.read_text()
    # The card comes first: before any credential is issued, so it records the run
    # whatever it does next.
    assert spec["steps"].index(step) < min(
        i for i, s in enumerate(spec["steps"]) if "id-token" in str(s) or "login" in
        s.get("uses", "") or "credentials" in s.get("uses", ""))
    code, output = actionlint_output(path)
    assert code == 0, output
