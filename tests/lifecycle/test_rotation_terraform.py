"""The stacks and ``agentid status`` agree on the rotation period: Terraform itself
evaluates the expressions the stacks carry, for dates across boundaries, and gets
what :mod:`cdk.lifecycle` computes for the same dates.

``plantimestamp()`` is not available in ``terraform console``, so each date is put in
its place as a literal RFC 3339 timestamp; everything else is the expression as
emitted (from the synthesized ``cdk.tf.json`` where a fixture holds it).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from cdk import lifecycle
from cdk.github.rotation_plan import (
    PLAN_DAY,
    PLAN_DAY_REFERENCE,
    PLAN_TIMESTAMP,
    interpolated,
    next_rotation_expression,
    period_expression,
    plan_day_expression,
)

from ..conftest import Synthesized
from ..hcl import evaluate

pytestmark = pytest.mark.slow

REQUEST = date(2026, 11, 27)


def _around(day: date) -> list[date]:
    return [day - timedelta(days=1), day, day + timedelta(days=1)]


# The anchor days, each boundary, the day before and after, leap days, year ends,
# a non-leap century (2100) and a leap one (2000), and days before the anchor. (timeadd
# takes at most ~292 years: a date after 2316 would not evaluate next_rotation.)
DATES = sorted({
    *_around(lifecycle.EPOCH), *_around(REQUEST),
    *_around(lifecycle.EPOCH + timedelta(days=30)), *_around(REQUEST + timedelta(days=30)),
    *_around(REQUEST + timedelta(days=7)), *_around(REQUEST + timedelta(days=90)),
    *_around(date(2024, 2, 29)), *_around(date(2028, 2, 29)), *_around(date(2025, 3, 1)),
    *_around(date(2024, 12, 31)), *_around(date(2026, 12, 31)), *_around(date(2027, 1, 1)),
    date(2000, 2, 29), date(2000, 3, 1), date(2100, 2, 28), date(2100, 3, 1),
    date(1970, 1, 1), date(1969, 12, 31), date(2026, 11, 29), date(2299, 12, 31),
})
# Times of day: the day is the UTC day, from its first second to its last.
TIMES = ("T00:00:00Z", "T23:59:59Z")


def _timestamp(day: date, time: str) -> str:
    return f'"{day.isoformat()}{time}"'


def _unwrap(template: str) -> str:
    assert template.startswith("${") and template.endswith("}"), template
    return template[2:-1]


def _evaluate(day_expression: str, by_date: dict[str, str]) -> dict[str, Any]:
    """Each of ``by_date`` (name -> expression over ``local.agentid_plan_day``) at every
    date and time, the local given as ``day_expression`` with the date in place of
    ``plantimestamp()``: ``{"<date><time>/<name>": value}``."""
    assert day_expression.count(PLAN_TIMESTAMP) > 0
    locals_: dict[str, str] = {}
    wanted: list[str] = []
    for k, (day, time) in enumerate((d, t) for d in DATES for t in TIMES):
        local = f"day_{k}"
        locals_[local] = interpolated(day_expression.replace(PLAN_TIMESTAMP,
                                                             _timestamp(day, time)))
        for name, expression in by_date.items():
            assert PLAN_DAY_REFERENCE in expression, expression
            key = json.dumps(f"{day.isoformat()}{time}/{name}")
            wanted.append(f"{key} = {expression.replace(PLAN_DAY_REFERENCE, f'local.{local}')}")
    value = evaluate(interpolated("jsonencode({" + ", ".join(wanted) + "})"), locals_)
    result: dict[str, Any] = json.loads(value)
    return result


def _expected_period(anchor: date, days: int) -> dict[str, int]:
    return {f"{day.isoformat()}{time}": lifecycle.period(anchor, days, day)
            for day in DATES for time in TIMES}


def test_the_day_is_the_days_since_1970_of_the_timestamp() -> None:
    got = _evaluate(plan_day_expression(), {"day": PLAN_DAY_REFERENCE})

    assert got == {f"{day.isoformat()}{time}/day": (day - date(1970, 1, 1)).days
                   for day in DATES for time in TIMES}


@pytest.mark.parametrize(("anchor", "days"), [
    (lifecycle.EPOCH, 30), (lifecycle.EPOCH, 7), (lifecycle.EPOCH, 1), (lifecycle.EPOCH, 90),
    (REQUEST, 30), (REQUEST, 7), (date(2024, 2, 29), 365)])
def test_period_and_next_rotation_are_lifecycles(anchor: date, days: int) -> None:
    got = _evaluate(plan_day_expression(), {
        "period": period_expression(anchor, days),
        "next": next_rotation_expression(anchor, days)})

    for day in DATES:
        for time in TIMES:
            at = f"{day.isoformat()}{time}"
            assert got[f"{at}/period"] == lifecycle.period(anchor, days, day), at
            assert got[f"{at}/next"] == (
                f"{lifecycle.next_rotation(anchor, days, day).isoformat()}T00:00:00Z"), at


def test_the_emitted_expressions_are_lifecycles(synthesized_deploy_keys: Synthesized) -> None:
    # GIVEN the local and each time_static's period as synthesized (no rotate request:
    # anchored at the epoch, every 30 and 7 days)
    stack = synthesized_deploy_keys.stack("release-bot")
    periods = {f"period_{t['triggers']['every_days']}": _unwrap(t["triggers"]["period"])
               for t in stack["resource"]["time_static"].values()}
    assert set(periods) == {"period_30", "period_7"}

    # WHEN Terraform evaluates them at each date
    got = _evaluate(_unwrap(stack["locals"][PLAN_DAY]), periods)

    # THEN each is the period cdk.lifecycle (and so `agentid status`) computes
    for name, days in (("period_30", 30), ("period_7", 7)):
        assert {at.rsplit("/", 1)[0]: v for at, v in got.items()
                if at.endswith(f"/{name}")} == _expected_period(lifecycle.EPOCH, days)
