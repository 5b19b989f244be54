"""The rotation schedule as the stacks write it (pure): the period each key's
``time_static`` is keyed on is :func:`cdk.lifecycle.period` of the record's anchor,
and nothing in it depends on the day synth runs."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from cdk import lifecycle
from cdk.github.deploy_keys import plan_deploy_keys
from cdk.github.rotation_plan import (
    PLAN_DAY_REFERENCE,
    day_number,
    next_rotation_expression,
    plan_day_expression,
    rotation_triggers,
    schedule_anchor,
)
from cdk.validation import load

from ..conftest import TODAY
from ..records import write
from .rotation_records import WITH_ROTATE


def test_day_numbers_count_from_1970() -> None:
    assert day_number(date(1970, 1, 1)) == 0
    assert day_number(lifecycle.EPOCH) == 19723
    assert day_number(date(2024, 3, 1)) - day_number(date(2024, 2, 28)) == 2  # leap day


def test_without_a_request_the_schedule_counts_from_the_epoch() -> None:
    assert schedule_anchor("") == lifecycle.EPOCH
    assert rotation_triggers(30, "") == {
        "anchor": "2024-01-01", "every_days": "30", "requested": "",
        "period": "${floor((local.agentid_plan_day - 19723) / 30)}"}


def test_a_request_moves_the_anchor_and_is_a_trigger() -> None:
    assert rotation_triggers(7, "2026-11-27") == {
        "anchor": "2026-11-27", "every_days": "7", "requested": "2026-11-27",
        "period": "${floor((local.agentid_plan_day - 20784) / 7)}"}


def test_the_plan_carries_the_newest_request(tmp_path: Path) -> None:
    identities = load(write(tmp_path, WITH_ROTATE), TODAY).identities
    agent = identities.agents[0]

    keys = plan_deploy_keys(agent, identities)

    newest = lifecycle.newest_request(agent)
    assert newest is not None and newest.reason == "Key may have leaked"
    assert {k.requested for k in keys} == {"2026-11-27"}
    assert lifecycle.anchor(agent) == schedule_anchor(keys[0].requested)
    # An agent without a request: no trigger set.
    assert {k.requested for k in plan_deploy_keys(identities.agents[1], identities)} == {""}


def test_expressions_hold_no_date_but_the_records() -> None:
    # The day of synth is nowhere: the local reads plantimestamp(), the rest the anchor.
    local = plan_day_expression()
    assert "plantimestamp()" in local
    # Its only numbers are the calendar formula's constants.
    assert set(re.findall(r"\d+", local)) == {
        "0", "1", "2", "4", "5", "9", "12", "100", "153", "365", "400", "146097", "719468"}
    for text in (local, next_rotation_expression(lifecycle.EPOCH, 30),
                 str(rotation_triggers(30, ""))):
        assert TODAY.isoformat() not in text and str(day_number(TODAY)) not in text
    assert PLAN_DAY_REFERENCE in next_rotation_expression(lifecycle.EPOCH, 30)
    assert next_rotation_expression(date(2026, 11, 27), 7).startswith(
        'timeadd("2026-11-27T00:00:00Z", ')
