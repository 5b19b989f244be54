"""One stack per agent, its own state, revocation by tombstone, deterministic output."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ..conftest import EXAMPLE, ROOT, TODAY_ARG, Synthesized, synthesize
from ..records import BASE, variant, write


def test_one_stack_per_agent_plus_foundation(synthesized_example: Synthesized) -> None:
    assert synthesized_example.stacks() == ["docs-reader", "foundation", "release-bot",
                                            "report-builder", "search-indexer",
                                            "triage-assistant"]


def test_revoked_agent_stack_has_zero_resources_but_keeps_providers(
    synthesized_example: Synthesized,
) -> None:
    stack = synthesized_example.stack("triage-assistant")
    assert synthesized_example.resource_count("triage-assistant") == 0
    assert "data" not in stack
    # Terraform needs the providers to destroy what the state still holds.
    assert set(stack["provider"]) >= {"aws", "github"}
    assert stack["terraform"]["backend"]["local"]["path"].endswith(
        "terraform.state/triage-assistant.tfstate")


def test_each_stack_has_its_own_local_state_outside_the_output(
    synthesized_example: Synthesized,
) -> None:
    paths = set()
    for name in synthesized_example.stacks():
        path = synthesized_example.stack(name)["terraform"]["backend"]["local"]["path"]
        assert path == f"../../../terraform.state/{name}.tfstate"
        paths.add(path)
    assert len(paths) == len(synthesized_example.stacks())


@pytest.mark.synth
def test_s3_backend_gives_each_agent_its_own_encrypted_locked_key(tmp_path: Path) -> None:
    text = variant("backend: {local: {}}",
                   "backend: {s3: {bucket: acme-agent-state, region: eu-west-1, "
                   "key_prefix: agents}}")
    out = synthesize(write(tmp_path, text), tmp_path / "out")
    for name in ("foundation", "release-bot"):
        assert out.stack(name)["terraform"]["backend"] == {"s3": {
            "bucket": "acme-agent-state", "key": f"agents/{name}.tfstate",
            "region": "eu-west-1", "encrypt": True, "use_lockfile": True}}


def test_synthesizing_twice_is_byte_identical(tmp_path: Path,
                                              synthesized_example: Synthesized) -> None:
    shutil.copy(EXAMPLE, tmp_path / "identities.yaml")
    again = synthesize(tmp_path / "identities.yaml", tmp_path / "cdktf.out")
    comparison = filecmp.dircmp(synthesized_example.outdir, again.outdir)
    assert _identical(comparison)


def _identical(cmp: filecmp.dircmp[str]) -> bool:
    _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files,
                                           shallow=False)
    return (not cmp.left_only and not cmp.right_only and not mismatch and not errors
            and all(_identical(sub) for sub in cmp.subdirs.values()))


@pytest.mark.synth
def test_synth_replaces_previous_output_whole(tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "gone-agent").mkdir(parents=True)
    out = synthesize(write(tmp_path, BASE), outdir)
    assert out.stacks() == ["foundation", "release-bot"]
    assert not any(p.name.startswith(".cdktf.out") for p in tmp_path.iterdir())


def cdktn_synth(tmp_path: Path, **env: str) -> Synthesized:
    """`npx cdktn synth` (the real CLI, from package.json) of the example in a fresh
    project, with ``env`` added to the environment."""
    npx = ROOT / ".venv" / "bin" / "npx"
    if not (ROOT / "node_modules" / ".bin" / "cdktn").exists():
        pytest.fail("node_modules is missing: run `make node` (make test does)")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("cdktf.json", "main.py", "identities.yaml"):
        shutil.copy(ROOT / name, project / name)
    os.symlink(ROOT / "node_modules", project / "node_modules")
    inherited = {k: v for k, v in os.environ.items() if k != "AGENTID_STACKS"}
    env = {**inherited, "AGENTID_TODAY": TODAY_ARG, "CHECKPOINT_DISABLE": "1",
           "PATH": f"{npx.parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT), **env}
    result = subprocess.run([str(npx), "--no-install", "cdktn", "synth"], cwd=project,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return Synthesized(project / "cdktf.out")


@pytest.mark.synth
def test_real_cdktn_cli_produces_the_same_stacks(tmp_path: Path,
                                                 synthesized_example: Synthesized) -> None:
    """`npx cdktn synth` (the real CLI, from package.json) == `agentid synth`."""
    cli = cdktn_synth(tmp_path)
    assert cli.stacks() == synthesized_example.stacks()
    for name in cli.stacks():
        assert cli.stack(name) == synthesized_example.stack(name), name


@pytest.mark.synth
def test_real_cdktn_cli_writes_only_the_stack_agentid_stacks_names(
    tmp_path: Path, synthesized_example: Synthesized,
) -> None:
    """What a CI matrix job does before `cdktn diff release-bot`."""
    cli = cdktn_synth(tmp_path, AGENTID_STACKS="release-bot")
    assert cli.stacks() == ["release-bot"]
    manifest = json.loads((cli.outdir / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == ["release-bot"]
    assert (cli.outdir / "stacks" / "release-bot" / "cdk.tf.json").read_bytes() == (
        synthesized_example.outdir / "stacks" / "release-bot" / "cdk.tf.json").read_bytes()


def test_cdktf_json_targets_the_same_versions_as_the_app() -> None:
    from cdk.synthesis import TARGET_VERSIONS

    config = json.loads((ROOT / "cdktf.json").read_text())
    assert config["targetVersions"] == TARGET_VERSIONS
    assert config["language"] == "python"
    # Optimized, as `agentid synth` re-runs itself: the bindings' run-time type
    # checks stay on in this suite, where every construct path runs.
    assert config["app"] == "python -O main.py"
    assert config["terraformProviders"] == []
