"""``agentid status``: every agent's state, expiry, next key rotation and who to call,
from the record alone (docs/lifecycle.md, "Status").

It must work on the day it is needed most, when an agent has already expired: the
schema and every rule run, and only the rules that judge against today's date are
tolerated (an expired agent is reported, not refused). Rotation due dates come from
:mod:`cdk.lifecycle`, the same boundaries the stacks compute, plus the date the
scheduled apply last succeeded (``--last-run``): a boundary after that run and on or
before today is *due* (this run applies the stack); one before today is *overdue*
(a run that should have applied it did not).

Exit 1 when a live agent expires within ``--warn-days`` (or has expired) or a key
rotation is overdue: CI acts on it. The ``--json`` output is a contract the
scheduled workflow reads; its keys do not change.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from .common import today_of

if TYPE_CHECKING:
    from ..model import Agent, IdentitiesFile

DEFAULT_WARN_DAYS = 14
DEFAULT_LOCKED_DAYS = 7


@dataclass(frozen=True)
class Rotation:
    """An agent's deploy-key schedule on one day, over all its keys."""

    last: date | None
    next: date
    due: bool
    overdue_since: date | None

    def as_json(self) -> dict[str, Any]:
        """The ``rotation`` object of the JSON report."""
        return {"last": _iso(self.last), "next": self.next.isoformat(), "due": self.due,
                "overdue": self.overdue_since is not None}


def status(args: argparse.Namespace) -> int:
    """Print the status table (or JSON); 1 when an agent needs a human."""
    from ..checks import dated_rules
    from .lock import note_tolerated, read_checked

    today = today_of(args.today)
    warn_days = _days("--warn-days", args.warn_days)
    locked_days = _days("--locked-days", args.locked_days)
    last_run = today - timedelta(days=1) if args.last_run is None else _date(args.last_run)
    if last_run > today:
        raise UsageError(f"--last-run {last_run} is after today ({today})")
    checked = read_checked(args.file, today, dated_rules())
    note_tolerated(checked)
    report = status_report(checked.identities, today, last_run, warn_days, locked_days)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 1 if failing(checked.identities, report) else 0


def status_report(identities: IdentitiesFile, today: date, last_run: date, warn_days: int,
                  locked_days: int) -> dict[str, Any]:
    """The JSON document of ``agentid status --json``."""
    from ..lifecycle import state
    from ..targets import used

    agents: list[dict[str, Any]] = []
    for agent in identities.agents:
        rotation = rotation_of(agent, identities, today, last_run)
        locked = None
        if agent.locked is not None:
            locked = {"on": agent.locked.on.isoformat(), "by": agent.locked.by,
                      "reason": agent.locked.reason, "days": (today - agent.locked.on).days}
        agents.append({
            "name": agent.name,
            "state": state(agent),
            "expires": agent.expires.isoformat(),
            "expires_in_days": (agent.expires - today).days,
            "owner": agent.owner,
            "rotation_owner": agent.rotation_owner,
            "clouds": [t.name for t in used(agent, identities)],
            "locked": locked,
            "rotation": None if rotation is None else rotation.as_json(),
            "needs_human": _needs_human(agent, today, warn_days, locked_days, rotation),
        })
    return {
        "today": today.isoformat(),
        "last_run": last_run.isoformat(),
        "warn_days": warn_days,
        "agents": agents,
        "due": [a["name"] for a in agents if a["rotation"] and a["rotation"]["due"]],
        "attention": [a["name"] for a in agents if a["needs_human"]],
    }


def rotation_of(agent: Agent, identities: IdentitiesFile, today: date,
                last_run: date) -> Rotation | None:
    """The deploy-key schedule of a live, unlocked agent with keys; None otherwise (a
    locked agent's keys are deleted, a revoked one's destroyed)."""
    from ..github.deploy_keys import plan_deploy_keys
    from ..lifecycle import anchor, last_rotation, next_rotation, state

    keys = plan_deploy_keys(agent, identities)
    if state(agent) != "active" or not keys:
        return None
    start = anchor(agent)
    lasts, nexts, due, overdue = [], [], False, []
    for days in sorted({key.rotation_days for key in keys}):
        if today >= start:
            lasts.append(last_rotation(start, days, today))
        nexts.append(start if today < start else next_rotation(start, days, today))
        # The first boundary after the last successful run: this run must apply the
        # stack if it is today or earlier, and a run should have if it is earlier.
        pending = start if last_run < start else next_rotation(start, days, last_run)
        due = due or pending <= today
        if pending < today:
            overdue.append(pending)
    return Rotation(max(lasts, default=None), min(nexts), due, min(overdue, default=None))


def _needs_human(agent: Agent, today: date, warn_days: int, locked_days: int,
                 rotation: Rotation | None) -> list[str]:
    if agent.revoked is not None:
        return []
    reasons = []
    left = (agent.expires - today).days
    if left <= warn_days:
        reasons.append(f"expires in {_count(left)}" if left > 0
                       else "expired today" if left == 0 else f"expired {_count(-left)} ago")
    if agent.locked is not None and (today - agent.locked.on).days > locked_days:
        reasons.append(f"locked for {_count((today - agent.locked.on).days)}")
    if rotation is not None and rotation.overdue_since is not None:
        reasons.append(f"key rotation overdue since {rotation.overdue_since}")
    return reasons


def failing(identities: IdentitiesFile, report: dict[str, Any]) -> bool:
    """Exit 1: a live agent expires within the warning window, or a rotation is overdue."""
    warn = report["warn_days"]
    return any(a["state"] != "revoked" and a["expires_in_days"] <= warn
               or (a["rotation"] is not None and a["rotation"]["overdue"])
               for a in report["agents"])


def render(report: dict[str, Any]) -> str:
    """The table a person reads: one row per agent, then what needs a human."""
    header = ("NAME", "STATE", "EXPIRES", "IN", "NEXT ROTATION", "CLOUDS", "OWNER",
              "ROTATION OWNER")
    rows = [header]
    for a in report["agents"]:
        rotation = a["rotation"]
        # Due but not overdue: the boundary is today (a later one would be after the run).
        nxt = "-" if rotation is None else (
            f"overdue, next {rotation['next']}" if rotation["overdue"]
            else f"due today, next {rotation['next']}" if rotation["due"]
            else rotation["next"])
        rows.append((a["name"], a["state"], a["expires"], f"{a['expires_in_days']}d", nxt,
                     ",".join(a["clouds"]) or "-", a["owner"], a["rotation_owner"]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.append("")
    lines.append(f"today {report['today']}, last scheduled run {report['last_run']}, "
                 f"warning {report['warn_days']} days before expiry")
    for a in report["agents"]:
        for reason in a["needs_human"]:
            lines.append(f"needs a human: {a['name']}: {reason} "
                         f"(owner {a['owner']}, rotation owner {a['rotation_owner']})")
    due = ", ".join(report["due"])
    lines.append(f"stacks to apply for key rotation: {due}" if due
                 else "no key rotation due")
    return "\n".join(lines)


def _count(days: int) -> str:
    return f"{days} day" if days == 1 else f"{days} days"


def _days(flag: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{flag} {text!r} is not a whole number of days") from None
    if value < 0:
        raise UsageError(f"{flag} {value} must be 0 or more")
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--last-run {text!r} is not a date — write YYYY-MM-DD") from None


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
