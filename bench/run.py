"""``make bench``: how agentid scales with the number of agents.

For each size, ``agentid validate`` and ``agentid synth`` run in fresh
processes on a generated file of AWS + GitHub agents; next to them, in the same
run, a process that only imports the provider bindings a synth needs, under
``python -O`` as a synth runs (the floor no synth can go below). Writes
``results.json``, ``results.md`` and ``results.png`` into the output directory.

Every synth row but the incremental ones starts from an empty synth cache
(``.agentid-cache/``), so it constructs every stack and also writes the cache.
The incremental rows change one agent of the largest file and synthesize it with
the cache warm, and review a one-agent change against the base file.

Targets (ratios, so they travel between machines): synth of 1,000 agents at
most 1.5x the bare import (and, with the cache, cold no slower than the 3.42x
measured before it); one agent changed with a warm cache at most 1.3x; review of
a one-agent change at most 2x; peak RSS at most 2.5 GB; validate of 10,000
agents under 2 s without Node. Then the fast test loop, ``pytest -m "not synth"``,
under 10 s (bench/fastloop.py; bench/results/fast-loop.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from .generate import write

ROOT = Path(__file__).resolve().parent.parent
GIB = 1024**3

# Imports every construct module agentid's stacks use, and through them exactly
# the provider bindings a synth loads (including any a later change adds).
BARE_IMPORT_OF = """
from cdk.runtime import import_constructs
import_constructs({clouds!r})
import sys
assert all(f"cdktn_provider_{{m}}" in sys.modules for m in {providers!r})
"""
BARE_IMPORT = BARE_IMPORT_OF.format(clouds=["aws", "github"], providers=["aws", "github"])
# Every cloud's bindings: the floor of a synth with AWS, Google Cloud and Azure agents.
BARE_IMPORT_ALL = BARE_IMPORT_OF.format(
    clouds=["aws", "github", "gcp", "azure"], providers=["aws", "github", "google", "azurerm"])
CLOUDS = ("aws", "gcp", "azure")
# validate takes a second or two: more runs steady its median on a shared host.
VALIDATE_REPEAT = 5
# The 1,000-agent synth before the synth cache existed (bench/results of 2026-11-29).
COLD_BEFORE_CACHE = 3.42
CACHE_DIR = ".agentid-cache"

# validate must never start Node: checked in the same process it is timed in.
# main() reads sys.argv itself, exactly as the `agentid` console script calls it.
VALIDATE = """
import sys
from cdk.cli import main
rc = main()
if "jsii" in sys.modules:
    sys.exit("validate loaded jsii")
sys.exit(rc)
"""


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "AGENTID_TYPE_CHECKS")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return {**env, **(extra or {})}


def measure(argv: list[str], cwd: Path, extra_env: dict[str, str] | None = None,
            ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """Run ``argv`` under a fresh :mod:`bench.measure` wrapper; fail loudly on error
    (an exit code outside ``ok``)."""
    wrapper = [sys.executable, "-m", "bench.measure", *argv]
    out = subprocess.run(wrapper, cwd=cwd, env=_env(extra_env), capture_output=True,
                         text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    if result["returncode"] not in ok:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result['stderr']}")
    return result


def cold(folder: Path) -> Path:
    """Remove ``folder``'s synth cache, so the next synth constructs every stack."""
    shutil.rmtree(folder / CACHE_DIR, ignore_errors=True)
    return folder


def measure_cold(argv: list[str], folder: Path, extra_env: dict[str, str] | None = None
                 ) -> dict[str, Any]:
    """:func:`measure` of a synth that starts from an empty synth cache."""
    return measure(argv, cold(folder), extra_env)


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"seconds": statistics.median(r["seconds"] for r in runs),
            "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
            "peak_rss_bytes": max(r["peak_rss_bytes"] for r in runs),
            "runs": [round(r["seconds"], 3) for r in runs]}


def run_size(work: Path, count: int, today: date, synth: bool, repeat: int,
             bare_runs: list[dict[str, Any]], largest: bool = False) -> dict[str, Any]:
    """Generate ``count`` agents, then validate (and synth) them in fresh processes.

    Each synth run is preceded by a bare-import run, so both see the same load
    on a shared machine; their medians make the ratio. For the largest size
    also: the same synth with the bindings' type checks on, the synth of one
    selected stack (what a CI matrix job runs), and a count of jsii round trips.
    """
    folder = work / f"n{count}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    source = write(folder / "identities.yaml", count, today)
    args = ["-f", str(source), "--today", today.isoformat()]
    row: dict[str, Any] = {"agents": count, "validate": _median([
        measure([sys.executable, "-c", VALIDATE, "validate", *args], folder)
        for _ in range(max(repeat, VALIDATE_REPEAT))])}
    if not synth:
        return row
    outdir = folder / "cdktf.out"
    synth_argv = [sys.executable, "-m", "cdk.cli", "synth", *args, "-o", str(outdir)]
    runs = []
    for _ in range(repeat):
        bare_runs.append(measure([sys.executable, "-O", "-c", BARE_IMPORT], folder))
        runs.append(measure_cold(synth_argv, folder))
    row["synth"] = _median(runs)
    stacks = outdir / "stacks"
    row["stacks"] = sum(1 for _ in stacks.iterdir())
    row["resources_per_agent"] = _resources(stacks / "bench-agent-00000" / "cdk.tf.json")
    if largest:
        row["synth_type_checks"] = _median([
            measure_cold(synth_argv, folder, {"AGENTID_TYPE_CHECKS": "1"})
            for _ in range(repeat)])
        row["synth_one_stack"] = _median([
            measure_cold([*synth_argv, "--stack", "bench-agent-00000"], folder)
            for _ in range(repeat)])
        row["round_trips"] = json.loads(subprocess.run(
            [sys.executable, "-O", "-m", "bench.roundtrips", str(source), today.isoformat()],
            cwd=ROOT, env=_env(), capture_output=True, text=True, check=True).stdout)
    shutil.rmtree(outdir)
    cold(folder)
    return row


def _edit(text: str, i: int, label: str) -> str:
    """``text`` with agent ``i``'s description changed (its record, nothing else)."""
    old = f"description: Generated agent number {i} for the benchmark\n"
    assert text.count(old) == 1, old
    return text.replace(old, f"description: Generated agent number {i} ({label})\n")


def _base_args(path: Path) -> list[str]:
    """The review's base as a file: ``--base-file`` where the CLI has it, else ``--base``."""
    from cdk.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    options = {o for a in sub.choices["review"]._actions for o in a.option_strings}
    return ["--base-file" if "--base-file" in options else "--base", str(path)]


def run_incremental(work: Path, count: int, today: date, repeat: int) -> dict[str, Any]:
    """What a pull request waits for: ``count`` agents, one changed, the cache warm.

    The cache is warmed by one synth of the unchanged file. Each run then changes
    another agent (so exactly one stack has no entry) and synthesizes; each review
    compares the unchanged file (base) with one where another agent changed
    (head). Every run is preceded by a bare import, as in :func:`run_size`.
    """
    folder = work / f"incremental{count}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    source = write(folder / "identities.yaml", count, today)
    base = folder / "base.yaml"
    base.write_text(source.read_text())
    args = ["--today", today.isoformat()]
    synth_argv = [sys.executable, "-m", "cdk.cli", "synth", "-f", str(source), *args,
                  "-o", str(folder / "cdktf.out")]
    warm_up = measure(synth_argv, folder)
    bare, changed, unchanged, reviews = [], [], [], []
    for r in range(repeat):
        source.write_text(_edit(base.read_text(), r % count, f"synth {r}"))
        bare.append(measure([sys.executable, "-O", "-c", BARE_IMPORT], folder))
        changed.append(measure(synth_argv, folder))
    for _ in range(repeat):
        unchanged.append(measure(synth_argv, folder))
    head = folder / "head.yaml"
    review_argv = [sys.executable, "-m", "cdk.cli", "review", "-f", str(head),
                   *_base_args(base), *args, "--format", "json"]
    for r in range(repeat):
        head.write_text(_edit(base.read_text(), (count // 2 + r) % count, f"review {r}"))
        bare.append(measure([sys.executable, "-O", "-c", BARE_IMPORT], folder))
        # Exit 1 is a packet that asks for more review: still a complete review.
        reviews.append(measure(review_argv, folder, ok=(0, 1)))
    shutil.rmtree(folder / "cdktf.out")
    return {"agents": count, "warm_up": _median([warm_up]), "bare_import": _median(bare),
            "one_changed": _median(changed), "nothing_changed": _median(unchanged),
            "review_one_changed": _median(reviews)}


def run_mixed(work: Path, count: int, today: date, repeat: int) -> dict[str, Any]:
    """Synth of ``count`` agents taking turns on AWS, Google Cloud and Azure."""
    folder = work / f"mixed{count}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    source = write(folder / "identities.yaml", count, today, CLOUDS)
    argv = [sys.executable, "-m", "cdk.cli", "synth", "-f", str(source), "--today",
            today.isoformat(), "-o", str(folder / "cdktf.out")]
    bare, runs = [], []
    for _ in range(repeat):
        bare.append(measure([sys.executable, "-O", "-c", BARE_IMPORT_ALL], folder))
        runs.append(measure_cold(argv, folder))
    shutil.rmtree(folder / "cdktf.out")
    cold(folder)
    return {"agents": count, "clouds": list(CLOUDS), "bare_import": _median(bare),
            "synth": _median(runs)}


def _resources(path: Path) -> int:
    data = json.loads(path.read_text())
    return sum(len(v) for section in ("resource", "data")
               for v in data.get(section, {}).values())


def load_average() -> str:
    """``uptime``'s 1, 5 and 15 minute load averages: how busy the host was."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine() -> dict[str, Any]:
    """What the figures came from."""
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "memory_gib": round(mem / GIB, 1),
            "load_before": load_average(),
            "python": platform.python_version(), "platform": platform.platform(),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    """Ratios against the bare import, marginal cost per agent and the targets."""
    bare = results["bare_import"]["seconds"]
    rows = {r["agents"]: r for r in results["sizes"]}
    synths = sorted(n for n, r in rows.items() if "synth" in r)
    for n in synths:
        rows[n]["synth_ratio"] = rows[n]["synth"]["seconds"] / bare
    marginal = {}
    for lo, hi in zip(synths, synths[1:], strict=False):
        delta = rows[hi]["synth"]["seconds"] - rows[lo]["synth"]["seconds"]
        marginal[f"{lo}->{hi}"] = delta / (hi - lo)
    summary: dict[str, Any] = {"marginal_synth_seconds_per_agent": marginal}
    biggest = synths[-1] if synths else None
    if biggest is not None:
        summary["synth_ratio_target"] = {
            "agents": biggest, "ratio": rows[biggest]["synth_ratio"], "limit": 1.5,
            "met": rows[biggest]["synth_ratio"] <= 1.5}
        peak = rows[biggest]["synth"]["peak_rss_bytes"]
        summary["rss_target"] = {"agents": biggest, "gib": peak / GIB, "limit_gb": 2.5,
                                 "met": peak <= 2.5e9}
    if biggest is not None:
        summary["cold_target"] = {
            "agents": biggest, "ratio": rows[biggest]["synth_ratio"],
            "limit": COLD_BEFORE_CACHE, "met": rows[biggest]["synth_ratio"] <= COLD_BEFORE_CACHE}
    inc = results.get("incremental")
    if inc:
        inc_bare = inc["bare_import"]["seconds"]
        for name, limit in (("one_changed", 1.3), ("review_one_changed", 2.0)):
            ratio = inc[name]["seconds"] / inc_bare
            summary[f"{name}_target"] = {"agents": inc["agents"], "ratio": ratio,
                                         "limit": limit, "met": ratio <= limit,
                                         "cpu_ratio": inc[name]["cpu_seconds"]
                                         / inc["bare_import"]["cpu_seconds"]}
    largest_validate = max(rows)
    secs = rows[largest_validate]["validate"]["seconds"]
    summary["validate_target"] = {
        "agents": largest_validate, "seconds": secs, "limit": 2.0, "met": secs < 2.0,
        "cpu_seconds": rows[largest_validate]["validate"]["cpu_seconds"]}
    return summary


def markdown(results: dict[str, Any]) -> str:
    """The table committed in bench/results/results.md and quoted in docs/performance.md."""
    m, bare, s = results["machine"], results["bare_import"], results["summary"]
    lines = [
        "# agentid benchmark",
        "",
        f"Machine: {m['cpus']} cores, {m['memory_gib']} GiB RAM, Python {m['python']}, "
        f"{m['platform']}; {m['date']}; load average before the run "
        f"{m.get('load_before', '?')}, after {m.get('load_after', '?')}. "
        "Generated AWS + GitHub agents "
        "(`bench/generate.py`), each command in a fresh process; peak RSS counts the "
        "Python process and the Node.js process jsii starts together.",
        "",
        f"Bare import of the provider bindings a synth loads (`python -O`, as synth runs): "
        f"**{bare['seconds']:.2f} s**, "
        f"{bare['peak_rss_bytes'] / 2**20:.0f} MiB (median of {len(bare['runs'])} runs, "
        "each just before a synth run). Times are medians of "
        f"{results['repeat']} runs ({VALIDATE_REPEAT} for validate); CPU is user + system "
        "time of every process the command ran, steadier than wall time on a shared host.",
        "",
        "| agents | validate s | validate CPU s | validate MiB | synth s | synth CPU s | "
        "synth / bare import | synth peak MiB | resources+data per agent |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["sizes"]:
        v = row["validate"]
        cells = [f"{row['agents']:,}", f"{v['seconds']:.2f}", f"{v['cpu_seconds']:.2f}",
                 f"{v['peak_rss_bytes'] / 2**20:.0f}"]
        if "synth" in row:
            cells += [f"{row['synth']['seconds']:.2f}", f"{row['synth']['cpu_seconds']:.2f}",
                      f"{row['synth_ratio']:.2f}x",
                      f"{row['synth']['peak_rss_bytes'] / 2**20:.0f}",
                      str(row["resources_per_agent"])]
        else:
            cells += ["—", "—", "—", "—", "—"]
        lines.append("| " + " | ".join(cells) + " |")
    for row in results["sizes"]:
        n, bare_s = f"{row['agents']:,}", bare["seconds"]
        if "synth_one_stack" in row:
            one = row["synth_one_stack"]["seconds"]
            lines += ["", f"Synth of one selected stack of {n} agents (`--stack`, what a CI "
                      f"matrix job plans): {one:.2f} s, {one / bare_s:.2f}x the bare import."]
        if "synth_type_checks" in row:
            checked = row["synth_type_checks"]["seconds"]
            lines += ["", f"Synth of {n} agents with the bindings' run-time type checks on "
                      f"(`AGENTID_TYPE_CHECKS=1`, no `python -O`): {checked:.2f} s, "
                      f"{checked / bare_s:.2f}x the bare import."]
        if "round_trips" in row:
            t = row["round_trips"]
            lines += ["", f"Where the {n}-agent synth goes (`bench/roundtrips.py`, one "
                      f"in-process run): {t['round_trips_per_agent']:.1f} jsii round trips "
                      f"into Node per agent at {t['mean_round_trip_ms']:.2f} ms each "
                      f"(Node's share {t['node_share_of_build']:.0%}, the rest Python "
                      f"serializing); building the stacks {t['build_seconds']:.2f} s, "
                      f"writing them {t['write_seconds']:.2f} s."]
    inc = results.get("incremental")
    if inc:
        b = inc["bare_import"]
        lines += ["", f"## Incremental: {inc['agents']:,} agents, one changed, synth cache warm",
                  "",
                  f"The cache warmed by one synth of the file ({inc['warm_up']['seconds']:.2f} "
                  "s, constructing every stack and writing the cache); then each run changes "
                  "another agent's record. Bare import beside these runs: "
                  f"{b['seconds']:.2f} s ({b['cpu_seconds']:.2f} s CPU, median of "
                  f"{len(b['runs'])}).", "",
                  "| command | s | CPU s | / bare import | CPU / bare CPU | peak MiB |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name, label in (("one_changed", "synth, one agent changed"),
                            ("nothing_changed", "synth, nothing changed"),
                            ("review_one_changed", "review of a one-agent change "
                             "(base and head)")):
            m = inc[name]
            lines.append(f"| {label} | {m['seconds']:.2f} | {m['cpu_seconds']:.2f} | "
                         f"{m['seconds'] / b['seconds']:.2f}x | "
                         f"{m['cpu_seconds'] / b['cpu_seconds']:.2f}x | "
                         f"{m['peak_rss_bytes'] / 2**20:.0f} |")
    mixed = results.get("mixed") or []
    if isinstance(mixed, dict):
        mixed = [mixed]
    if mixed:
        lines += ["", "## AWS, Google Cloud and Azure agents taking turns (cache cold)", "",
                  "| agents | synth s | synth CPU s | bare import of all four clouds s | "
                  "synth / bare import | synth peak MiB | bare peak MiB |",
                  "|---:|---:|---:|---:|---:|---:|---:|"]
        for mx in mixed:
            ratio = mx["synth"]["seconds"] / mx["bare_import"]["seconds"]
            lines.append(f"| {mx['agents']:,} | {mx['synth']['seconds']:.2f} | "
                         f"{mx['synth']['cpu_seconds']:.2f} | "
                         f"{mx['bare_import']['seconds']:.2f} | {ratio:.2f}x | "
                         f"{mx['synth']['peak_rss_bytes'] / 2**20:.0f} | "
                         f"{mx['bare_import']['peak_rss_bytes'] / 2**20:.0f} |")
    lines += ["", "Marginal synth cost per agent:"]
    for span, secs in s["marginal_synth_seconds_per_agent"].items():
        lines.append(f"- {span} agents: {secs * 1000:.1f} ms per agent")
    lines += ["", "Targets:"]
    if "synth_ratio_target" in s:
        t = s["synth_ratio_target"]
        lines.append(f"- synth of {t['agents']:,} agents <= 1.5x bare import: "
                     f"{t['ratio']:.2f}x — {'met' if t['met'] else 'NOT met'}")
        r = s["rss_target"]
        lines.append(f"- peak RSS of that synth <= 2.5 GB: {r['gib']:.2f} GiB — "
                     f"{'met' if r['met'] else 'NOT met'}")
    if "cold_target" in s:
        t = s["cold_target"]
        lines.append(f"- cold synth of {t['agents']:,} agents (empty cache, writing it) no "
                     f"slower than before the cache ({t['limit']:.2f}x): {t['ratio']:.2f}x — "
                     f"{'met' if t['met'] else 'NOT met'}")
    for name, what in (("one_changed_target", "one agent changed, cache warm: synth"),
                       ("review_one_changed_target", "review of a one-agent change")):
        if name in s:
            t = s[name]
            lines.append(f"- {what} of {t['agents']:,} agents <= {t['limit']}x bare import: "
                         f"{t['ratio']:.2f}x ({t['cpu_ratio']:.2f}x in CPU time) — "
                         f"{'met' if t['met'] else 'NOT met'}")
    t = s["validate_target"]
    lines.append(f"- validate of {t['agents']:,} agents < 2 s without Node: "
                 f"{t['seconds']:.2f} s ({t['cpu_seconds']:.2f} s CPU) — "
                 f"{'met' if t['met'] else 'NOT met'}")
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> None:
    """Time and peak RSS against agents, with the bare import as the floor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["sizes"]
    synth = [r for r in rows if "synth" in r]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot([r["agents"] for r in rows], [r["validate"]["seconds"] for r in rows], "o-",
              label="validate")
    left.plot([r["agents"] for r in synth], [r["synth"]["seconds"] for r in synth], "s-",
              label="synth")
    one = [r for r in synth if "synth_one_stack" in r]
    left.plot([r["agents"] for r in one], [r["synth_one_stack"]["seconds"] for r in one], "D",
              label="synth of one selected stack")
    inc = results.get("incremental")
    if inc:
        for name, marker, label in (("one_changed", "^", "synth, one changed, cache warm"),
                                    ("review_one_changed", "v", "review of a one-agent change")):
            left.plot([inc["agents"]], [inc[name]["seconds"]], marker, label=label)
    mixed = results.get("mixed") or []
    mixed = [mixed] if isinstance(mixed, dict) else mixed
    if mixed:
        left.plot([m["agents"] for m in mixed], [m["synth"]["seconds"] for m in mixed], "x-",
                  label="synth, AWS + Google Cloud + Azure")
        left.plot([m["agents"] for m in mixed], [m["bare_import"]["seconds"] for m in mixed],
                  "x:", color="grey", label="bare import, all four clouds")
    bare = results["bare_import"]["seconds"]
    left.axhline(bare, color="grey", linestyle="--", label="bare provider import")
    left.axhline(1.5 * bare, color="red", linestyle=":", label="1.5x bare import")
    left.set(xscale="log", xlabel="agents", ylabel="wall time (s)", title="Time")
    left.legend(fontsize="x-small")
    right.plot([r["agents"] for r in rows],
               [r["validate"]["peak_rss_bytes"] / 2**20 for r in rows], "o-", label="validate")
    right.plot([r["agents"] for r in synth],
               [r["synth"]["peak_rss_bytes"] / 2**20 for r in synth], "s-", label="synth")
    right.axhline(2.5e9 / 2**20, color="red", linestyle=":", label="2.5 GB")
    right.set(xscale="log", xlabel="agents", ylabel="peak RSS (MiB)", title="Memory")
    right.legend()
    m = results["machine"]
    fig.suptitle(f"agentid on {m['cpus']} cores, {m['memory_gib']} GiB ({m['date']})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,100,1000",
                        help="agent counts to validate and synth")
    parser.add_argument("--validate-only", default="10000",
                        help="agent counts to validate only ('' for none)")
    parser.add_argument("--mixed", default="100,1000",
                        help="agent counts of the AWS + Google Cloud + Azure synth "
                        "('' or 0 for none)")
    parser.add_argument("--no-extras", action="store_true",
                        help="skip the largest size's type-checked synth, one-stack synth "
                        "and round-trip count")
    parser.add_argument("--no-incremental", action="store_true",
                        help="skip the one-changed synth and review of the largest size")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement (medians are reported)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--work", default=str(ROOT / "bench" / "work"))
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--no-fast-loop", action="store_true",
                        help="skip timing the fast test loop (bench/fastloop.py)")
    args = parser.parse_args(argv)
    today = datetime.now(timezone.utc).date()
    work, out = Path(args.work), Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [int(n) for n in args.sizes.split(",") if n]
    validate_only = [int(n) for n in args.validate_only.split(",") if n]

    results: dict[str, Any] = {"machine": machine(), "repeat": args.repeat}
    bare_runs: list[dict[str, Any]] = []
    results["sizes"] = []
    for count in sizes + validate_only:
        print(f"{count} agents ...", file=sys.stderr)
        results["sizes"].append(run_size(work, count, today, count in sizes, args.repeat,
                                         bare_runs, largest=bool(sizes) and count == max(sizes)
                                         and not args.no_extras))
    if not bare_runs:
        bare_runs = [measure([sys.executable, "-O", "-c", BARE_IMPORT], work)]
    results["bare_import"] = _median(bare_runs)
    if sizes and not args.no_incremental:
        print(f"{max(sizes)} agents, one changed, cache warm ...", file=sys.stderr)
        results["incremental"] = run_incremental(work, max(sizes), today, args.repeat)
    results["mixed"] = []
    for count in (int(n) for n in args.mixed.split(",") if n and n != "0"):
        print(f"{count} agents on three clouds ...", file=sys.stderr)
        results["mixed"].append(run_mixed(work, count, today, args.repeat))
    results["machine"]["load_after"] = load_average()
    results["summary"] = summarize(results)
    (out / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    text = markdown(results)
    (out / "results.md").write_text(text)
    if not args.no_plot:
        plot(results, out / "results.png")
    print(text)
    if not args.no_fast_loop:
        from .fastloop import write as write_fast_loop

        print("the fast test loop ...", file=sys.stderr)
        write_fast_loop(out, args.repeat)
        print((out / "fast-loop.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
