"""Wall time and peak RSS of one command and every process it starts.

Peak RSS of the tree is sampled from /proc (Python and the Node.js process
jsii starts are counted together); ``getrusage(RUSAGE_CHILDREN)`` gives the
kernel's exact peak of the largest single process as a floor, and is all that
is reported where /proc is missing.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class Measurement:
    """One run of one command."""

    seconds: float
    peak_rss_bytes: int
    cpu_seconds: float
    returncode: int
    stderr: str


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in (PROC / str(pid) / "task").iterdir():
            text = (task / "children").read_text()
            found.extend(int(c) for c in text.split())
    except OSError:
        pass
    return found


def _rss(pid: int) -> int:
    try:
        fields = (PROC / str(pid) / "statm").read_text().split()
        return int(fields[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in bytes."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss(pid)
        stack.extend(_children(pid))
    return total


def run(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
        interval: float = 0.02) -> Measurement:
    """Run ``argv`` to completion; wall time and peak RSS of its process tree.

    Meant to be called from a fresh wrapper process per measurement (see
    :func:`main`), so RUSAGE_CHILDREN holds this command's processes only.
    """
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    if PROC.exists():
        sampler.start()
    _, stderr = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    if sampler.is_alive():
        sampler.join()
    # ru_maxrss is KiB on Linux: the exact peak of the largest single descendant.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    largest = usage.ru_maxrss * 1024
    # CPU of every process the command ran: steadier than wall time on a shared host.
    cpu = usage.ru_utime + usage.ru_stime
    return Measurement(seconds, max(peak, largest), cpu, proc.returncode, stderr)


def main() -> None:
    """``python -m bench.measure CMD...``: print ``seconds peak_bytes rc`` as JSON."""
    import json
    import sys

    result = run(sys.argv[1:])
    json.dump({"seconds": result.seconds, "peak_rss_bytes": result.peak_rss_bytes,
               "cpu_seconds": result.cpu_seconds,
               "returncode": result.returncode, "stderr": result.stderr[-4000:]},
              sys.stdout)


if __name__ == "__main__":
    main()
