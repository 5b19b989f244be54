"""Deploy-key rotation as Terraform expressions: the schedule of :mod:`cdk.lifecycle`,
computed again by Terraform at plan time (pure; no provider bindings).

A stack that holds deploy keys has one local, :data:`PLAN_DAY`: the number of days
from 1970-01-01 to the day of ``plantimestamp()``, by the days-from-civil formula
written with Terraform built-ins. Each key's ``time_static`` is keyed on the record's
schedule and on the index of the rotation period that day falls in::

    {"anchor": "2024-01-01", "every_days": "30", "requested": "",
     "period": "${floor((local.agentid_plan_day - 19723) / 30)}"}

so it is replaced (and with it the key pair, the deploy key and every stored copy)
exactly when a boundary passes or the record asks for a rotation, never by a
re-apply inside a period. The synthesized JSON holds no date but the record's:
synth stays a function of the record alone, and ``agentid status`` computes the
same period from the same record (:func:`cdk.lifecycle.period`).
"""

from __future__ import annotations

from datetime import date

from ..lifecycle import EPOCH

# The one local of a stack with deploy keys: days since 1970-01-01 of the plan's day.
PLAN_DAY = "agentid_plan_day"
PLAN_DAY_REFERENCE = f"local.{PLAN_DAY}"
# When Terraform plans; an apply uses the timestamp of the plan it applies.
PLAN_TIMESTAMP = "plantimestamp()"
UNIX_EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    """Days from 1970-01-01 to ``day`` (what :func:`plan_day_expression` computes)."""
    return (day - UNIX_EPOCH).days


def plan_day_expression(timestamp: str = PLAN_TIMESTAMP) -> str:
    """A Terraform expression (without ``${}``): days from 1970-01-01 to the UTC day of
    the RFC 3339 ``timestamp`` expression.

    Howard Hinnant's days_from_civil over ``formatdate``: the year counted from March
    (so the leap day ends it), its 400-year era, the day of that year and of the era.
    """
    month = f'tonumber(formatdate("M", {timestamp}))'
    day = f'tonumber(formatdate("D", {timestamp}))'
    year = f'(tonumber(formatdate("YYYY", {timestamp})) - ({month} <= 2 ? 1 : 0))'
    era = f"floor({year} / 400)"
    year_of_era = f"({year} - {era} * 400)"
    march_month = f"(({month} + 9) % 12)"
    day_of_year = f"(floor((153 * {march_month} + 2) / 5) + {day} - 1)"
    day_of_era = (f"({year_of_era} * 365 + floor({year_of_era} / 4) "
                  f"- floor({year_of_era} / 100) + {day_of_year})")
    return f"{era} * 146097 + {day_of_era} - 719468"


def interpolated(expression: str) -> str:
    """``expression`` as a JSON string value Terraform evaluates (``${...}``)."""
    return f"${{{expression}}}"


def period_expression(anchor: date, every_days: int, day: str = PLAN_DAY_REFERENCE) -> str:
    """The index of the rotation period ``day`` falls in (:func:`cdk.lifecycle.period`)."""
    return f"floor(({day} - {day_number(anchor)}) / {every_days})"


def next_rotation_expression(anchor: date, every_days: int,
                             day: str = PLAN_DAY_REFERENCE) -> str:
    """The end of the current period as RFC 3339 (:func:`cdk.lifecycle.next_rotation`).

    ``timeadd`` takes durations up to ~292 years: enough for any plan before 2316.
    """
    hours = f"24 * {every_days} * (max({period_expression(anchor, every_days, day)}, 0) + 1)"
    return f'timeadd("{anchor.isoformat()}T00:00:00Z", format("%dh", {hours}))'


def schedule_anchor(requested: str) -> date:
    """The anchor of a schedule: the newest rotate request's ``on`` (ISO; ``""`` for
    none), else :data:`EPOCH`."""
    return date.fromisoformat(requested) if requested else EPOCH


def rotation_triggers(every_days: int, requested: str,
                      day: str = PLAN_DAY_REFERENCE) -> dict[str, str]:
    """The ``time_static`` triggers of one key: replaced when the period or request changes.

    ``requested`` is the newest rotate request's ``on`` (ISO), ``""`` for none.
    """
    anchor = schedule_anchor(requested)
    return {
        "anchor": anchor.isoformat(),
        "every_days": str(every_days),
        "period": interpolated(period_expression(anchor, every_days, day)),
        "requested": requested,
    }
