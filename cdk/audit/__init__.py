"""``agentid audit NAME``: ready-to-run queries for everything an agent did or was refused.

Pure: reads the record and the plan functions' names, never a provider binding or a
network. :mod:`.plan` decides what to query, :mod:`.quoting` quotes each value for
its language, :mod:`.render` renders the templates in ``templates/``.
"""

from __future__ import annotations

from datetime import date

from ..validation import load
from .plan import find_agent, plan_audit, since_date
from .render import render_json, render_text


def audit_command(file: str, name: str, today: date, since: str | None = None,
                  cloud: str | None = None, as_json: bool = False) -> str:
    """What ``agentid audit`` prints; raises :class:`~cdk.errors.AgentIdError` on bad input."""
    start, given = since_date(since, today)
    identities = load(file, today).identities
    plan = plan_audit(find_agent(identities, name, file), identities, today, start, given, cloud)
    return render_json(plan) if as_json else render_text(plan)
