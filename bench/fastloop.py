"""``make bench``'s row for the fast test loop: ``pytest -m "not synth"`` (make test-fast).

Issue #16 asks for that loop under 10 s. No test asserts a time (docs/architecture.md
§7), so the figure lives here: pytest in a fresh process, exactly as `make test-fast`
runs it, its wall time and its CPU time (user + system of pytest and every process it
starts) over a few runs, beside the load average. On a shared host the wall time
grows with the load while the CPU time barely moves: a single-threaded loop on a
quiet machine takes about its CPU time, so that is the figure the target reads.

``python -m bench.fastloop`` writes ``fast-loop.json`` and ``fast-loop.md`` into
``bench/results``; ``make bench`` (``bench.run``) writes them too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from .run import ROOT, _env, _median, load_average, machine, measure

FAST_LOOP = ["-m", "pytest", "-m", "not synth", "-q", "-p", "no:cacheprovider"]
LIMIT_SECONDS = 10.0
# A fixed pure-Python loop timed just before each run: how fast this host's cores were
# meanwhile. On a host shared with other work even CPU time stretches (caches and
# cores shared), so the loop's time divided by this one is the figure that travels.
CALIBRATION = "x = 0\nfor i in range(20_000_000):\n    x += i\n"


def _tests(pytest_args: list[str]) -> str:
    """pytest's own count of what the loop runs, e.g. ``600/985 tests collected``."""
    out = subprocess.run([sys.executable, *pytest_args, "--collect-only"], cwd=ROOT,
                         env=_env(), capture_output=True, text=True, check=True).stdout
    found = re.findall(r"^(\d+(?:/\d+)? tests? collected)", out, re.M)
    return found[-1] if found else "?"


def _bytecode() -> str:
    """Whether the runs could read compiled modules (and pytest's rewritten tests)."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return "written and read (the default)"
    cached = [p for p in ROOT.glob("*/**/__pycache__") if p.parts[len(ROOT.parts)] not in
              (".venv", ".venv-gates", "node_modules")]
    return ("not written (PYTHONDONTWRITEBYTECODE), "
            + ("some read, left by earlier runs" if cached else "none there: every module "
               "compiled, every test module's assertions rewritten, in every run"))


def run_fast_loop(repeat: int, pytest_args: list[str] | None = None) -> dict[str, Any]:
    """Median wall and CPU time of ``repeat`` runs of the fast loop (every run must pass)."""
    args = pytest_args or FAST_LOOP
    load_before = load_average()
    runs, calibration = [], []
    for _ in range(repeat):
        calibration.append(measure([sys.executable, "-c", CALIBRATION], ROOT))
        runs.append(measure([sys.executable, *args], ROOT))
    result = _median(runs)
    result["cpu_runs"] = [round(r["cpu_seconds"], 3) for r in runs]
    result["calibration_cpu_seconds"] = _median(calibration)["cpu_seconds"]
    cpu = result["cpu_seconds"]
    return {**result, "command": shlex.join(["python", *args]), "tests": _tests(args),
            "load_before": load_before, "load_after": load_average(),
            "bytecode": _bytecode(),
            "target": {"limit_seconds": LIMIT_SECONDS, "cpu_met": cpu < LIMIT_SECONDS,
                       "wall_met": result["seconds"] < LIMIT_SECONDS}}


def markdown(loop: dict[str, Any], where: dict[str, Any]) -> str:
    """The committed bench/results/fast-loop.md."""
    t = loop["target"]
    return "\n".join([
        "# The fast test loop",
        "",
        f"`{loop['command']}` (`make test-fast`): {loop['tests']}. Machine: "
        f"{where['cpus']} cores, Python {where['python']}; {where['date']}; load average "
        f"{loop['load_before']} before, {loop['load_after']} after; bytecode caches "
        f"{loop['bytecode']}.",
        "",
        "| runs | wall s (median) | CPU s (median) | wall s of each run | CPU s of each run |",
        "|---:|---:|---:|---|---|",
        f"| {len(loop['runs'])} | {loop['seconds']:.2f} | {loop['cpu_seconds']:.2f} | "
        f"{', '.join(f'{s:.2f}' for s in loop['runs'])} | "
        f"{', '.join(f'{s:.2f}' for s in loop['cpu_runs'])} |",
        "",
        f"Beside each run, a fixed pure-Python loop (`CALIBRATION` in bench/fastloop.py) "
        f"took {loop['calibration_cpu_seconds']:.2f} s CPU (median): the fast loop is "
        f"{loop['cpu_seconds'] / loop['calibration_cpu_seconds']:.1f} of it. CPU time "
        "stretches on a busy host too; that ratio travels between hosts and loads.",
        "",
        f"Target: under {t['limit_seconds']:.0f} s. CPU time (what a quiet machine's wall "
        f"time comes to): {'met' if t['cpu_met'] else 'NOT met'}; wall time on this host: "
        f"{'met' if t['wall_met'] else 'NOT met'}.",
        "",
    ])


def write(out: Path, repeat: int, pytest_args: list[str] | None = None) -> dict[str, Any]:
    """Measure the fast loop and write ``fast-loop.json`` and ``fast-loop.md`` into ``out``."""
    loop = run_fast_loop(repeat, pytest_args)
    where = machine()
    out.mkdir(parents=True, exist_ok=True)
    (out / "fast-loop.json").write_text(
        json.dumps({"machine": where, "fast_loop": loop}, indent=2, sort_keys=True) + "\n")
    (out / "fast-loop.md").write_text(markdown(loop, where))
    return loop


def main(argv: list[str] | None = None) -> int:
    """Measure the fast loop alone."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs (medians are reported)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    write(Path(args.out), args.repeat)
    print((Path(args.out) / "fast-loop.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
