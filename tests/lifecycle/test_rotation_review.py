"""A rotate request passes review without an escalation (it only replaces keys), and
the packet shows the key's ``time_static`` replaced, not updated; a longer schedule
needs one; triggers that are not the schedule's are unclassified."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.github.rotation_plan import interpolated, next_rotation_expression, rotation_triggers
from cdk.lifecycle import EPOCH
from cdk.review.changes import classify
from cdk.review.diff import diff_stack, force_new
from cdk.review.verdicts import BROADENING, HARMLESS, NARROWING, UNCLASSIFIED

from ..records import AZURE, DEPLOY_KEYS, GCP
from ..review.helpers import Result, review

REQUEST = ("    escalations:\n", "    rotate:\n"
           '      - {on: 2026-11-27, by: "@acme/security", reason: Key may have leaked}\n'
           "    escalations:\n")
KEY = "    github:\n      deploy_keys:\n        - {repo: acme/api}\n"
ROTATE = '    rotate: [{on: 2026-11-27, by: "@acme/security", reason: Offboarding}]\n'


def _passes(tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str, head: str,
            *extra: str) -> Result:
    result = review(tmp_path, base, head, capsys, *extra)
    assert result.code == 0, result.packet["gates"]
    assert "all gates pass" in result.markdown
    return result


@pytest.mark.synth
@pytest.mark.parametrize("mode", [(), ("--no-synth",)], ids=["synth", "no-synth"])
def test_a_rotate_request_passes_without_an_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: tuple[str, ...]) -> None:
    head = DEPLOY_KEYS.replace(*REQUEST, 1)
    assert head != DEPLOY_KEYS
    result = _passes(tmp_path, capsys, DEPLOY_KEYS, head, *mode)
    if mode:
        return
    # THEN the packet marks each key's time_static as replaced (the time provider
    # re-creates it when its triggers change), and with synthesis nothing else moves.
    changes = [change for agent in result.packet["agents"]
               for change in agent["resources"]["changes"]]
    statics = [c for c in changes if c["address"].startswith("time_static.")]
    assert statics and all(c["action"] == "replace" and c["attributes"] == ["triggers"]
                           for c in statics), changes
    assert all(c["action"] != "update" for c in changes), changes
    assert f"**replace** `{statics[0]['address']}`: `triggers`" in result.markdown


@pytest.mark.synth
@pytest.mark.parametrize("cloud", ["gcp", "azure"])
def test_a_rotate_request_passes_in_every_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], cloud: str) -> None:
    # Azure's secret expiry moves with the schedule too.
    base = {"gcp": GCP, "azure": AZURE}[cloud] + KEY + f"    secrets: {{store: {cloud}}}\n"
    _passes(tmp_path, capsys, base, base + ROTATE)


def test_a_changed_schedule_replaces_the_time_static() -> None:
    # terraform-provider-time marks `triggers` and `rfc3339` RequiresReplace.
    assert {"triggers", "rfc3339"} <= force_new("time_static")

    def stack(requested: str) -> dict[str, object]:
        return {"resource": {"time_static": {"rotated": {
            "triggers": rotation_triggers(30, requested)}}}}

    [change] = diff_stack("release-bot", stack(""), stack("2026-11-27")).changes
    assert (change.address, change.action, change.attributes) == (
        "time_static.rotated", "replace", ("triggers",))


def test_the_schedule_triggers_are_judged() -> None:
    before = rotation_triggers(30, "")
    assert classify("time_static", "triggers", before, rotation_triggers(30, "2026-11-27")
                    )[0] == NARROWING
    assert classify("time_static", "triggers", before, rotation_triggers(7, ""))[0] == NARROWING
    verdict = classify("time_static", "triggers", before, rotation_triggers(90, ""))
    assert verdict == (BROADENING, "deploy key rotation days 30 -> 90")
    # A period that is not the schedule's (a constant would never rotate) is unclassified.
    frozen = {**rotation_triggers(30, "2026-11-27"), "period": "0"}
    assert classify("time_static", "triggers", before, frozen)[0] == UNCLASSIFIED
    assert classify("time_static", "triggers", {"rotation": "x"}, before)[0] == UNCLASSIFIED


def test_the_vault_secret_expiry_moves_with_the_schedule_only() -> None:
    old = interpolated(next_rotation_expression(EPOCH, 30))
    new = interpolated(next_rotation_expression(EPOCH.replace(year=2026), 7))
    assert classify("azurerm_key_vault_secret", "expiration_date", old, new)[0] == HARMLESS
    assert classify("azurerm_key_vault_secret", "expiration_date", old,
                    "2099-01-01T00:00:00Z")[0] == UNCLASSIFIED
