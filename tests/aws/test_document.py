"""One policy document type: statements, rendered JSON, size against its kind's limit,
and the validation every AWS document agentid writes passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdk.aws import document, plan, scope, secret_plan
from cdk.aws.document import INLINE, KEY, MANAGED, SECRET, TRUST, PolicyDocument
from cdk.loader import Loaded
from cdk.plan import render_json
from cdk.validation import load

from ..conftest import TODAY, Synthesized
from ..records import DEPLOY_KEYS, write

ALLOW = {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": ["arn:aws:s3:::b/*"]}
TRUSTING = {"Sid": "T", "Effect": "Allow", "Principal": {"Federated": "arn"},
            "Action": "sts:AssumeRoleWithWebIdentity"}


def test_iams_limits_by_kind() -> None:
    assert (TRUST.limit, INLINE.limit, MANAGED.limit) == (2048, 10_240, 6_144)
    assert (KEY.limit, SECRET.limit) == (32_768, 20_480)


def test_a_document_renders_its_statements_as_given() -> None:
    doc = PolicyDocument(INLINE, (ALLOW,))
    assert doc.json() == {"Version": "2012-10-17", "Statement": [ALLOW]}
    assert doc.rendered() == render_json(doc.json())
    assert doc.validated() == doc.json()


def test_trust_size_counts_whitespace_and_identity_sizes_do_not() -> None:
    # GIVEN the same statements with a space in a string
    spaced = {**TRUSTING, "Condition": {"StringEquals": {"k": "a b"}}}
    trust = PolicyDocument(TRUST, (spaced,))
    inline = PolicyDocument(INLINE, ({**ALLOW, "Resource": ["a b"]},))
    # THEN the trust policy counts it as rendered, the inline policy without it
    assert trust.size() == len(trust.rendered())
    assert inline.size() == len(inline.rendered()) - 1 == document.policy_size(inline.json())


@pytest.mark.parametrize(("kind", "statement", "problem"), [
    (INLINE, {**ALLOW, "Action": []}, "no actions"),
    (INLINE, {k: v for k, v in ALLOW.items() if k != "Action"}, "no actions"),
    (INLINE, {**ALLOW, "Action": "*"}, "allows every action"),
    (MANAGED, {**ALLOW, "Action": ["s3:GetObject", "*"]}, "allows every action"),
    (INLINE, {**ALLOW, "Resource": []}, "no resources"),
    (MANAGED, {**ALLOW, "Principal": "*"}, "a principal in an identity policy"),
    (KEY, {**ALLOW, "Resource": "*"}, "no principal"),
    (SECRET, {**ALLOW, "Effect": "Maybe", "Principal": "*"}, "not Allow or Deny"),
    (TRUST, {k: v for k, v in TRUSTING.items() if k != "Principal"}, "no principal"),
])
def test_a_malformed_statement_is_refused_as_a_bug(
        kind: document.Kind, statement: dict[str, Any], problem: str) -> None:
    doc = PolicyDocument(kind, (statement,))
    assert any(problem in p for p in doc.problems()), doc.problems()
    with pytest.raises(ValueError, match="a bug in agentid"):
        doc.validated()


def test_a_deny_of_every_action_and_a_trust_without_resources_are_fine() -> None:
    deny_all = {"Sid": "D", "Effect": "Deny", "Action": "*", "Resource": "*"}
    assert PolicyDocument(MANAGED, (deny_all,)).problems() == []
    assert PolicyDocument(TRUST, (TRUSTING,)).problems() == []


def test_two_statements_of_one_sid_are_refused() -> None:
    problems = PolicyDocument(INLINE, (ALLOW, {**ALLOW, "Action": ["s3:PutObject"]})).problems()
    assert problems == ["duplicate statement ids ['A']"]


def _documents(loaded: Loaded) -> list[PolicyDocument]:
    identities = loaded.identities
    aws = identities.defaults.aws
    assert aws is not None
    found = []
    for agent in identities.agents:
        if plan.has_role(agent, identities):
            found.append(PolicyDocument(TRUST, tuple(
                plan.trust_policy(agent, aws, identities.defaults.github)["Statement"])))
            found.append(PolicyDocument(MANAGED, tuple(
                scope.boundary_document(agent, identities)["Statement"])))
            permissions = scope.permissions_document(agent, identities)
            if permissions is not None:
                found.append(PolicyDocument(INLINE, tuple(permissions["Statement"])))
        if agent.github.deploy_keys:
            found.append(PolicyDocument(KEY, tuple(
                secret_plan.key_policy(agent, aws)["Statement"])))
            found.append(PolicyDocument(SECRET, tuple(
                secret_plan.secret_policy(agent, aws)["Statement"])))
    return found


def test_every_document_of_the_example_and_deploy_keys_is_well_formed_and_fits(
        example: Loaded, tmp_path: Path) -> None:
    # GIVEN every AWS document of the example and of agents with deploy keys in AWS
    for loaded in (example, load(write(tmp_path, DEPLOY_KEYS), TODAY)):
        documents = _documents(loaded)
        assert {d.kind for d in documents} == {TRUST, MANAGED, INLINE, KEY, SECRET}
        # THEN each is well formed and within its kind's limit
        for doc in documents:
            assert doc.problems() == [], doc.kind.name
            assert doc.size() <= doc.kind.limit, doc.kind.name


def test_an_agent_with_only_keys_in_aws_hands_review_its_trust_and_boundary(
        tmp_path: Path) -> None:
    # GIVEN docs-sync: no aws scope, deploy keys stored in AWS, so a role
    identities = load(write(tmp_path, DEPLOY_KEYS), TODAY).identities
    agent = next(a for a in identities.agents if a.name == "docs-sync")
    assert agent.aws is None and plan.uses_aws(agent) and plan.has_role(agent, identities)
    # WHEN its documents are listed for review THEN its role's trust is among them
    documents = scope.policy_documents(agent, identities)
    assert set(documents) == {"trust", "boundary", "permissions"}
    assert documents["trust"] == plan.plan_role(agent, identities).trust_policy


# Synthesized AWS documents by (resource type, attribute): each is the kind it is.
SYNTHESIZED_KINDS = {("aws_iam_role", "assume_role_policy"): TRUST,
                     ("aws_iam_role_policy", "policy"): INLINE,
                     ("aws_iam_policy", "policy"): MANAGED,
                     ("aws_kms_key", "policy"): KEY,
                     ("aws_secretsmanager_secret_policy", "policy"): SECRET}


def test_every_synthesized_aws_document_is_well_formed_and_fits(
        synthesized_example: Synthesized) -> None:
    seen = set()
    for stack in synthesized_example.stacks():
        for (kind, attribute), doc_kind in SYNTHESIZED_KINDS.items():
            for resource in synthesized_example.resources(stack, kind):
                parsed = json.loads(resource[attribute])
                assert parsed["Version"] == "2012-10-17"
                doc = PolicyDocument(doc_kind, tuple(parsed["Statement"]))
                assert doc.problems() == [], (stack, kind)
                assert doc.rendered() == resource[attribute], (stack, kind)
                assert doc.size() <= doc_kind.limit, (stack, kind)
                seen.add(doc_kind)
    assert seen == set(SYNTHESIZED_KINDS.values())
