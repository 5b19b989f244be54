"""Review of alerts, shared by each cloud's alert tests: adding, changing or removing an
agent's alerts is neither a broadening nor a narrowing (docs/alerts.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main
from cdk.loader import validate_schema
from cdk.review.changes import compare, synthesized_content
from cdk.review.packet import Side, contents
from cdk.review.verdicts import HARMLESS
from cdk.yamlsafe import parse

from .conftest import TODAY_ARG, Synthesized


def assert_harmless_without_synthesis(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      base: str, head: str, plan_key: str) -> None:
    """``base`` -> ``head`` changes only the plan ``plan_key`` of release-bot, harmlessly,
    and ``review --no-synth`` passes every gate."""
    sides = [contents(Side(label, validate_schema(parse("identities.yaml", text))))
             for label, text in (("b", base), ("h", head))]
    changes = compare("release-bot", sides[0]["release-bot"], sides[1]["release-bot"])
    assert [(c.address, c.kind) for c in changes] == [(plan_key, HARMLESS)]

    (tmp_path / "base.yaml").write_text(base)
    (tmp_path / "identities.yaml").write_text(head)
    capsys.readouterr()
    code = main(["review", "--base-file", str(tmp_path / "base.yaml"), "-f",
                 str(tmp_path / "identities.yaml"), "--today", TODAY_ARG, "--format", "json",
                 "--no-synth"])
    packet = json.loads(capsys.readouterr().out)
    assert (code, packet["gates"]) == (0, [])


def assert_harmless_synthesized(out: Synthesized, stack_name: str,
                                kinds: tuple[str, ...]) -> None:
    """On the synthesized stack: the alert resources (of ``kinds``) created, removed, or
    their channels changed, are each judged harmless."""
    stack = out.stack(stack_name)
    with_alerts = synthesized_content(stack)
    without = synthesized_content(
        {**stack, "resource": {kind: body for kind, body in stack["resource"].items()
                               if kind not in kinds}})
    changed = {address: _elsewhere(body) if address.split(".")[0] in kinds else body
               for address, body in with_alerts.items()}

    for base, head in ((without, with_alerts), (with_alerts, without), (with_alerts, changed)):
        changes = compare(stack_name, base, head)
        assert changes
        assert {c.address.split(".")[0] for c in changes} <= set(kinds)
        assert all(c.kind == HARMLESS for c in changes), changes


def _elsewhere(body: dict[str, Any]) -> dict[str, Any]:
    """The alert's channels (or action groups) replaced by others."""
    return {**body, **{key: ["elsewhere"] for key in ("notification_channels", "action")
                       if key in body}}
