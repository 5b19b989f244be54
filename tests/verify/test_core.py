"""The core's pattern helpers: IAM-style globs and ARN-aware overlap."""

from __future__ import annotations

import pytest

from cdk.verify.core import arns_overlap, glob_match, globs_overlap, policy, statements


@pytest.mark.parametrize(("pattern", "text", "matches"), [
    ("iam:Create*", "iam:CreateRole", True),
    ("iam:create*", "IAM:CreateRole", True),
    ("s3:Get?bject", "s3:GetObject", True),
    ("iam:Create*", "iam:GetRole", False),
])
def test_glob_match(pattern: str, text: str, matches: bool) -> None:
    assert glob_match(pattern, text) is matches


@pytest.mark.parametrize(("first", "second", "overlap"), [
    ("s3:*", "s3:DeleteObject", True),
    ("iam:*Role", "iam:Create*", True),
    ("iam:Get*", "iam:Create*", False),
    ("*", "anything", True),
])
def test_globs_overlap(first: str, second: str, overlap: bool) -> None:
    assert globs_overlap(first, second) is overlap
    assert globs_overlap(second, first) is overlap


@pytest.mark.parametrize(("first", "second", "overlap"), [
    # A wildcard stays in its field: another agent's namespace is not reached.
    ("arn:aws:secretsmanager:*:1:secret:agents/fn-deployer/*",
     "arn:aws:secretsmanager:*:1:secret:agents/data-loader/*", False),
    ("arn:aws:secretsmanager:eu-west-1:1:secret:*",
     "arn:aws:secretsmanager:*:1:secret:agents/data-loader/*", True),
    ("*", "arn:aws:secretsmanager:*:1:secret:agents/data-loader/*", True),
    ("arn:aws:s3:::*", "arn:aws:secretsmanager:*:1:secret:agents/x/*", False),
])
def test_arns_overlap(first: str, second: str, overlap: bool) -> None:
    assert arns_overlap(first, second) is overlap


def test_a_policy_is_literal_json_or_nothing() -> None:
    assert policy('{"Statement": {"Effect": "Allow"}}') == {"Statement": {"Effect": "Allow"}}
    assert statements({"Statement": {"Effect": "Allow"}}) == [{"Effect": "Allow"}]
    assert policy("${data.aws_iam_policy_document.x.json}") is None
    assert policy(None) is None
    assert policy("[1]") is None
