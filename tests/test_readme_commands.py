"""The commands of the README and docs/*.md work as typed, in a fresh copy of the repository.

GIVEN a copy of the checkout as git sees it (tracked and new files, none it
ignores) with its own git history, WHEN the commands of the README and of the
pages under docs/ (deploy and destroy are in docs/deploying.md) run there THEN
they exit as the pages say. The copy reuses this checkout's `.venv`,
`.venv-gates` and `node_modules` (symlinks) and tells make to take them as
installed (`make -o FILE`: never remade, nothing remade because of them), so no
test reinstalls anything. `PYTHONPATH` points at the copy: the shared venv's
editable install would otherwise import another tree's code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT, TODAY_ARG

README = ROOT / "README.md"
PAGES = (README, *sorted((ROOT / "docs").glob("*.md")))
# What `make install`, `make dev`, `make gates` and `make node` leave behind.
INSTALLED = (".venv/.installed", ".venv/.activate", ".venv/.dev", ".venv-gates/.installed",
             "node_modules/.installed")
ASSUME_INSTALLED = [arg for path in INSTALLED for arg in ("-o", path)]
SHARED = (".venv", ".venv-gates", "node_modules")


def readme_commands() -> list[str]:
    """Every command line of the ``sh`` blocks of the README and docs/*.md, comments
    removed."""
    blocks = [block for page in PAGES
              for block in re.findall(r"^```sh\n(.*?)^```", page.read_text(), re.S | re.M)]
    lines = [line.split(" #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def make_commands() -> list[list[str]]:
    return [line.split()[1:] for line in readme_commands() if line.split()[0] == "make"]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    target = tmp_path_factory.mktemp("readme") / "agentid"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if name in SHARED or not source.is_file():
            continue  # a symlink of the shared environment, or a file deleted here
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    for name in SHARED:
        if (ROOT / name).exists():
            (target / name).symlink_to((ROOT / name).resolve())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c",
           "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-qm", "clone"], cwd=target, check=True)
    yield target


def run(clone: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CHECKPOINT_DISABLE", "DISABLE_VERSION_CHECK", "AGENTID_STACKS",
                        "AGENTID_FILE", "AGENTID_TODAY", "MAKEFLAGS", "MAKELEVEL")}
    env["PYTHONPATH"] = str(clone)
    return subprocess.run(list(command), cwd=clone, env=env, capture_output=True, text=True,
                          timeout=900)


def make(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(clone, "make", "--no-print-directory", *ASSUME_INSTALLED, *args)


def test_the_readme_gives_make_commands_for_every_step() -> None:
    targets = {args[0] for args in make_commands()}
    assert {"synth", "test", "test-fast", "validate", "verify", "review", "affected", "card",
            "schema", "atlantis", "diff", "deploy", "destroy"} <= targets
    # Commands outside make need the venv on PATH: Getting started says how.
    text = README.read_text()
    start = text.index("## Getting started")
    assert start < text.index("source .venv/bin/activate") < text.index("\n## ", start + 1)


@pytest.mark.parametrize("args", make_commands(), ids=" ".join)
def test_every_make_command_in_the_readme_is_a_target_that_takes_its_variables(
        clone: Path, args: list[str]) -> None:
    # Dry run: make resolves the target and its variables, runs nothing.
    result = make(clone, "-n", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), f"make {' '.join(args)} would do nothing"


@pytest.mark.parametrize(("args", "missing"), [
    (["deploy"], "AGENT"), (["diff"], "AGENT"), (["destroy"], "AGENT"), (["card"], "AGENT"),
    (["review"], "BASE"), (["affected"], "BASE"),
])
def test_a_command_without_its_variable_says_how_to_call_it(
        clone: Path, args: list[str], missing: str) -> None:
    result = make(clone, *args)
    assert result.returncode == 2
    assert f"{missing} is missing: make {args[0]} {missing}=" in result.stderr
    assert result.stdout == ""  # stopped before installing or running anything


def test_plan_apply_and_destroy_target_one_stack_without_telemetry(clone: Path) -> None:
    for verb in ("diff", "deploy", "destroy"):
        result = make(clone, "-n", verb, "AGENT=release-bot")
        assert result.stdout.strip().endswith(
            f"AGENTID_STACKS=release-bot {clone}/.venv/bin/npx --no-install cdktn {verb} "
            "release-bot")
    makefile = (clone / "Makefile").read_text()
    assert "export CHECKPOINT_DISABLE := 1" in makefile


def test_validate_card_review_schema_and_atlantis_run_as_typed(clone: Path) -> None:
    result = make(clone, "validate", f"TODAY={TODAY_ARG}")
    assert result.returncode == 0, result.stderr
    assert "identities.yaml: 5 agents, no problems" in result.stdout

    result = make(clone, "card", "AGENT=docs-reader", "RUN_ID=7", f"TODAY={TODAY_ARG}")
    assert result.returncode == 0, result.stderr
    assert "### Run identity: `agent-docs-reader`" in result.stdout

    result = make(clone, "review", "BASE=HEAD", "NO_SYNTH=1", f"TODAY={TODAY_ARG}")
    assert result.returncode == 0, result.stderr

    result = make(clone, "schema")
    assert result.returncode == 0, result.stderr
    assert "identities.schema.json is up to date" in result.stdout

    result = make(clone, "atlantis", f"TODAY={TODAY_ARG}")
    assert result.returncode == 0, result.stderr
    assert (clone / "atlantis.yaml").is_file()
    (clone / "atlantis.yaml").unlink()


def test_npm_scripts_turn_the_cli_telemetry_off() -> None:
    scripts = json.loads((ROOT / "package.json").read_text())["scripts"]
    assert set(scripts) >= {"synth", "diff", "deploy", "destroy", "cdktn"}
    for name, script in scripts.items():
        assert script.startswith("env CHECKPOINT_DISABLE=1 DISABLE_VERSION_CHECK=1 cdktn"), name


def test_activating_the_venv_turns_the_cli_telemetry_off(
        clone: Path, tmp_path: Path) -> None:
    # GIVEN a venv's activate script as `python -m venv` writes it (the real one is shared)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "activate").write_text('VIRTUAL_ENV="x"\nexport VIRTUAL_ENV\n')
    # WHEN make install's activate step runs, twice
    for _ in range(2):
        result = run(clone, "make", "--no-print-directory", f"VENV={venv}", "-o",
                     f"{venv}/.installed", f"{venv}/.activate")
        assert result.returncode == 0, result.stderr
        (venv / ".activate").unlink()
    # THEN the variables are set once, and a shell that sources it has them
    assert (venv / "bin" / "activate").read_text().count("CHECKPOINT_DISABLE") == 1
    shell = run(clone, "bash", "-c", f'source "{venv}/bin/activate" && '
                'echo "$CHECKPOINT_DISABLE $DISABLE_VERSION_CHECK"')
    assert shell.stdout == "1 1\n"


@pytest.mark.synth
def test_make_synth_writes_every_stack_without_a_telemetry_error(clone: Path) -> None:
    result = make(clone, "synth", f"TODAY={TODAY_ARG}")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ENOTFOUND" not in output and "checkpoint" not in output.lower()
    stacks = sorted(p.name for p in (clone / "cdktf.out" / "stacks").iterdir())
    assert stacks == ["docs-reader", "foundation", "release-bot", "report-builder",
                      "search-indexer", "triage-assistant"]
