"""``agentid validate``, ``verify`` and ``schema``: commands that read and judge, writing
nothing but the schema file."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..errors import UsageError
from .common import today_of


def validate(args: argparse.Namespace) -> int:
    """Load and check every record (or explain a rule or gate id); writes nothing."""
    from ..validation import load

    if args.explain:
        from ..checks import RULES, load_rules
        from ..review.gates import GATES_WHY

        load_rules()
        whys = {**{r.id: r.why for r in RULES.values()}, **GATES_WHY}
        if args.explain not in whys:
            raise UsageError(f"no rule {args.explain!r} — known: {', '.join(sorted(whys))}")
        print(f"{args.explain}: {whys[args.explain]}")
        return 0
    loaded = load(args.file, today_of(args.today))
    agents = loaded.identities.agents
    print(f"{args.file}: {len(agents)} agent{'s' if len(agents) != 1 else ''}, no problems")
    return 0


def verify(args: argparse.Namespace) -> int:
    """Check synthesized output against the invariants (or explain one)."""
    from ..validation import load
    from ..verify import INVARIANTS, verify_directory

    if args.explain:
        promises = {i.id: f"{i.target}: {i.promise}" for i in INVARIANTS}
        if args.explain not in promises:
            raise UsageError(f"no invariant {args.explain!r} — known: {', '.join(promises)}")
        print(f"{args.explain}: {promises[args.explain]}")
        return 0
    loaded = load(args.file, today_of(args.today))
    report = verify_directory(Path(args.directory), loaded.identities)
    if args.json:
        print(report.as_json(), end="")
    else:
        for finding in report.findings:
            print(finding.render())
        count = len(report.findings)
        summary = (f"{args.directory}: {len(report.stacks)} stacks, "
                   + (f"{count} finding{'s' if count != 1 else ''}" if count else
                      "every invariant holds"))
        print(summary, file=sys.stderr if count else sys.stdout)
    return 0 if report.ok else 1


def schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of identities.yaml, or write it when it changed."""
    text = schema_json()
    if args.write is None:
        print(text, end="")
        return 0
    target = Path(args.write)
    if target.is_file() and target.read_text() == text:
        print(f"{target} is up to date")
        return 0
    staging = target.with_name(f".{target.name}.incomplete-{os.getpid()}")
    staging.write_text(text)
    os.replace(staging, target)
    print(f"wrote {target}")
    return 0


def schema_json() -> str:
    """JSON Schema of ``identities.yaml``, deterministic, with a trailing newline."""
    from ..model import IdentitiesFile

    schema = IdentitiesFile.model_json_schema(by_alias=True)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://agentid.dev/identities.schema.json",
        **schema,
    }
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
