"""Switching an entry's subject form, as the review sees it.

GIVEN a base and a head that differ only in the subject form of an entry (or of the
organization), WHEN `agentid review` runs, THEN the change is a trust change shown in
the packet; legacy -> immutable with the same ids is no broadening (no escalation
needed), while a form accepted beside the old one (legacy -> both) or the ids
leaving the subject (immutable -> legacy) is a broadening the gate refuses without
an escalation. The classification itself is the pure
:func:`cdk.subjects.classify_subject_change`, tested first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.subjects import classify_subject_change

from ..records import AZURE, BASE, GCP, variant
from .helpers import Result, review

LEGACY = "repo:acme/api:environment:agent-release-bot"
IMMUTABLE = "repo:acme@1342004/api@123456:environment:agent-release-bot"
GATE = "AgentId-Review-UnapprovedBroadening"


# --------------------------------------------------------------------------- pure


def test_legacy_to_immutable_with_the_same_id_is_a_respelling_not_a_broadening() -> None:
    change = classify_subject_change({LEGACY}, {IMMUTABLE}, {"123456"})
    assert change.broadened == () and change.narrowed == ()
    assert change.respelled == (f"{LEGACY} → {IMMUTABLE} (same repository; its owner and "
                                "repository ids are now part of the subject)",)
    assert change.changed


def test_a_second_form_beside_the_first_is_a_broadening() -> None:
    # legacy -> both and immutable -> both
    assert classify_subject_change({LEGACY}, {LEGACY, IMMUTABLE}, {"123456"}).broadened == (
        f"new subject {IMMUTABLE} (a second form, beside {LEGACY})",)
    assert classify_subject_change({IMMUTABLE}, {LEGACY, IMMUTABLE}, {"123456"}).broadened == (
        f"new subject {LEGACY} (legacy form: the owner and repository ids leave the subject)",)


def test_immutable_to_legacy_is_a_broadening_and_both_to_one_a_narrowing() -> None:
    back = classify_subject_change({IMMUTABLE}, {LEGACY}, {"123456"})
    assert back.broadened == (
        f"new subject {LEGACY} (legacy form: the owner and repository ids leave the subject)",)
    assert back.narrowed == (f"subject {IMMUTABLE} removed",)

    narrowed = classify_subject_change({LEGACY, IMMUTABLE}, {IMMUTABLE}, {"123456"})
    assert narrowed.broadened == () and narrowed.respelled == ()
    assert narrowed.narrowed == (f"subject {LEGACY} removed",)


def test_a_respelling_to_an_id_the_base_did_not_pin_is_a_broadening() -> None:
    other = "repo:acme@1342004/api@999:environment:agent-release-bot"
    assert classify_subject_change({LEGACY}, {other}, {"123456"}).broadened == (
        f"new subject {other}",)
    # Where nothing pinned an id beside the legacy subject (Azure), naming one only
    # tightens: the legacy subject accepted any repository of that name.
    assert classify_subject_change({LEGACY}, {other}, None).respelled


@pytest.mark.parametrize("head", [
    "repo:acme@1/api:environment:agent-release-bot",   # one id without the other
    "repo:acme/api:ref:refs/heads/main",               # not an environment subject
    "something-else",
])
def test_a_subject_that_does_not_parse_is_compared_as_text_and_new_means_broadened(
        head: str) -> None:
    assert classify_subject_change({LEGACY}, {head}, {"123456"}).broadened == (
        f"new subject {head}",)


# --------------------------------------------------------------------------- packets


def _form(text: str, form: str) -> str:
    return variant("        environment: agent-release-bot\n",
                   f"        environment: agent-release-bot\n        subject_form: {form}\n",
                   text)


def _trust(result: Result) -> dict[str, list[str]]:
    trust: dict[str, list[str]] = result.agent("release-bot")["trust"]
    return trust


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_switching_legacy_to_immutable_is_shown_and_needs_no_escalation(
        cloud: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = {"aws": BASE, "gcp": GCP, "azure": AZURE}[cloud]
    # GIVEN a base whose entry states legacy and a head that states immutable
    result = review(tmp_path, _form(text, "legacy"), _form(text, "immutable"), capsys)

    # THEN the packet shows the respelling as a trust change, nothing as broadened,
    # and the gate passes without an escalation
    trust = _trust(result)
    assert trust["respelled"] == [f"{LEGACY} → {IMMUTABLE} (same repository; its owner and "
                                  "repository ids are now part of the subject)"]
    assert trust["broadened"] == []
    assert result.agent("release-bot")["permissions"]["broadened"] == []
    assert result.code == 0, result.packet["gates"]
    markdown = result.markdown.replace("\u2060", "")
    assert "**Subject form changed** (same repositories and ids; not a broadening)" in markdown
    assert f"{LEGACY} → {IMMUTABLE}" in markdown


@pytest.mark.parametrize("cloud", ["aws", "gcp"])
def test_accepting_both_forms_is_a_broadening_that_needs_an_escalation(
        cloud: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = {"aws": BASE, "gcp": GCP}[cloud]
    result = review(tmp_path, _form(text, "legacy"), _form(text, "both"), capsys)

    trust = _trust(result)
    assert trust["broadened"] == [f"new subject {IMMUTABLE} (a second form, beside {LEGACY})"]
    assert trust["respelled"] == []
    assert result.code == 1
    # (on Google Cloud the foundation's pool condition broadens too: a gate each)
    assert set(result.gate_ids()) == {GATE}
    assert "new subject" in result.markdown


def test_the_organization_switching_back_to_legacy_is_a_broadening(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN only defaults.github changes: the agent's record is the same
    head = variant("github: {owner: acme, owner_id: 1342004}",
                   "github: {owner: acme, owner_id: 1342004, subject_form: legacy}")
    result = review(tmp_path, BASE, head, capsys)

    trust = _trust(result)
    assert trust["broadened"] == [
        f"new subject {LEGACY} (legacy form: the owner and repository ids leave the subject)"]
    assert trust["narrowed"] == [f"subject {IMMUTABLE} removed"]
    # (the defaults change is also a weakened control of its own: a gate each)
    assert set(result.gate_ids()) == {GATE}


def test_the_organization_switching_to_immutable_needs_no_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = variant("github: {owner: acme, owner_id: 1342004}",
                   "github: {owner: acme, owner_id: 1342004, subject_form: legacy}")
    result = review(tmp_path, base, BASE, capsys)

    assert _trust(result)["respelled"] == [
        f"{LEGACY} → {IMMUTABLE} (same repository; its owner and repository ids are now "
        "part of the subject)"]
    assert _trust(result)["broadened"] == []
    assert result.code == 0, result.packet["gates"]
