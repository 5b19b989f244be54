"""Scope records and the non-compliant scope cases shared by the rule tests."""

from __future__ import annotations

import pytest

from ..records import variant

ACCESS = '        read: ["arn:aws:s3:::acme-artifacts/releases/*"]\n'


def scope_record(scope: str, never: str = "") -> str:
    """BASE with the aws scope replaced (indented under `aws:`) and must_never_hold."""
    text = variant("      access:\n" + ACCESS, scope)
    return text + (f"    must_never_hold: {never}\n" if never else "")



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
