"""The CEL subset of a provider's condition and mapping, read for meaning."""

from __future__ import annotations

import pytest

from cdk.verify.cel import accepted, evaluate

OWNER = 'assertion.repository_owner_id == "7"'


def test_a_condition_becomes_the_token_shapes_it_accepts() -> None:
    condition = (f'{OWNER} && ((assertion.repository_id == "5" && assertion.environment == '
                 f'"e" && (assertion.sub == "a" || assertion.sub == "b")) || '
                 f'(assertion.sub == "c" && assertion.repository_id == "6"))')
    assert accepted(condition) == [
        {"repository_owner_id": "7", "repository_id": "5", "environment": "e", "sub": "a"},
        {"repository_owner_id": "7", "repository_id": "5", "environment": "e", "sub": "b"},
        {"repository_owner_id": "7", "sub": "c", "repository_id": "6"},
    ]


@pytest.mark.parametrize(("condition", "clauses"), [
    (f"{OWNER} && false", []),
    (f"{OWNER} || true", [{"repository_owner_id": "7"}, {}]),
    # Contradictory pins accept nothing.
    ('assertion.sub == "a" && assertion.sub == "b"', []),
])
def test_constants_and_contradictions(condition: str, clauses: list[dict[str, str]]) -> None:
    assert accepted(condition) == clauses


@pytest.mark.parametrize("condition", [
    'assertion.sub.startsWith("repo:acme/")',
    'assertion.sub != "a"',
    f"{OWNER} && (",
    '"a" == assertion.sub',
    "",
])
def test_anything_else_is_unreadable(condition: str) -> None:
    assert accepted(condition) is None


def test_a_mapping_is_evaluated_for_claims() -> None:
    claims = {"sub": "repo:acme/api:environment:e", "repository_id": "5", "environment": "e"}
    assert evaluate('assertion.sub + "::" + assertion.repository_id', claims) == \
        "repo:acme/api:environment:e::5"
    assert evaluate('"repository_id:" + assertion.repository_id + ":environment:" + '
                    "assertion.environment", claims) == "repository_id:5:environment:e"
    assert evaluate("assertion.missing", claims) is None
    assert evaluate('assertion.sub + + "x"', claims) is None
