"""The benchmark's generator and runner (figures are never asserted: see make bench)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
                       "--out", str(out), "--work", str(tmp_path / "work")]) == 0
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
