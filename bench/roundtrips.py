"""Where a synth's time goes: jsii round trips into Node, counted and timed.

``python -O -m bench.roundtrips FILE`` builds the app for FILE with every
request to the jsii kernel counted and timed, and prints JSON: round trips per
agent, the mean time of one, and how much of it Python spent waiting for Node.
It explains the synth column of ``make bench`` and is not itself a target.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any


def count(file: Path, today: date) -> dict[str, Any]:
    """Build and write the app for ``file`` (into a temporary directory); jsii requests
    of the build by kind, and their cost."""
    from cdk.runtime import import_constructs
    from cdk.validation import load

    loaded = load(file, today)
    # Load the bindings first: their import is the bench's floor, not the build.
    import_constructs(("aws", "github"))
    import jsii._kernel.providers.process as process

    kinds: Counter[str] = Counter()
    spent = {"send": 0.0, "wait": 0.0}
    send, next_message = process._NodeProcess.send, process._NodeProcess._next_message

    def timed_next(self: Any) -> Any:
        start = time.perf_counter()
        try:
            return next_message(self)
        finally:
            spent["wait"] += time.perf_counter() - start

    def counted_send(self: Any, request: Any, response_type: Any) -> Any:
        start = time.perf_counter()
        try:
            return send(self, request, response_type)
        finally:
            kinds[type(request).__name__.removesuffix("Request")] += 1
            spent["send"] += time.perf_counter() - start

    from stacks.app import build_app

    process._NodeProcess.send = counted_send  # type: ignore[method-assign]
    process._NodeProcess._next_message = timed_next  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        app = build_app(loaded.identities, out, file.parent)
        built = time.perf_counter()
        build_trips, build_spent = sum(kinds.values()), dict(spent)
        app.synth()  # type: ignore[attr-defined]
        done = time.perf_counter()
    agents = len(loaded.identities.agents)
    return {
        "agents": agents,
        "round_trips_per_agent": build_trips / agents,
        "round_trips_by_kind": dict(kinds),
        "build_seconds": built - start,
        "write_seconds": done - built,
        "mean_round_trip_ms": 1000 * build_spent["send"] / max(build_trips, 1),
        "node_share_of_build": build_spent["wait"] / (built - start),
    }


def main() -> int:
    """Print :func:`count` for the file in argv[1] as JSON."""
    print(json.dumps(count(Path(sys.argv[1]), date.fromisoformat(sys.argv[2]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
