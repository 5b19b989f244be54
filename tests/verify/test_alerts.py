"""Google Cloud and Azure alert invariants: each corruption of a synthesized stack is caught
(a filter or criterion broader than the agent's own principal, channels other than the
record's, an alert nobody configured)."""

from __future__ import annotations

import pytest

from cdk.verify.gcp_alerts import clauses

from .helpers import Mutation, Output, assert_caught
from .mutations_alerts import MUTATIONS


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_corruption_is_caught(outputs: dict[str, Output], mutation: Mutation) -> None:
    assert_caught(outputs[mutation.output], mutation)


@pytest.mark.parametrize("text", [
    'a="x" OR b="y"', 'a:"x"', 'a=~"x"', '(a="x")', 'NOT a="x"', 'a="x" AND a="y"',
    'a="x" AND', 'a="x"AND b="y"', 'a="x\\" OR b=\\"y"  AND c=1 extra'])
def test_verify_reads_only_anded_equalities(text: str) -> None:
    assert clauses(text) is None


def test_a_quoted_and_is_part_of_the_value() -> None:
    assert clauses('a="x AND b=1" AND c=7') == {"a": "x AND b=1", "c": "7"}
    assert clauses('a="q\\"uote"') == {"a": 'q"uote'}
