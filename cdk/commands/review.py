"""``agentid review`` and ``affected``: the two sides of a change, validated and
synthesized, compared."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AgentIdError, InputError, UsageError
from .common import today_of

if TYPE_CHECKING:
    from ..model import IdentitiesFile
    from ..review.packet import Side
    from ..review.terraform import PlanSummary
    from ..synth_cache import SynthCache
    from ..yamlsafe import Document


def review(args: argparse.Namespace) -> int:
    """Print the review packet of base vs head; exit 1 when a gate fails."""
    from ..review.build import build_packet
    from ..review.render import render_json, render_markdown

    today = today_of(args.today)
    plans = _plans(Path(args.plan_json)) if args.plan_json else {}
    base, head = _sides(args, today)
    if not args.no_synth:
        base, head = _with_stacks(base, head, Path(args.file))
    packet = build_packet(base, head, today, plans)
    print(render_json(packet) if args.format == "json" else render_markdown(packet), end="")
    return 0 if packet.ok else 1


def affected(args: argparse.Namespace) -> int:
    """Print the names of the stacks whose synthesized output changes."""
    from ..review.diff import changed_stacks

    today = today_of(args.today)
    base, head = _sides(args, today)
    if head.identities is None:
        raise InputError(list(head.findings))
    base, head = _with_stacks(base, head, Path(args.file))
    if base.identities is None:
        print(f"agentid: the base {base.label} is invalid; every stack counts as affected",
              file=sys.stderr)
    names = changed_stacks(base.stacks, head.stacks)
    print(json.dumps(names) if args.json else "".join(f"{n}\n" for n in names), end="")
    if args.json:
        print()
    return 0


def _sides(args: argparse.Namespace, today: date) -> tuple[Side, Side]:
    from ..review.inputs import read_base, read_base_file, read_side, side_of
    from ..review.packet import Side

    head_path = Path(args.file)
    head = read_side(head_path, today)
    document: Document | None
    try:
        if args.base_file is not None:
            label, document = read_base_file(Path(args.base_file))
        else:
            label, document = read_base(args.base, head_path)
    except InputError as exc:
        return Side(args.base or args.base_file, None, tuple(exc.findings)), head
    base = side_of(label, document, today, is_base=True, empty_defaults=head.identities)
    return base, head


def _with_stacks(base: Side, head: Side, head_path: Path) -> tuple[Side, Side]:
    """Synthesize both usable sides with the current code, as CI would."""
    from dataclasses import replace

    from ..synth_cache import disabled, open_cache

    base_dir = head_path.absolute().parent
    # Both sides share the synth cache: a stack equal on both is constructed at most once.
    cache = None if disabled() else open_cache(base_dir)
    with tempfile.TemporaryDirectory(prefix="agentid-review-") as work:
        # Same depth under one directory: relative local-state paths come out
        # equal for both sides, so only real differences show.
        if base.identities is not None:
            base = replace(base, stacks=synth_stacks(base.identities, Path(work) / "base",
                                                     base_dir, cache))
        if head.identities is not None:
            head = replace(head, stacks=synth_stacks(head.identities, Path(work) / "head",
                                                     base_dir, cache))
    return base, head


def synth_stacks(identities: IdentitiesFile, outdir: Path, base_dir: Path,
                 cache: SynthCache | None = None) -> dict[str, dict[str, Any]]:
    """Every stack's ``cdk.tf.json``: synthesized into ``outdir`` and read back, or
    taken from ``cache`` where a stack's key matches (cdk/synth_cache.py)."""
    from ..synthesis import app

    if cache is not None:
        from ..synth_cache import cached_stack_json

        return cached_stack_json(identities, outdir, base_dir, cache)
    app().build_app(identities, outdir, base_dir).synth()
    found: dict[str, dict[str, Any]] = {}
    for stack_dir in sorted((outdir / "stacks").iterdir()):
        found[stack_dir.name] = json.loads((stack_dir / "cdk.tf.json").read_text())
    return found


def _plans(directory: Path) -> dict[str, PlanSummary]:
    from ..review.terraform import summarize_plan

    if not directory.is_dir():
        raise UsageError(f"--plan-json {directory} is not a directory of <stack>.json plans")
    plans = {}
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise AgentIdError(f"{path}: not a `terraform show -json` plan ({exc})") from None
        if not isinstance(data, dict) or "resource_changes" not in data and \
                "format_version" not in data:
            raise AgentIdError(f"{path}: not a `terraform show -json` plan (no "
                               "format_version or resource_changes)")
        plans[path.stem] = summarize_plan(path.stem, data)
    return plans
