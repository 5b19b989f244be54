"""Rotation on the synthesized stacks: a rotate request moves the anchor and is a
trigger; every store's copy rolls with its key; and the output does not depend on
the day synth runs (the synth cache, the goldens and base-vs-head review rely on it).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main
from cdk.github.rotation_plan import (
    PLAN_DAY,
    interpolated,
    next_rotation_expression,
    plan_day_expression,
    rotation_triggers,
)
from cdk.lifecycle import EPOCH
from cdk.validation import load
from cdk.verify import github, verify_documents

from ..conftest import TODAY, Synthesized
from ..lifecycle.rotation_records import WITH_ROTATE
from ..records import write

# A day 40 days later: past a 30-day and several 7-day boundaries of the schedule.
LATER = "2027-01-08"
KEYED = {"tls_private_key", "github_repository_deploy_key",
         "aws_secretsmanager_secret_version", "google_secret_manager_secret_version"}


def _synth(tmp_path: Path, text: str, today: str) -> Synthesized:
    source = write(tmp_path, text)
    outdir = tmp_path / "cdktf.out"
    assert main(["synth", "-f", str(source), "-o", str(outdir), "--today", today]) == 0
    return Synthesized(outdir)


def _documents(out: Synthesized) -> dict[str, str]:
    return {name: (out.outdir / "stacks" / name / "cdk.tf.json").read_text()
            for name in out.stacks()}


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Synthesized, Synthesized]:
    """The deploy-keys records with rotate requests, synthesized today and 40 days later."""
    return (_synth(tmp_path_factory.mktemp("rotate-today"), WITH_ROTATE, TODAY.isoformat()),
            _synth(tmp_path_factory.mktemp("rotate-later"), WITH_ROTATE, LATER))


@pytest.mark.synth
def test_a_rotate_request_moves_the_anchor_and_is_a_trigger(
        rotated: tuple[Synthesized, Synthesized]) -> None:
    out, _ = rotated
    triggers = sorted((t["triggers"] for t in out.resources("release-bot", "time_static")),
                      key=lambda t: int(t["every_days"]))

    # The newest `on` of three requests (listed out of order) anchors both keys.
    assert triggers == [
        {"anchor": "2026-11-27", "every_days": "7", "requested": "2026-11-27",
         "period": "${floor((local.agentid_plan_day - 20784) / 7)}"},
        {"anchor": "2026-11-27", "every_days": "30", "requested": "2026-11-27",
         "period": "${floor((local.agentid_plan_day - 20784) / 30)}"}]
    # Another agent of the same file keeps the epoch schedule.
    [other] = out.resources("docs-sync", "time_static")
    assert other["triggers"]["requested"] == "" and other["triggers"]["anchor"] == "2024-01-01"


@pytest.mark.synth
def test_the_output_does_not_depend_on_the_day_of_synth(
        rotated: tuple[Synthesized, Synthesized]) -> None:
    today, later = rotated

    assert _documents(today) == _documents(later)
    for text in _documents(today).values():
        assert TODAY.isoformat() not in text and LATER not in text
        assert "time_rotating" not in text


def _wiring(stack: dict[str, Any]) -> list[str]:
    """What is wrong with the rotation wiring of one stack (empty: all is right)."""
    wrong: list[str] = []
    resources = stack.get("resource", {})
    statics = resources.get("time_static", {})
    keys = resources.get("tls_private_key", {})
    for kind in KEYED | {"azurerm_key_vault_secret"}:
        for name, body in resources.get(kind, {}).items():
            text = str({k: v for k, v in body.items() if k != "//"})
            static = re.search(r"time_static\.([A-Za-z0-9_-]+)", text)
            key = re.search(r"tls_private_key\.([A-Za-z0-9_-]+)", text)
            if static is None or static[1] not in statics:
                wrong.append(f"{kind}.{name}: no time_static of this stack")
                continue
            triggered = body.get("lifecycle", {}).get("replace_triggered_by", [])
            if kind in KEYED and f"time_static.{static[1]}" not in triggered:
                wrong.append(f"{kind}.{name}: not replaced with its time_static")
            if kind.endswith("_version") and f"tls_private_key.{key[1] if key else ''}" \
                    not in triggered:
                wrong.append(f"{kind}.{name}: not replaced with its key pair")
            if kind == "github_repository_deploy_key" and body["lifecycle"].get(
                    "create_before_destroy") is not True:
                wrong.append(f"{kind}.{name}: not created before destroyed")
            if kind == "azurerm_key_vault_secret" and (
                    f"time_static.{static[1]}.rfc3339" not in body["value_wo_version"]
                    or body["expiration_date"] != interpolated(
                        next_rotation_expression(EPOCH, 30))):
                wrong.append(f"{kind}.{name}: version or expiry not the rotation's")
    if keys and stack.get("locals") != {PLAN_DAY: interpolated(plan_day_expression())}:
        wrong.append("the plan day local is not the calendar formula over plantimestamp()")
    return wrong


def test_every_store_rolls_its_copy_with_the_key(
        synthesized_example: Synthesized, synthesized_deploy_keys: Synthesized,
        synthesized_gcp: Synthesized, synthesized_azure: Synthesized) -> None:
    found: set[str] = set()
    for out in (synthesized_example, synthesized_deploy_keys, synthesized_gcp,
                synthesized_azure):
        for name in out.stacks():
            stack = out.stack(name)
            assert _wiring(stack) == [], name
            assert "time_rotating" not in stack.get("resource", {})
            found |= set(stack.get("resource", {})) & (KEYED | {"azurerm_key_vault_secret"})
    # Each store's copy was seen: AWS, Google Cloud and Azure.
    assert found == KEYED | {"azurerm_key_vault_secret"}


@pytest.mark.synth
def test_verify_holds_the_stack_to_the_records_request(
        rotated: tuple[Synthesized, Synthesized]) -> None:
    # GIVEN the records with a rotate request, synthesized
    out, _ = rotated
    identities = load(out.outdir.parent / "identities.yaml", TODAY).identities
    documents = {name: out.stack(name) for name in out.stacks()}
    assert verify_documents(documents, identities).ok
    # WHEN a stack keeps the epoch schedule (the request is not honoured)
    for body in documents["release-bot"]["resource"]["time_static"].values():
        body["triggers"] = rotation_triggers(int(body["triggers"]["every_days"]), "")
    # THEN verify names each time_static
    report = verify_documents(documents, identities)
    assert sorted(f.address for f in report.findings
                  if f.invariant == github.DEPLOY_KEY_ROTATION.id) == sorted(
        f"time_static.{name}" for name in documents["release-bot"]["resource"]["time_static"])
