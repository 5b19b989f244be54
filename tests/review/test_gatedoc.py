"""The README's list of review gates and rules is the one the code generates."""

from __future__ import annotations

from cdk.review.content import RULES
from cdk.review.gatedoc import gate_list, readme_section
from cdk.review.gates import GATES_WHY

from ..conftest import ROOT


def test_the_readme_gate_list_equals_what_the_code_generates() -> None:
    section = readme_section((ROOT / "README.md").read_text())
    assert section, "the README has no generated gate list"
    assert section == gate_list(), (
        "regenerate the README's gate list with `python -m cdk.review.gatedoc`")


def test_the_gate_list_names_every_gate_and_every_rule_with_a_reason() -> None:
    text = gate_list()
    for gate in GATES_WHY:
        assert f"`{gate}`" in text
    for rule in RULES:
        assert len(rule.reason) >= 20
        assert rule.reason.replace("|", "\\|") in text
