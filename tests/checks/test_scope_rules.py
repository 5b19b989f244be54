"""Each scope rule: a compliant record passes, a non-compliant one fails with its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.errors import Finding, InputError, format_path
from cdk.loader import load

from ..conftest import TODAY
from ..records import BASE, line_of, variant, write

ACCESS = '        read: ["arn:aws:s3:::acme-artifacts/releases/*"]\n'


def _scope(scope: str, never: str = "") -> str:
    """BASE with the aws scope replaced (indented under `aws:`) and must_never_hold."""
    text = variant("      access:\n" + ACCESS, scope)
    return text + (f"    must_never_hold: {never}\n" if never else "")


def _findings(tmp_path: Path, text: str) -> list[Finding]:
    path = write(tmp_path, text)
    try:
        load(path, TODAY)
    except InputError as exc:
        return exc.findings
    return []


def _only(tmp_path: Path, text: str, rule: str) -> list[Finding]:
    found = _findings(tmp_path, text)
    assert found, "expected findings"
    return [f for f in found if f.rule == rule]


COMPLIANT = [
    pytest.param(BASE, id="access-read"),
    pytest.param(_scope("      access:\n        list: [\"arn:aws:s3:::acme-artifacts\"]\n"
                        "      statements:\n"
                        "        - actions: [\"s3:PutObject\"]\n"
                        "          resources: [\"arn:aws:s3:::acme-artifacts/releases/*\"]\n"
                        "        - actions: [\"cloudwatch:PutMetricData\"]\n"
                        "          resources: [\"*\"]\n"
                        "          reason: no resource-level permissions\n",
                        never='["s3:DeleteObject"]'), id="statements"),
    pytest.param(_scope("      statements:\n        - actions: [\"s3:GetObject\"]\n"
                        "          resources: [\"arn:aws:s3:::acme-build-*/cache/*\"]\n"
                        "          reason: one cache bucket per build runner, all ours\n"),
                 id="glob-in-bucket-name-with-reason"),
    pytest.param(_scope("      access:\n        read: [\"arn:aws:logs:eu-west-1:123456789012:"
                        "log-group:/etl/x:log-stream:*\"]\n"), id="glob-after-the-name"),
]


@pytest.mark.parametrize("text", COMPLIANT)
def test_compliant_scopes_pass(tmp_path: Path, text: str) -> None:
    assert _findings(tmp_path, text) == []


# (scope, must_never_hold, rule, path, message) — the message is exact, hint excluded.
NON_COMPLIANT = [
    pytest.param(
        '      access:\n        read: ["arn:aws:s3:::*"]\n', "", "AgentId-AwsArnInvalid",
        "agents[0].aws.access.read[0]", "arn:aws:s3:::* stands for every resource of its type",
        id="arn-every-bucket"),
    pytest.param(
        '      access:\n        read: ["arn:aws:iam::123456789012:role/*"]\n', "",
        "AgentId-AwsArnInvalid", "agents[0].aws.access.read[0]",
        "arn:aws:iam::123456789012:role/* stands for every resource of its type",
        id="arn-every-role"),
    pytest.param(
        '      access:\n        read: ["arn:aws:sqs:eu-west-1:999999999999:jobs"]\n', "",
        "AgentId-AwsArnInvalid", "agents[0].aws.access.read[0]",
        "arn:aws:sqs:eu-west-1:999999999999:jobs is in account 999999999999, not "
        "123456789012 of defaults.aws", id="arn-other-account"),
    pytest.param(
        '      access:\n        read: ["arn:aws-cn:s3:::acme/x"]\n', "",
        "AgentId-AwsArnInvalid", "agents[0].aws.access.read[0]",
        "arn:aws-cn:s3:::acme/x is in partition 'aws-cn', not 'aws' of defaults.aws",
        id="arn-other-partition"),
    pytest.param(
        '      access:\n        read: ["acme-artifacts"]\n', "",
        "AgentId-AwsArnInvalid", "agents[0].aws.access.read[0]",
        "'acme-artifacts' is not an ARN", id="not-an-arn"),
    pytest.param(
        '      access:\n        read: ["arn:aws:dynamodb::123456789012:table/t"]\n', "",
        "AgentId-AwsArnUnknownType", "agents[0].aws.access.read[0]",
        "arn:aws:dynamodb::123456789012:table/t matches no resource type in the AWS catalog",
        id="arn-no-type"),
    pytest.param(
        '      access:\n        list: ["arn:aws:sqs:eu-west-1:123456789012:jobs"]\n', "",
        "AgentId-AwsAccessGrantsNothing", "agents[0].aws.access.list[0]",
        "`list` has no actions on arn:aws:sqs:eu-west-1:123456789012:jobs (sqs queue)",
        id="level-grants-nothing"),
    pytest.param(
        '      statements:\n        - actions: ["s3:Get*"]\n'
        '          resources: ["arn:aws:s3:::acme-artifacts/releases/*"]\n', "",
        "AgentId-AwsWildcardAction", "agents[0].aws.statements[0].actions[0]",
        "action 's3:Get*' has a wildcard; statements take exact actions",
        id="wildcard-action"),
    pytest.param(
        '      statements:\n        - actions: ["s3:GetObjekt"]\n'
        '          resources: ["arn:aws:s3:::acme-artifacts/releases/*"]\n', "",
        "AgentId-AwsUnknownAction", "agents[0].aws.statements[0].actions[0]",
        "unknown action 's3:GetObjekt'", id="unknown-action"),
    pytest.param(
        '      statements:\n        - actions: ["cloudwatch:PutMetricData"]\n'
        '          resources: ["*"]\n', "",
        "AgentId-AwsWildcardResource", "agents[0].aws.statements[0].resources[0]",
        "resource `*` needs a `reason`", id="star-without-reason"),
    pytest.param(
        '      statements:\n        - actions: ["s3:GetObject"]\n'
        '          resources: ["*"]\n          reason: simpler\n', "",
        "AgentId-AwsWildcardResource", "agents[0].aws.statements[0].resources[0]",
        "s3:GetObject can be limited to resources (accesspointobject, object); `*` is only "
        "for actions without resource-level permissions", id="star-on-scoped-action"),
    pytest.param(
        '      statements:\n        - actions: ["s3:GetObject"]\n'
        '          resources: ["arn:aws:s3:::acme-artifacts"]\n', "",
        "AgentId-AwsResourceMismatch", "agents[0].aws.statements[0].actions[0]",
        "s3:GetObject acts on accesspointobject or object, and none of this statement's "
        "resources is one",
        id="resource-mismatch"),
    pytest.param(
        '      access:\n        write: ["arn:aws:s3:::acme-artifacts/releases/*"]\n',
        '["s3:DeleteObject"]', "AgentId-MustNeverHold", "agents[0].aws.access.write[0]",
        "`write` on arn:aws:s3:::acme-artifacts/releases/* grants s3:DeleteObject, which "
        "must_never_hold entry 's3:DeleteObject' forbids", id="must-never-hold-access"),
    pytest.param(
        '      statements:\n        - actions: ["s3:DeleteObject"]\n'
        '          resources: ["arn:aws:s3:::acme-artifacts/releases/*"]\n',
        '["s3:Delete*"]', "AgentId-MustNeverHold", "agents[0].aws.statements[0]",
        "this statement grants s3:DeleteObject, which must_never_hold entry 's3:Delete*' "
        "forbids", id="must-never-hold-pattern"),
    pytest.param(
        ACCESS.join(["      access:\n", ""]), '["s3:DeleteObjekt"]',
        "AgentId-MustNeverHoldUnknown", "agents[0].must_never_hold[0]",
        "'s3:DeleteObjekt' matches no AWS action", id="must-never-hold-typo"),
    pytest.param(
        '      access:\n        read: ["arn:aws:secretsmanager:eu-west-1:123456789012:'
        'secret:agents/docs-sync/deploy-keys/acme/docs-??????"]\n', "",
        "AgentId-AwsAgentResource", "agents[0].aws.access.read[0]",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:agents/docs-sync/deploy-keys/"
        "acme/docs-?????? names or covers agents' deploy-key secrets, which agentid manages",
        id="other-agents-secret"),
    pytest.param(
        '      access:\n        read: ["arn:aws:secretsmanager:eu-west-1:123456789012:'
        'secret:agents/release-bot/*"]\n', "",
        "AgentId-AwsAgentResource", "agents[0].aws.access.read[0]",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:agents/release-bot/* names or "
        "covers agents' deploy-key secrets, which agentid manages", id="own-secrets-by-scope"),
    pytest.param(
        '      access:\n        read: ["arn:aws:secretsmanager:eu-west-1:123456789012:'
        'secret:a*"]\n', "",
        "AgentId-AwsAgentResource", "agents[0].aws.access.read[0]",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:a* names or covers agents' "
        "deploy-key secrets, which agentid manages", id="glob-over-agents-secrets"),
    pytest.param(
        '      statements:\n        - actions: ["kms:Decrypt"]\n'
        '          resources: ["arn:aws:kms:eu-west-1:123456789012:alias/agent-docs-sync"]\n',
        "", "AgentId-AwsAgentResource", "agents[0].aws.statements[0].resources[0]",
        "arn:aws:kms:eu-west-1:123456789012:alias/agent-docs-sync names or covers agents' "
        "KMS key aliases, which agentid manages", id="other-agents-key-alias"),
    pytest.param(
        '      access:\n        read: ["arn:aws:iam::123456789012:role/agent-docs-sync"]\n', "",
        "AgentId-AwsAgentResource", "agents[0].aws.access.read[0]",
        "arn:aws:iam::123456789012:role/agent-docs-sync names or covers agents' IAM roles, "
        "which agentid manages", id="other-agents-role"),
    pytest.param(
        '      access:\n        read: ["arn:aws:iam::123456789012:role/ag*"]\n', "",
        "AgentId-AwsAgentResource", "agents[0].aws.access.read[0]",
        "arn:aws:iam::123456789012:role/ag* names or covers agents' IAM roles, "
        "which agentid manages", id="glob-over-agents-roles"),
    pytest.param(
        '      access:\n        read: ["arn:aws:s3:::a*"]\n', "",
        "AgentId-AwsArnGlobName", "agents[0].aws.access.read[0]",
        "arn:aws:s3:::a* has a wildcard in the bucket's own name ('a*'), so it names every "
        "bucket whose name fits, whoever owns it", id="glob-in-bucket-name"),
    pytest.param(
        '      statements:\n        - actions: ["s3:GetObject"]\n'
        '          resources: ["arn:aws:s3:::acme-art?facts/releases/*"]\n', "",
        "AgentId-AwsArnGlobName", "agents[0].aws.statements[0].resources[0]",
        "arn:aws:s3:::acme-art?facts/releases/* has a wildcard in the bucket's own name "
        "('acme-art?facts'), so it names every bucket whose name fits, whoever owns it",
        id="glob-in-bucket-name-statement-without-reason"),
    pytest.param(
        '      statements:\n        - actions: ["dynamodb:GetItem"]\n'
        '          resources: ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders-*"]\n',
        "", "AgentId-AwsArnGlobName", "agents[0].aws.statements[0].resources[0]",
        "arn:aws:dynamodb:eu-west-1:123456789012:table/orders-* has a wildcard in the "
        "table's own name ('orders-*'), so it names every table whose name fits, whoever "
        "owns it", id="glob-in-table-name"),
]


@pytest.mark.parametrize(("scope", "never", "rule", "path", "message"), NON_COMPLIANT)
def test_non_compliant_scopes_fail(tmp_path: Path, scope: str, never: str, rule: str,
                                   path: str, message: str) -> None:
    text = _scope(scope, never)
    found = _only(tmp_path, text, rule)
    assert [(format_path(f.path), f.message) for f in found] == [(path, message)]
    assert found[0].location is not None
    # Findings point at the offending line of the file, not at the agent.
    assert found[0].location.line > line_of(text, "    aws:")


def test_unknown_action_suggests_the_closest_names(tmp_path: Path) -> None:
    text = _scope('      statements:\n        - actions: ["s3:GetObjekt"]\n'
                  '          resources: ["arn:aws:s3:::acme-artifacts/releases/*"]\n')
    [finding] = _only(tmp_path, text, "AgentId-AwsUnknownAction")
    assert finding.hint.startswith("did you mean s3:GetObject")


def test_wildcard_action_points_at_access_levels(tmp_path: Path) -> None:
    text = _scope('      statements:\n        - actions: ["s3:*"]\n'
                  '          resources: ["arn:aws:s3:::acme-artifacts/releases/*"]\n')
    [finding] = _only(tmp_path, text, "AgentId-AwsWildcardAction")
    assert "use `access:`" in finding.hint


def test_policy_too_large_names_size_and_hint(tmp_path: Path) -> None:
    arns = ", ".join(f'"arn:aws:s3:::acme-bucket-number-{n:03d}/some/long/prefix/*"'
                     for n in range(150))
    text = _scope(f"      access:\n        read: [{arns}]\n")
    [finding] = _only(tmp_path, text, "AgentId-AwsPolicyTooLarge")
    assert finding.message.startswith("the boundary would be ")
    assert finding.message.endswith(" characters, over IAM's 6144")
    assert "split the agent" in finding.hint


def test_revoked_agents_are_not_held_to_scope_rules(tmp_path: Path) -> None:
    text = _scope('      access:\n        read: ["arn:aws:s3:::*"]\n') + (
        "    revoked: {on: 2026-11-25, by: \"@acme/platform\", reason: retired}\n")
    assert _findings(tmp_path, text) == []


# ------------------------------------------------------------------ credential changes

PUT_ROLE_POLICY_PATHS = [
    pytest.param('      access:\n        permissions-management: '
                 '["arn:aws:iam::123456789012:role/agent-release-bot"]\n',
                 "AgentId-AwsCredentialChange", id="access-own-role"),
    pytest.param('      access:\n        permissions-management: '
                 '["arn:aws:iam::123456789012:role/other-*"]\n',
                 "AgentId-AwsCredentialChange", id="access-wildcard-arn"),
    pytest.param('      statements:\n        - actions: ["iam:PutRolePolicy"]\n'
                 '          resources: ["arn:aws:iam::123456789012:role/agent-release-bot"]\n',
                 "AgentId-AwsCredentialChange", id="statement"),
    pytest.param('      statements:\n        - actions: ["iam:PutRolePolicy"]\n'
                 '          resources: ["*"]\n          reason: needed\n',
                 "AgentId-AwsCredentialChange", id="statement-star-resource"),
    pytest.param('      statements:\n        - actions: ["iam:Put*"]\n'
                 '          resources: ["arn:aws:iam::123456789012:role/agent-release-bot"]\n',
                 "AgentId-AwsWildcardAction", id="wildcard-action"),
    pytest.param('      statements:\n        - actions: ["iam:*"]\n'
                 '          resources: ["*"]\n          reason: admin\n',
                 "AgentId-AwsWildcardAction", id="service-wildcard"),
]


@pytest.mark.parametrize(("scope", "rule"), PUT_ROLE_POLICY_PATHS)
def test_iam_put_role_policy_is_refused_through_every_path(
        tmp_path: Path, scope: str, rule: str) -> None:
    found = _only(tmp_path, _scope(scope), rule)
    assert found
    if rule == "AgentId-AwsCredentialChange":
        assert "iam:PutRolePolicy" in found[0].message
        assert "is a human decision made in a reviewed change" in found[0].message


def test_credential_change_message_is_exact(tmp_path: Path) -> None:
    text = _scope('      statements:\n        - actions: ["iam:PassRole"]\n'
                  '          resources: ["arn:aws:iam::123456789012:role/deployer"]\n')
    [finding] = _only(tmp_path, text, "AgentId-AwsCredentialChange")
    assert finding.message == (
        "this statement grants iam:PassRole, and agentid always denies it: creating, "
        "changing or deleting identities, policies, keys' and secrets' policies or agent "
        "credentials (its own included) is a human decision made in a reviewed change, "
        "never an agent's")
    assert format_path(finding.path) == "agents[0].aws.statements[0]"


@pytest.mark.parametrize("scope", [
    pytest.param('      statements:\n        - actions: ["sts:AssumeRole"]\n'
                 '          resources: ["arn:aws:iam::123456789012:role/deployer"]\n',
                 id="assume-role"),
    pytest.param('      statements:\n        - actions: ["kms:PutKeyPolicy"]\n'
                 '          resources: ["arn:aws:kms:eu-west-1:123456789012:key/k-1"]\n',
                 id="key-policy"),
    pytest.param('      access:\n        permissions-management: ["arn:aws:secretsmanager:'
                 'eu-west-1:123456789012:secret:shared/db-*"]\n', id="secret-policy"),
    pytest.param('      access:\n        write: ["arn:aws:secretsmanager:eu-west-1:'
                 '123456789012:secret:agents/release-bot/*"]\n', id="own-secret-writes"),
    pytest.param('      access:\n        permissions-management: '
                 '["arn:aws:iam::123456789012:user/ci"]\n', id="iam-user"),
])
def test_every_credential_change_is_refused(tmp_path: Path, scope: str) -> None:
    assert _only(tmp_path, _scope(scope), "AgentId-AwsCredentialChange")


def test_thirty_six_bucket_globs_covering_every_bucket_are_each_refused(tmp_path: Path) -> None:
    # GIVEN a-z and 0-9 as bucket-name globs: together every bucket name there is
    chars = "abcdefghijklmnopqrstuvwxyz0123456789"
    arns = ", ".join(f'"arn:aws:s3:::{c}*"' for c in chars)
    found = _only(tmp_path, _scope(f"      access:\n        read: [{arns}]\n"),
                  "AgentId-AwsArnGlobName")
    # THEN each one is refused at its own position
    assert sorted(format_path(f.path) for f in found) == sorted(
        f"agents[0].aws.access.read[{n}]" for n in range(len(chars)))
