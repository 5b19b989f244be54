"""What the AWS invariants share: the always-denied actions, and reading a stack's
role, policies and statements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Agent, AwsDefaults
from ..names import (
    OIDC_HOST,
    role_name,
)
from . import expect
from .core import (
    Finding,
    Reporter,
    Resource,
    Stack,
    Target,
    glob_match,
    listed,
    policy,
    statements,
)

AWS: Target[AwsDefaults] = Target("AWS", lambda identities: identities.defaults.aws,
                                   expect.uses_aws)
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
TRUST_KEYS = {f"{OIDC_HOST}:{k}" for k in ("aud", "sub", "repository_id", "job_workflow_ref")}
# What no agent may ever be allowed, whatever its record says: identity and
# credential changes, other roles' sessions, key and secret policy writes.
IAM_WRITE_VERBS = ("Accept", "Add", "Associate", "Attach", "Change", "Create", "Deactivate",
                   "Delete", "Detach", "Disable", "Enable", "Put", "Reject", "Remove", "Reset",
                   "Resync", "Send", "Set", "Tag", "Untag", "Update", "Upload")
# Restated from the plan on purpose (docs/architecture.md §1); a test keeps them equal.
ALWAYS_DENIED = (
    *(f"iam:{verb}*" for verb in IAM_WRITE_VERBS),
    "iam:PassRole",
    "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoot", "sts:GetFederationToken",
    "kms:CreateGrant", "kms:CreateKey", "kms:PutKeyPolicy", "kms:ReplicateKey",
    "kms:RetireGrant", "kms:RevokeGrant",
    "secretsmanager:DeleteResourcePolicy", "secretsmanager:PutResourcePolicy",
)
# Writes to any agent's deploy-key secret (denied on those secrets only).
# Restated from the plan on purpose (docs/architecture.md §1); a test keeps them equal.
SECRET_WRITES = (
    "secretsmanager:CancelRotateSecret", "secretsmanager:CreateSecret",
    "secretsmanager:DeleteSecret", "secretsmanager:PutSecretValue",
    "secretsmanager:RemoveRegionsFromReplication", "secretsmanager:ReplicateSecretToRegions",
    "secretsmanager:RestoreSecret", "secretsmanager:RotateSecret",
    "secretsmanager:StopReplicationToReplica", "secretsmanager:TagResource",
    "secretsmanager:UntagResource", "secretsmanager:UpdateSecret",
    "secretsmanager:UpdateSecretVersionStage",
)
SECRET_READ = "secretsmanager:GetSecretValue"
# What could mute an alert: writes to any agent's EventBridge alert rules (denied by
# the boundary on every `rule/agent-*`), and writes that stop an alert topic
# delivering (never allowed on a topic any agent of the file alerts to).
# Restated from the plan on purpose (docs/architecture.md §1); a test keeps them equal.
ALERT_RULE_WRITES = (
    "events:DeleteRule", "events:DisableRule", "events:EnableRule", "events:PutRule",
    "events:PutTargets", "events:RemoveTargets", "events:TagResource",
    "events:UntagResource",
)
ALERT_TOPIC_WRITES = (
    "sns:DeleteTopic", "sns:PutDataProtectionPolicy", "sns:RemovePermission",
    "sns:SetTopicAttributes",
)
# Key policy actions that read what the key protects, directly or by a grant.
DECRYPT_ACTIONS = ("kms:Decrypt", "kms:ReEncryptFrom", "kms:CreateGrant")


def _role_arn(aws: AwsDefaults, agent: Agent) -> str:
    return f"arn:{aws.partition}:iam::{aws.account_id}:role/{role_name(agent.name)}"


def _alert_rules(aws: AwsDefaults) -> str:
    """Every agent's alert rules, in every Region of the account."""
    return f"arn:{aws.partition}:events:*:{aws.account_id}:rule/agent-*"


def _account_secrets(aws: AwsDefaults) -> str:
    return f"arn:{aws.partition}:secretsmanager:*:{aws.account_id}:secret:agents/*"


def _sid(statement: dict[str, Any], index: int) -> str:
    sid = statement.get("Sid")
    return f"statement {sid}" if isinstance(sid, str) and sid else f"statement #{index + 1}"


def _permission_documents(stack: Stack) -> Iterator[tuple[Resource, dict[str, Any] | None]]:
    """The inline policies and the boundary (every identity policy of the stack)."""
    for resource in stack.resources("aws_iam_role_policy", "aws_iam_policy"):
        yield resource, policy(resource.get("policy"))


def _allows(stack: Stack, report: Reporter
            ) -> Iterator[tuple[Resource, str, dict[str, Any]] | Finding]:
    """Every Allow statement of every identity policy, or a finding for a policy not JSON."""
    for resource, document in _permission_documents(stack):
        if document is None:
            yield report(resource.address, "the policy is not literal JSON: nobody can read "
                                           "what it allows")
            continue
        for i, statement in enumerate(statements(document)):
            if statement.get("Effect") == "Allow":
                yield resource, _sid(statement, i), statement


def _principal_arns(statement: dict[str, Any]) -> list[str] | None:
    """``Principal: {"AWS": ...}`` as a list of ARNs; None for any other principal form."""
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or set(principal) != {"AWS"}:
        return None
    arns = listed(principal["AWS"])
    return arns if all(isinstance(a, str) for a in arns) else None


def _one(value: Any) -> Any:
    """A condition value written as a string or a one-element list, as its one value."""
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def _covers(pattern: str, wanted: str) -> bool:
    """Whether every action ``wanted`` names is matched by ``pattern``."""
    if "*" not in wanted and "?" not in wanted:
        return glob_match(pattern, wanted)
    if pattern.lower() == wanted.lower():
        return True
    return pattern.endswith("*") and "*" not in pattern[:-1] and "?" not in pattern and \
        wanted.lower().startswith(pattern[:-1].lower())


def _aws_never_hold(agent: Agent) -> list[str]:
    # AWS actions are `service:Action`; other clouds' entries have no colon.
    return sorted({e for e in agent.must_never_hold if ":" in e})


def _roles(stack: Stack) -> list[Resource]:
    return stack.resources("aws_iam_role")

