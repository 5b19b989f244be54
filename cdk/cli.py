"""``agentid``: validate, synthesize and explain identity records.

Exit codes: 0 ok, 1 findings or a failed gate, 2 usage. Bad input never
produces a traceback: every user-facing error is an :class:`AgentIdError`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from datetime import date, datetime, timezone
from pathlib import Path

from .errors import AgentIdError, InputError, UsageError
from .loader import Loaded, load

DEFAULT_FILE = "identities.yaml"
DEFAULT_OUTDIR = "cdktf.out"


def _today(text: str | None) -> date:
    if text is None:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r} is not a date — write YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentid",
        description="One reviewed Terraform stack per AI agent.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_file(p: argparse.ArgumentParser) -> None:
        p.add_argument("-f", "--file", default=DEFAULT_FILE,
                       help=f"identities file (default {DEFAULT_FILE})")
        p.add_argument("--today", help="judge expiry against this date (YYYY-MM-DD); "
                       "default: today in UTC")

    p = sub.add_parser("validate", help="load and check every record; writes nothing")
    with_file(p)
    p.add_argument("--explain", metavar="RULE_ID",
                   help="print why a rule exists, then exit")

    p = sub.add_parser("synth", help="validate, then write one stack per agent")
    with_file(p)
    p.add_argument("-o", "--output", default=DEFAULT_OUTDIR,
                   help=f"output directory, replaced atomically (default {DEFAULT_OUTDIR})")

    p = sub.add_parser("atlantis", help="write atlantis.yaml: one project per agent stack")
    with_file(p)
    p.add_argument("-o", "--output", default="atlantis.yaml",
                   help="where to write it (default atlantis.yaml; - for stdout)")
    p.add_argument("--synth-dir", default=DEFAULT_OUTDIR,
                   help="committed synth output the projects point at, relative to the "
                   f"repository root (default {DEFAULT_OUTDIR})")
    p.add_argument("--foundation", action="store_true",
                   help="add a project for the shared foundation stack")
    p.add_argument("--base-output", metavar="DIR",
                   help="synth output of the base branch: add foundation only if its "
                   "cdk.tf.json differs from this one")

    sub.add_parser("schema", help="print the JSON Schema of identities.yaml")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``agentid`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "synth":
            return _synth(args)
        if args.command == "atlantis":
            return _atlantis(args)
        if args.command == "schema":
            print(schema_json(), end="")
            return 0
    except UsageError as exc:
        print(f"agentid: {exc}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        count = len(exc.findings)
        print(f"agentid: {count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return 1
    except AgentIdError as exc:
        print(f"agentid: {exc}", file=sys.stderr)
        return 1
    parser.error(f"unknown command {args.command}")  # pragma: no cover
    return 2  # pragma: no cover


def _validate(args: argparse.Namespace) -> int:
    if args.explain:
        from .checks import RULES, _load_rules

        _load_rules()
        found = RULES.get(args.explain)
        if found is None:
            raise UsageError(f"no rule {args.explain!r} — known: {', '.join(sorted(RULES))}")
        print(f"{found.id}: {found.why}")
        return 0
    loaded = load(args.file, _today(args.today))
    agents = loaded.identities.agents
    print(f"{args.file}: {len(agents)} agent{'s' if len(agents) != 1 else ''}, no problems")
    return 0


def _atlantis(args: argparse.Namespace) -> int:
    from .atlantis import atlantis_config, foundation_changed, render

    loaded = load(args.file, _today(args.today))
    include = args.foundation or (
        args.base_output is not None
        and foundation_changed(Path(args.synth_dir), Path(args.base_output)))
    text = render(atlantis_config(loaded.identities, args.synth_dir, include))
    if args.output == "-":
        print(text, end="")
        return 0
    Path(args.output).write_text(text)
    count = len(loaded.identities.agents) + int(include)
    print(f"wrote {args.output}: {count} project{'s' if count != 1 else ''}")
    return 0


def _synth(args: argparse.Namespace) -> int:
    loaded = load(args.file, _today(args.today))
    outdir = Path(args.output)
    synth_atomically(loaded, outdir)
    agents = loaded.identities.agents
    # A thousand names on one line help nobody; past a screenful, count them.
    names = (", ".join(a.name for a in agents) if len(agents) <= 10
             else f"{len(agents)} agents") or "(no agents)"
    print(f"synthesized foundation + {names} into {outdir}/stacks/")
    return 0


def synth_atomically(loaded: Loaded, outdir: Path) -> None:
    """Synthesize into a sibling temporary directory, then swap it in.

    If anything fails (or the process is killed) before the swap, the previous
    output is untouched and the temporary directory is removed or left aside
    under a name that marks it as incomplete.
    """
    from stacks.app import build_app

    from .extras import require_extras
    from .progress import Progress

    # Before the staging directory exists: a missing extra leaves nothing behind.
    require_extras(loaded.identities)
    progress = Progress()
    outdir = outdir.absolute()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.incomplete-", dir=outdir.parent))
    try:
        base_dir = Path(loaded.document.file).absolute().parent
        app = build_app(loaded.identities, staging, base_dir, progress)
        progress.note(f"writing {len(loaded.identities.agents) + 1} stacks")
        app.synth()  # type: ignore[attr-defined]
        _swap(staging, outdir)
    finally:
        progress.close()
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, outdir: Path) -> None:
    if not outdir.exists():
        os.replace(staging, outdir)
        return
    retired = outdir.with_name(f".{outdir.name}.retired-{os.getpid()}")
    os.replace(outdir, retired)
    try:
        os.replace(staging, outdir)
    except OSError:
        os.replace(retired, outdir)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def schema_json() -> str:
    """JSON Schema of ``identities.yaml``, deterministic, with a trailing newline."""
    from .model import IdentitiesFile

    schema = IdentitiesFile.model_json_schema(by_alias=True)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://agentid.dev/identities.schema.json",
        **schema,
    }
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def app_main(file: str | None = None) -> None:
    """What ``main.py`` runs under the CDK Terrain CLI: validate, then synth in place."""
    from stacks.app import build_app

    path = file or os.environ.get("AGENTID_FILE", DEFAULT_FILE)
    try:
        loaded = load(path, _today(os.environ.get("AGENTID_TODAY")))
        app = build_app(loaded.identities, None, Path(path).absolute().parent)
    except AgentIdError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(1) from None
    app.synth()  # type: ignore[attr-defined]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
