"""Nothing lost on failure: a killed synth leaves the previous output whole.

GIVEN a previous synthesis in cdktf.out, WHEN `agentid synth` is killed with
SIGKILL while it writes its staging directory, THEN cdktf.out is exactly the
previous output, and the next synth replaces it cleanly.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cdk.commands.synth import _swap

from .conftest import EXAMPLE, ROOT, TODAY_ARG


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.synth
def test_sigkill_mid_synth_leaves_previous_output_intact(tmp_path: Path) -> None:
    # GIVEN a previous output with a marker no synthesis would write
    shutil.copy(EXAMPLE, tmp_path / "identities.yaml")
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "old-agent").mkdir(parents=True)
    (outdir / "stacks" / "old-agent" / "cdk.tf.json").write_text('{"previous": true}\n')
    before = snapshot(outdir)

    # WHEN synth runs and is killed once its staging directory has content
    process = subprocess.Popen(
        [sys.executable, "-m", "cdk.cli", "synth", "-f", str(tmp_path / "identities.yaml"),
         "-o", str(outdir), "--today", TODAY_ARG],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = None
    # Polling, not timing: the loop ends when staging has content or synth ends.
    while process.poll() is None:
        found = sorted(tmp_path.glob(".cdktf.out.incomplete-*"))
        if found and any(found[0].iterdir()):
            staging = found[0]
            break
        time.sleep(0.005)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()

    # THEN the previous output is byte for byte what it was
    assert staging is not None, "synth finished before its staging directory was seen"
    assert process.returncode == -signal.SIGKILL
    assert snapshot(outdir) == before
    leftovers = {p.name.split("-")[0] for p in tmp_path.iterdir()} - {"identities.yaml"}
    # (".agentid" is the synth cache, outside the output: cdk/synth_cache/)
    assert leftovers <= {"cdktf.out", ".cdktf.out.incomplete", ".agentid"}

    # AND the next synth replaces it whole
    result = subprocess.run(
        [sys.executable, "-m", "cdk.cli", "synth", "-f", str(tmp_path / "identities.yaml"),
         "-o", str(outdir), "--today", TODAY_ARG], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "old-agent" not in {p.name for p in (outdir / "stacks").iterdir()}


def test_swap_exchanges_whole_directories(tmp_path: Path) -> None:
    # GIVEN an output and a finished staging directory
    outdir, staging = tmp_path / "out", tmp_path / "staging"
    outdir.mkdir()
    (outdir / "old.json").write_text("old")
    staging.mkdir()
    (staging / "new.json").write_text("new")

    # WHEN they are swapped
    _swap(staging, outdir)

    # THEN the output is the new one, whole; nothing of the old one remains in it
    assert snapshot(outdir) == {"new.json": b"new"}
    assert not staging.exists() or snapshot(staging) == {"old.json": b"old"}
