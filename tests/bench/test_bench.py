"""The benchmark's generator and runner (figures are never asserted: see make bench)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.fastloop import FAST_LOOP
from bench.fastloop import markdown as fastloop_markdown
from bench.fastloop import write as write_fast_loop
from bench.generate import agent_name, write
from bench.run import main as bench_main
from cdk.validation import load

from ..conftest import TODAY


def test_generated_records_are_valid(tmp_path: Path) -> None:
    loaded = load(write(tmp_path / "identities.yaml", 25, TODAY), TODAY)
    agents = loaded.identities.agents
    assert [a.name for a in agents] == [agent_name(i) for i in range(25)]
    assert all(a.aws is not None for a in agents)
    assert loaded.identities.defaults.backend.kind == "s3"


def test_generated_agents_can_take_turns_on_three_clouds(tmp_path: Path) -> None:
    loaded = load(write(tmp_path / "identities.yaml", 6, TODAY, ("aws", "gcp", "azure")),
                  TODAY)
    agents = loaded.identities.agents
    assert [a.aws is not None for a in agents] == [True, False, False] * 2
    assert [a.gcp is not None for a in agents] == [False, True, False] * 2
    assert [a.azure is not None for a in agents] == [False, False, True] * 2


@pytest.mark.synth
def test_bench_runs_for_two_agents(tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert bench_main(["--sizes", "2", "--validate-only", "3", "--repeat", "1", "--mixed", "0",
                       "--out", str(out), "--work", str(tmp_path / "work"),
                       "--no-fast-loop"]) == 0
    results = json.loads((out / "results.json").read_text())
    two, three = results["sizes"]
    assert two["agents"] == 2 and two["stacks"] == 3 and "synth" in two
    assert three["agents"] == 3 and "synth" not in three
    # The largest synthesized size also explains itself.
    assert {"synth_type_checks", "synth_one_stack"} <= set(two)
    trips = two["round_trips"]
    assert trips["agents"] == 2 and trips["round_trips_per_agent"] > 0
    # One agent changed with the cache warm, and its review, beside a bare import.
    inc = results["incremental"]
    assert inc["agents"] == 2
    assert {"one_changed", "nothing_changed", "review_one_changed", "bare_import"} <= set(inc)
    assert {"one_changed_target", "review_one_changed_target", "cold_target"} <= set(
        results["summary"])
    assert results["mixed"] == []
    text = (out / "results.md").read_text()
    assert "| 2 |" in text and "synth, one agent changed" in text
    assert (out / "results.png").read_bytes()[:4] == b"\x89PNG"


LOOP = {"command": "python -m pytest -m 'not synth'", "tests": "600/985 tests collected",
        "seconds": 12.5, "cpu_seconds": 6.25, "runs": [12.5, 13.0, 11.0],
        "cpu_runs": [6.25, 6.5, 6.0], "load_before": "3.00 2.00 1.00",
        "load_after": "3.50 2.50 1.50",
        "bytecode": "not written (PYTHONDONTWRITEBYTECODE), none there",
        "calibration_cpu_seconds": 2.5,
        "target": {"limit_seconds": 10.0, "cpu_met": True, "wall_met": False}}


def test_the_fast_loop_row_gives_wall_and_cpu_time_and_the_target() -> None:
    text = fastloop_markdown(LOOP, {"cpus": 2, "python": "3.11.7", "date": "2026-12-02"})
    assert "`python -m pytest -m 'not synth'` (`make test-fast`): 600/985 tests" in text
    assert "| 3 | 12.50 | 6.25 | 12.50, 13.00, 11.00 | 6.25, 6.50, 6.00 |" in text
    assert "CPU time (what a quiet machine's wall time comes to): met" in text
    assert "wall time on this host: NOT met" in text
    assert "bytecode caches not written (PYTHONDONTWRITEBYTECODE), none there" in text
    assert "took 2.50 s CPU (median): the fast loop is 2.5 of it" in text


@pytest.mark.slow
def test_the_fast_loop_is_measured_in_a_fresh_pytest(tmp_path: Path) -> None:
    args = [*FAST_LOOP, "tests/test_synth_guard.py"]
    loop = write_fast_loop(tmp_path, 1, args)
    assert loop["tests"].endswith("tests collected") and loop["tests"][0].isdigit()
    assert loop["seconds"] > 0 and loop["cpu_seconds"] > 0 and len(loop["runs"]) == 1
    assert loop["calibration_cpu_seconds"] > 0
    assert set(loop["target"]) == {"limit_seconds", "cpu_met", "wall_met"}
    saved = json.loads((tmp_path / "fast-loop.json").read_text())
    assert saved["fast_loop"]["command"].endswith("tests/test_synth_guard.py")
    assert (tmp_path / "fast-loop.md").read_text().startswith("# The fast test loop")
