"""`--plan-json DIR`: Terraform's own counts, sensitive values masked and never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdk.review.terraform import action_of, summarize_plan

from ..conftest import FIXTURES
from ..records import BASE, variant
from .helpers import review

PLANS = FIXTURES / "review" / "plans"
# The committed fixture holds a placeholder, so the repository-wide private-key
# scan stays meaningful; tests that check masking put a key-shaped value in.
FAKE_KEY = "-----BEGIN " + "OPENSSH PRIVATE KEY----- SECRET-BEFORE"


def _plans_with_fake_key(tmp_path: Path) -> Path:
    plans = tmp_path / "plans"
    plans.mkdir()
    for source in PLANS.glob("*.json"):
        text = source.read_text().replace("@@FAKE_PRIVATE_KEY@@", FAKE_KEY)
        (plans / source.name).write_text(text)
    return plans


@pytest.mark.parametrize(("actions", "word"), [
    (["create"], "create"), (["update"], "update"), (["delete"], "delete"),
    (["delete", "create"], "replace"), (["create", "delete"], "replace"),
    (["no-op"], None), (["read"], None),
])
def test_terraform_actions_map_to_one_word(actions: list[str], word: str | None) -> None:
    assert action_of(actions) == word


def test_counts_come_from_resource_changes_actions() -> None:
    plan = json.loads((PLANS / "release-bot.json").read_text())
    summary = summarize_plan("release-bot", plan)
    assert (summary.create, summary.update, summary.delete, summary.replace) == (1, 1, 1, 1)
    key = next(c for c in summary.changes if c.address.startswith("tls_private_key."))
    assert key.action == "replace"
    assert key.masked == ("private_key_openssh",)


def test_the_packet_adds_terraform_counts_and_masks_sensitive_values(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = variant("expires: 2027-02-15", "expires: 2027-02-20")
    plans = _plans_with_fake_key(tmp_path)
    assert FAKE_KEY in (plans / "release-bot.json").read_text()
    result = review(tmp_path, BASE, head, capsys, "--plan-json", str(plans))
    plan = result.agent("release-bot")["terraform"]
    assert (plan["create"], plan["update"], plan["delete"], plan["replace"]) == (1, 1, 1, 1)
    assert ("Terraform plan of `release-bot`: 1 to add, 1 to change, 1 to replace, "
            "1 to destroy") in result.markdown
    assert "`secret_string` (sensitive, masked)" in result.markdown
    for output in (result.markdown, json.dumps(result.packet)):
        assert "SECRET" not in output and "OPENSSH PRIVATE KEY" not in output


def test_a_plan_dir_that_is_not_terraform_json_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cdk.cli import main

    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "release-bot.json").write_text('{"hello": 1}')
    (tmp_path / "identities.yaml").write_text(BASE)
    code = main(["review", "--base-file", str(tmp_path / "identities.yaml"), "-f",
                 str(tmp_path / "identities.yaml"), "--plan-json", str(plans), "--no-synth"])
    assert code == 1
    assert "not a `terraform show -json` plan" in capsys.readouterr().err


def test_a_plan_of_a_stack_without_a_record_change_is_still_shown(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Drift: the record did not change, but Terraform would change the stack.
    result = review(tmp_path, BASE, BASE, capsys, "--plan-json", str(PLANS), "--no-synth")
    assert result.packet["agents"] == []
    assert [p["stack"] for p in result.packet["other_plans"]] == ["release-bot"]
    assert "### Terraform plans of stacks without a record change" in result.markdown
