"""AWS invariants on the boundary, exclusive policies, and the deploy-key secret store
(secret and key policies)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Agent, AwsDefaults
from ..names import (
    boundary_policy_name,
    kms_alias,
    role_name,
)
from ..names import secret_name as deploy_key_secret_name
from . import expect
from .aws_common import (
    ALERT_RULE_WRITES,
    ALWAYS_DENIED,
    AWS,
    DECRYPT_ACTIONS,
    SECRET_READ,
    SECRET_WRITES,
    _account_secrets,
    _alert_rules,
    _aws_never_hold,
    _covers,
    _one,
    _principal_arns,
    _role_arn,
    _roles,
    _sid,
)
from .core import (
    Finding,
    Reporter,
    Stack,
    globs_overlap,
    listed,
    policy,
    statements,
)


def _denied(document: dict[str, Any], action: str, resource: str) -> bool:
    for statement in statements(document):
        if statement.get("Effect") != "Deny" or "Condition" in statement:
            continue
        if "NotAction" in statement or "NotResource" in statement:
            continue
        actions = [a for a in listed(statement.get("Action")) if isinstance(a, str)]
        resources = [r for r in listed(statement.get("Resource")) if isinstance(r, str)]
        if any(_covers(a, action) for a in actions) and any(
                r == "*" or _covers(r, resource) for r in resources):
            return True
    return False


def boundary_holds_denies(stack: Stack, report: Reporter,
                          agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """The role's permissions boundary is the agent's own policy, and it denies every
    always-denied action and each ``must_never_hold`` entry, and writes to every
    agent's alert rules, unconditionally."""
    name = boundary_policy_name(agent.name)
    arn = f"arn:{aws.partition}:iam::{aws.account_id}:policy/{name}"
    boundaries = [p for p in stack.resources("aws_iam_policy") if p.get("name") == name]
    for role in _roles(stack):
        if role.get("permissions_boundary") != arn:
            yield report(role.address, f"permissions_boundary is "
                                       f"{role.get('permissions_boundary')!r}, not {arn}")
    if not boundaries:
        yield report(stack.name, f"no aws_iam_policy named {name}: the boundary is missing")
        return
    for boundary in boundaries:
        document = policy(boundary.get("policy"))
        if document is None:
            yield report(boundary.address, "the boundary is not literal JSON")
            continue
        wanted = [(a, "*") for a in (*ALWAYS_DENIED, *_aws_never_hold(agent))]
        wanted += [(a, _account_secrets(aws)) for a in SECRET_WRITES]
        wanted += [(a, _alert_rules(aws)) for a in ALERT_RULE_WRITES]
        missing = [action if resource == "*" else f"{action} on {resource}"
                   for action, resource in wanted if not _denied(document, action, resource)]
        if missing:
            yield report(boundary.address, f"the boundary does not deny {', '.join(missing)}")


def exclusive_policies(stack: Stack, report: Reporter,
                       agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """The role's inline policies and attachments are managed exclusively: only the
    reviewed inline policy, no attached policy."""
    roles = _roles(stack)
    role_refs = {f"${{aws_iam_role.{r.name}.name}}" for r in roles} | {role_name(agent.name)}
    inline = sorted(str(p.get("name")) for p in stack.resources("aws_iam_role_policy"))
    for role in roles:
        for argument in ("inline_policy", "managed_policy_arns"):
            if role.get(argument):
                yield report(role.address, f"the role sets {argument}: policies outside the "
                                           "exclusive resources")
    exclusive = stack.resources("aws_iam_role_policies_exclusive")
    attachments = stack.resources("aws_iam_role_policy_attachments_exclusive")
    if len(exclusive) != 1:
        yield report(stack.name, f"{len(exclusive)} aws_iam_role_policies_exclusive, not one")
    if len(attachments) != 1:
        yield report(stack.name,
                     f"{len(attachments)} aws_iam_role_policy_attachments_exclusive, not one")
    for resource in (*exclusive, *attachments):
        if resource.get("role_name") not in role_refs:
            yield report(resource.address, f"manages role {resource.get('role_name')!r}, not "
                                           "the agent's")
    for resource in stack.resources("aws_iam_role_policy"):
        if resource.get("role") not in role_refs:
            yield report(resource.address, f"is put on role {resource.get('role')!r}, not "
                                           "the agent's")
    for resource in exclusive:
        if sorted(str(n) for n in listed(resource.get("policy_names"))) != inline:
            yield report(resource.address, f"policy_names {resource.get('policy_names')!r} "
                                           f"are not the stack's inline policies {inline}")
    for resource in attachments:
        if listed(resource.get("policy_arns")):
            yield report(resource.address, f"attaches {resource.get('policy_arns')!r}: the "
                                           "agent's permissions come only from its record")


def secret_policies(stack: Stack, report: Reporter,
                    agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """Each deploy-key secret is one the record calls for (a locked agent's: none), and
    its policy denies reading to every principal but the agent's role and allows
    nothing."""
    role = _role_arn(aws, agent)
    secrets = stack.resources("aws_secretsmanager_secret")
    want = {deploy_key_secret_name(agent.name, key.repo) for key in agent.github.deploy_keys
            } if expect.uses_store(agent, "aws") and expect.holds_deploy_keys(agent) else set()
    if expect.uses_store(agent, "aws") and expect.holds_app(agent):
        want.add(expect.app_key_secret_name(agent))
    got = {str(s.get("name")) for s in secrets}
    if got != want:
        yield report(stack.name, f"secrets {sorted(got)} are not the record's {sorted(want)}")
    policies = stack.resources("aws_secretsmanager_secret_policy")
    for secret in secrets:
        ref = f"${{aws_secretsmanager_secret.{secret.name}.arn}}"
        mine = [p for p in policies if p.get("secret_arn") == ref]
        if len(mine) != 1:
            yield report(secret.address, f"{len(mine)} secret policies, not one")
        if stack.reference(secret.get("kms_key_id"), "aws_kms_key") is None:
            yield report(secret.address, "not encrypted with a key of this stack")
    for resource in policies:
        if stack.reference(resource.get("secret_arn"), "aws_secretsmanager_secret") is None:
            yield report(resource.address, "is on a secret outside this stack")
        if resource.get("block_public_policy") is not True:
            yield report(resource.address, "block_public_policy is not true")
        document = policy(resource.get("policy"))
        if document is None:
            yield report(resource.address, "the secret policy is not literal JSON")
            continue
        found = statements(document)
        for i, statement in enumerate(found):
            if statement.get("Effect") != "Deny":
                yield report(resource.address, f"{_sid(statement, i)} is not a Deny: a secret "
                                               "policy only takes readers away")
        if not any(_denies_reading_to_all_but(statement, role) for statement in found):
            yield report(resource.address, f"no statement denies {SECRET_READ} to every "
                                           f"principal but {role}")


def _denies_reading_to_all_but(statement: dict[str, Any], role: str) -> bool:
    if statement.get("Effect") != "Deny" or statement.get("Principal") not in (
            "*", {"AWS": "*"}):
        return False
    if not any(isinstance(a, str) and _covers(a, SECRET_READ)
               for a in listed(statement.get("Action"))):
        return False
    if listed(statement.get("Resource")) != ["*"]:
        return False
    condition = statement.get("Condition")
    return isinstance(condition, dict) and set(condition) == {"ArnNotEquals"} and \
        isinstance(condition["ArnNotEquals"], dict) and \
        set(condition["ArnNotEquals"]) == {"aws:PrincipalArn"} and \
        _one(condition["ArnNotEquals"]["aws:PrincipalArn"]) == role


def key_policies(stack: Stack, report: Reporter,
                 agent: Agent, aws: AwsDefaults) -> Iterator[Finding]:
    """The agent's KMS key is its own (alias ``alias/agent-<name>``) and its policy lets
    only the agent's role decrypt, only through Secrets Manager."""
    role = _role_arn(aws, agent)
    via = f"secretsmanager.{aws.region}.amazonaws.com"
    keys = stack.resources("aws_kms_key")
    if expect.uses_store(agent, "aws") and len(keys) != 1:
        yield report(stack.name, f"{len(keys)} KMS keys: the record calls for one")
    aliases = stack.resources("aws_kms_alias")
    for key in keys:
        ref = f"${{aws_kms_key.{key.name}.key_id}}"
        names = sorted(str(a.get("name")) for a in aliases if a.get("target_key_id") == ref)
        if names != [kms_alias(agent.name)]:
            yield report(key.address, f"aliases {names}, not only {kms_alias(agent.name)}")
        document = policy(key.get("policy"))
        if document is None:
            yield report(key.address, "the key policy is not literal JSON")
            continue
        for i, statement in enumerate(statements(document)):
            if statement.get("Effect") != "Allow":
                continue
            sid = _sid(statement, i)
            if "NotAction" in statement or "NotPrincipal" in statement:
                yield report(key.address, f"{sid} allows by NotAction/NotPrincipal")
                continue
            actions = [a for a in listed(statement.get("Action")) if isinstance(a, str)]
            decrypts = sorted({d for a in actions for d in DECRYPT_ACTIONS if globs_overlap(a, d)})
            if not decrypts:
                continue
            if _principal_arns(statement) != [role]:
                yield report(key.address, f"{sid} lets {statement.get('Principal')!r} use "
                                          f"{', '.join(decrypts)}: only {role} may decrypt")
                continue
            if "kms:CreateGrant" in decrypts:
                yield report(key.address, f"{sid} lets the agent create grants on its key")
            condition = statement.get("Condition")
            equals = condition.get("StringEquals") if isinstance(condition, dict) else None
            if not isinstance(equals, dict) or _one(equals.get("kms:ViaService")) != via:
                yield report(key.address, f"{sid} lets the agent decrypt other than through "
                                          f"Secrets Manager (StringEquals kms:ViaService {via})")


BOUNDARY = AWS.per_agent(
    "AwsBoundary",
    "The agent's permissions boundary is attached and denies every always-denied action "
    "and `must_never_hold` entry, and writes to every agent's alert rules "
    "(`rule/agent-*`).", boundary_holds_denies)
EXCLUSIVE = AWS.per_agent(
    "AwsExclusivePolicies",
    "Exclusive inline-policy and attachment resources are present: no policy attached "
    "out of band survives an apply.", exclusive_policies)
SECRET_POLICY = AWS.per_agent(
    "AwsSecretPolicy",
    "Each deploy-key secret is the record's (none while the agent is locked), on the "
    "agent's key, and its policy denies reading to every principal but the agent's role.",
    secret_policies)
KEY_POLICY = AWS.per_agent(
    "AwsKeyPolicy",
    "The agent's KMS key policy lets only the agent's role decrypt, only through Secrets "
    "Manager.", key_policies)
