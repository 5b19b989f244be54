"""Each scope rule: a compliant record passes, a non-compliant one fails with its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.errors import Finding, InputError, format_path
from cdk.validation import load

from ..conftest import TODAY
from ..records import BASE, line_of, write
from .scope_cases import NON_COMPLIANT
from .scope_cases import scope_record as _scope


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
    return [f for f in found if f.id == rule]


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
    assert finding.fix.startswith("did you mean s3:GetObject")


def test_wildcard_action_points_at_access_levels(tmp_path: Path) -> None:
    text = _scope('      statements:\n        - actions: ["s3:*"]\n'
                  '          resources: ["arn:aws:s3:::acme-artifacts/releases/*"]\n')
    [finding] = _only(tmp_path, text, "AgentId-AwsWildcardAction")
    assert "use `access:`" in finding.fix


def test_policy_too_large_names_size_and_hint(tmp_path: Path) -> None:
    arns = ", ".join(f'"arn:aws:s3:::acme-bucket-number-{n:03d}/some/long/prefix/*"'
                     for n in range(150))
    text = _scope(f"      access:\n        read: [{arns}]\n")
    [finding] = _only(tmp_path, text, "AgentId-AwsPolicyTooLarge")
    assert finding.message.startswith("the boundary would be ")
    assert finding.message.endswith(" characters, over IAM's 6144")
    assert "split the agent" in finding.fix


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
