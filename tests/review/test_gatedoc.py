"""docs/review.md's list of review gates and rules is the one the code generates."""

from __future__ import annotations

from cdk.review.content import RULES
from cdk.review.gatedoc import DOC, doc_section, gate_list
from cdk.review.gates import GATES_WHY

from ..conftest import ROOT


def test_the_documented_gate_list_equals_what_the_code_generates() -> None:
    section = doc_section((ROOT / DOC).read_text())
    assert section, f"{DOC} has no generated gate list"
    assert section == gate_list(), (
        f"regenerate {DOC}'s gate list with `python -m cdk.review.gatedoc`")


def test_the_gate_list_names_every_gate_and_every_rule_with_a_reason() -> None:
    text = gate_list()
    for gate in GATES_WHY:
        assert f"`{gate}`" in text
    for rule in RULES:
        assert len(rule.reason) >= 20
        assert rule.reason.replace("|", "\\|") in text
