"""``agentid card`` and ``atlantis``: what one run or the CI projects are told about
valid records."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import AgentIdError
from .common import today_of


def card(args: argparse.Namespace) -> int:
    """The per-run identity block of one agent, its approver verified against GitHub."""
    from ..approvals import approver_by_hand, approver_from_github
    from ..review.card import identity_card
    from ..review.render import render_card
    from ..validation import load

    today = today_of(args.today)
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


def atlantis(args: argparse.Namespace) -> int:
    """Write atlantis.yaml: one project per agent stack (and the foundation if asked)."""
    from ..atlantis import atlantis_config, foundation_changed, render
    from ..validation import load

    loaded = load(args.file, today_of(args.today))
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
