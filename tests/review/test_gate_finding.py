"""A review gate is a Finding: one finding type for validation and review.

GIVEN a change that fails review gates, WHEN the packet is built, THEN every gate
is a :class:`cdk.errors.Finding` (its id, message and fix read the same way as a
rule finding's) plus the agent, example and summary only a gate has, the JSON
packet names them as before (``path`` and ``location`` added, empty: a gate judges
a change, not a place in one file), and the expiry gate and the expiry rule give
the same limit from one computation.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cdk.checks.identity import latest_expiry
from cdk.errors import Finding, Gate
from cdk.loader import validate_schema
from cdk.review.build import build_packet
from cdk.review.escalations import example_entry, requirement
from cdk.review.gates import GATE_EXPIRY, GATE_NEW_AGENT
from cdk.review.inputs import side_of
from cdk.yamlsafe import parse

from ..conftest import TODAY
from ..records import BASE, variant
from .helpers import SECOND_AGENT, review


def test_every_gate_is_a_finding_with_the_gate_fields(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = variant("expires: 2027-02-15", "expires: 2028-01-01") + SECOND_AGENT
    base_side = side_of("base.yaml", parse("base.yaml", BASE), TODAY, is_base=True)
    head_side = side_of("identities.yaml", parse("identities.yaml", head), TODAY,
                        is_base=False)

    packet = build_packet(base_side, head_side, TODAY)

    assert {g.id for g in packet.gates} >= {GATE_EXPIRY, GATE_NEW_AGENT}
    for gate in packet.gates:
        assert isinstance(gate, Finding) and isinstance(gate, Gate)
        assert gate.path == () and gate.location is None
        assert gate.render().endswith(f"[{gate.id}]") and gate.fix in gate.render()
    new_agent = next(g for g in packet.gates if g.id == GATE_NEW_AGENT)
    assert new_agent.agent == "docs-reader"
    assert new_agent.example == f"escalations: [{example_entry(TODAY, 'acme')}]"
    assert requirement("acme") in new_agent.fix

    # The JSON packet keeps the gate's keys; path and location are the Finding's.
    result = review(tmp_path, BASE, head, capsys, "--no-synth")
    assert result.code == 1
    for gate in result.packet["gates"]:
        assert set(gate) == {"id", "agent", "message", "fix", "example", "summary", "path",
                             "location"}
        assert gate["path"] == [] and gate["location"] is None


def test_the_expiry_gate_and_the_expiry_rule_share_one_limit() -> None:
    base = validate_schema(parse("base.yaml", BASE))
    limit = latest_expiry(base, TODAY)
    head = variant("expires: 2027-02-15", f"expires: {limit}")
    later = variant("expires: 2027-02-15", f"expires: {limit + timedelta(days=1)}")

    def gates(text: str) -> list[str]:
        packet = build_packet(
            side_of("base.yaml", parse("base.yaml", BASE), TODAY, is_base=True),
            side_of("identities.yaml", parse("identities.yaml", text), TODAY, is_base=False),
            TODAY)
        return [g.id for g in packet.gates]

    def rules(text: str) -> list[str]:
        side = side_of("identities.yaml", parse("identities.yaml", text), TODAY,
                       is_base=False)
        return [f.id for f in side.findings]

    assert GATE_EXPIRY not in gates(head) and "AgentId-ExpiryBeyondPolicy" not in rules(head)
    assert GATE_EXPIRY in gates(later) and "AgentId-ExpiryBeyondPolicy" in rules(later)
    assert f"set `expires` on or before {limit}" in next(
        g.fix for g in build_packet(
            side_of("base.yaml", parse("base.yaml", BASE), TODAY, is_base=True),
            side_of("identities.yaml", parse("identities.yaml", later), TODAY,
                    is_base=False), TODAY).gates if g.id == GATE_EXPIRY)
