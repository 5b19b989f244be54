"""``agentid audit``: ready-to-run log queries for everything one agent did or was
refused (:mod:`cdk.audit`)."""

from __future__ import annotations

import argparse

from .common import today_of


def audit(args: argparse.Namespace) -> int:
    """Print the log queries of one agent (revoked agents too), per cloud."""
    from ..audit import audit_command

    print(audit_command(args.file, args.name, today_of(args.today), args.since, args.cloud,
                        args.json), end="")
    return 0
