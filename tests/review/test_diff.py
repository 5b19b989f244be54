"""The pure comparisons behind a packet: statements, trust grants, keys, resources."""

from __future__ import annotations

from typing import Any

from cdk.review.diff import (
    by_resource,
    diff_deploy_keys,
    diff_permissions,
    diff_stack,
    expand,
)
from cdk.review.trust import diff_trust

SUB = "token.actions.githubusercontent.com:sub"
PIN = "token.actions.githubusercontent.com:job_workflow_ref"
IDS = "token.actions.githubusercontent.com:repository_id"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _trust(*entries: tuple[str, str | None, str]) -> dict[str, Any]:
    statements = []
    for sub, pin, repo_id in entries:
        equals: dict[str, Any] = {SUB: [sub], IDS: [repo_id]}
        if pin:
            equals[PIN] = [pin]
        statements.append({"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                           "Principal": {"Federated": "arn"},
                           "Condition": {"StringEquals": equals}})
    return _doc(*statements)


def test_statements_expand_to_action_resource_rows_with_conditions() -> None:
    rows = expand(_doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Resource": "arn:a", "Condition": {"Bool": {"aws:SecureTransport": True}}}))
    assert rows == {("Allow", "s3:GetObject", "arn:a", '{"Bool":{"aws:SecureTransport":true}}'),
                    ("Allow", "s3:ListBucket", "arn:a", '{"Bool":{"aws:SecureTransport":true}}')}


def test_a_removed_deny_is_a_broadening_and_an_added_deny_a_narrowing() -> None:
    deny = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    # The head still allows something, so losing the deny lets that through
    # (see test_denies_lost_with_every_allow_are_not_a_broadening).
    allow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:b"}
    widened = diff_permissions({"permissions": _doc(allow, deny)}, {"permissions": _doc(allow)})
    assert [(g.effect, g.action) for g in widened.broadened] == [("Deny", "s3:DeleteObject")]
    tightened = diff_permissions({"boundary": _doc()}, {"boundary": _doc(deny)})
    assert tightened.narrowed[0].documents == ("boundary",)


def test_one_row_changed_in_two_documents_is_listed_once_with_both() -> None:
    allow = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:b"}
    result = diff_permissions({}, {"permissions": _doc(allow), "boundary": _doc(allow)})
    assert [(g.action, g.documents) for g in result.broadened] == [
        ("s3:PutObject", ("boundary", "permissions"))]
    assert by_resource(result.broadened)[0].actions == ("s3:PutObject",)


def test_removing_a_workflow_pin_broadens_trust_and_adding_one_narrows_it() -> None:
    pin = "acme/api/.github/workflows/r.yml@refs/heads/main"
    pinned = _trust(("repo:acme/api:environment:e", pin, "1"))
    unpinned = _trust(("repo:acme/api:environment:e", None, "1"))
    widened = diff_trust(pinned, unpinned)
    assert widened.broadened == ("repo:acme/api:environment:e no longer pinned to a workflow",)
    assert widened.pins_removed == (
        "repo:acme/api:environment:e -> acme/api/.github/workflows/r.yml@refs/heads/main",)
    assert diff_trust(unpinned, pinned).narrowed == (
        "repo:acme/api:environment:e now pinned to a workflow",)


def test_a_new_subject_in_a_known_repo_is_a_broadening_without_a_new_repo() -> None:
    base = _trust(("repo:acme/api:environment:a", None, "1"))
    head = _trust(("repo:acme/api:environment:a", None, "1"),
                  ("repo:acme/api:environment:b", None, "1"))
    result = diff_trust(base, head)
    assert result.broadened == ("new subject repo:acme/api:environment:b",)
    assert result.repos_added == ()


def test_deploy_key_access() -> None:
    result = diff_deploy_keys({"acme/api": "read", "acme/old": "read"},
                              {"acme/api": "write", "acme/web": "read"})
    assert result.broadened == ("deploy key on acme/api: read -> write",
                                "new read deploy key on acme/web")
    assert result.narrowed == ("read deploy key on acme/old removed",)
    assert diff_deploy_keys({"acme/api": "write"}, {"acme/api": "read"}).narrowed == (
        "deploy key on acme/api: write -> read",)


def test_resource_changes_ignore_metadata_and_mark_replacements() -> None:
    def stack(name: str, path: str) -> dict[str, Any]:
        return {"resource": {"aws_iam_role": {"r": {"//": {"metadata": {"path": path}},
                                                    "name": name, "tags": {}}}}}

    assert diff_stack("s", stack("agent-a", "x"), stack("agent-a", "y")).changes == ()
    change = diff_stack("s", stack("agent-a", "x"), stack("agent-b", "x")).changes[0]
    assert (change.address, change.action, change.attributes) == (
        "aws_iam_role.r", "replace", ("name",))


def test_denies_lost_with_every_allow_are_not_a_broadening() -> None:
    # GIVEN a boundary of one allow and one deny, WHEN the whole document goes
    # (a tombstone), THEN nothing is broadened; WHEN only the deny goes, it is.
    from cdk.review.diff import diff_permissions

    allow = {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:x"]}
    deny = {"Sid": "D", "Effect": "Deny", "Action": ["iam:Put*"], "Resource": ["*"]}
    base = {"boundary": {"Version": "2012-10-17", "Statement": [allow, deny]}}

    gone = diff_permissions(base, {})
    assert gone.broadened == ()
    assert {g.action for g in gone.narrowed} == {"s3:GetObject"}

    deny_dropped = diff_permissions(
        base, {"boundary": {"Version": "2012-10-17", "Statement": [allow]}})
    assert [g.action for g in deny_dropped.broadened] == ["iam:Put*"]
