"""AWS invariants: the role's policies, trust, boundary, and the deploy-key secret store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import Agent, AwsDefaults
from ..names import (
    FOUNDATION,
    OIDC_HOST,
    STS_AUDIENCE,
    boundary_policy_name,
    kms_alias,
    role_name,
)
from ..names import secret_name as deploy_key_secret_name
from . import expect
from .core import (
    Finding,
    Invariant,
    Reporter,
    Resource,
    Stack,
    arns_overlap,
    glob_match,
    globs_overlap,
    listed,
    policy,
    statements,
)

TARGET = "AWS"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
TRUST_KEYS = {f"{OIDC_HOST}:{k}" for k in ("aud", "sub", "repository_id", "job_workflow_ref")}
# What no agent may ever be allowed, whatever its record says: identity and
# credential changes, other roles' sessions, key and secret policy writes.
IAM_WRITE_VERBS = ("Accept", "Add", "Associate", "Attach", "Change", "Create", "Deactivate",
                   "Delete", "Detach", "Disable", "Enable", "Put", "Reject", "Remove", "Reset",
                   "Resync", "Send", "Set", "Tag", "Untag", "Update", "Upload")
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
# Key policy actions that read what the key protects, directly or by a grant.
DECRYPT_ACTIONS = ("kms:Decrypt", "kms:ReEncryptFrom", "kms:CreateGrant")


# --------------------------------------------------------------------------- helpers


def _aws_stack(stack: Stack) -> tuple[Agent, AwsDefaults] | None:
    agent, aws = stack.agent, stack.identities.defaults.aws
    if agent is None or aws is None or not expect.live(agent) or not expect.uses_aws(
            stack.identities, agent):
        return None
    return agent, aws


def _role_arn(aws: AwsDefaults, agent: Agent) -> str:
    return f"arn:{aws.partition}:iam::{aws.account_id}:role/{role_name(agent.name)}"


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


# --------------------------------------------------------------------------- policies


def no_wildcard_action(stack: Stack) -> Iterator[Finding]:
    """No Allow names an action with ``*`` or ``?``, or allows by ``NotAction``."""
    report = Reporter(NO_WILDCARD_ACTION.id, stack)
    if _aws_stack(stack) is None:
        return
    for found in _allows(stack, report):
        if isinstance(found, Finding):
            yield found
            continue
        resource, sid, statement = found
        if "NotAction" in statement:
            yield report(resource.address, f"{sid} allows by NotAction: everything but a list")
        for action in listed(statement.get("Action")):
            if not isinstance(action, str) or "*" in action or "?" in action:
                yield report(resource.address, f"{sid} allows the wildcard action {action!r}")


def _own_secret_arns(agent: Agent, aws: AwsDefaults) -> set[str]:
    if not expect.uses_store(agent, "aws"):
        return set()
    prefix = f"arn:{aws.partition}:secretsmanager:{aws.region}:{aws.account_id}:secret:"
    return {f"{prefix}{deploy_key_secret_name(agent.name, key.repo)}-??????"
            for key in agent.github.deploy_keys}


def _narrowed_to_own(statement: dict[str, Any], agent: Agent, aws: AwsDefaults) -> bool:
    """Whether a condition of the statement limits it to the agent's own key or secrets."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return False
    aliases = condition.get("ForAnyValue:StringEquals", {})
    if isinstance(aliases, dict) and listed(aliases.get("kms:ResourceAliases")) == [
            kms_alias(agent.name)]:
        return True
    own = (f"arn:{aws.partition}:secretsmanager:{aws.region}:{aws.account_id}:secret:"
           f"agents/{agent.name}/deploy-keys/")
    for operator in ("StringEquals", "StringLike"):
        block = condition.get(operator, {})
        values = listed(block.get("kms:EncryptionContext:SecretARN")) if isinstance(
            block, dict) else []
        if values and all(isinstance(v, str) and v.startswith(own) for v in values):
            return True
    return False


def wildcard_resource_narrowed(stack: Stack) -> Iterator[Finding]:
    """Every Allow resource with a wildcard is one the record lists for those actions, one
    of the agent's own secrets, or narrowed by a condition to the agent's own resources."""
    report = Reporter(WILDCARD_RESOURCE.id, stack)
    found_stack = _aws_stack(stack)
    if found_stack is None:
        return
    agent, aws = found_stack
    scope = agent.aws
    level_arns = {arn for arns in scope.access.levels().values() for arn in arns
                  } if scope else set()
    listed_for: dict[str, set[str]] = {}
    for entry in scope.statements if scope else ():
        for arn in entry.resources:
            listed_for.setdefault(arn, set()).update(a.lower() for a in entry.actions)
    own_secrets = _own_secret_arns(agent, aws)
    for found in _allows(stack, report):
        if isinstance(found, Finding):
            continue  # reported by the wildcard-action invariant
        resource, sid, statement = found
        if "NotResource" in statement:
            yield report(resource.address, f"{sid} allows by NotResource: everything but a list")
        named_actions = sorted(a for a in listed(statement.get("Action")) if isinstance(a, str))
        actions = {a.lower() for a in named_actions}
        for arn in listed(statement.get("Resource")):
            if not isinstance(arn, str):
                yield report(resource.address, f"{sid} has a resource that is not a string")
                continue
            if "*" not in arn and "?" not in arn:
                continue
            if arn in level_arns or arn in own_secrets or actions <= listed_for.get(arn, set()):
                continue
            if _narrowed_to_own(statement, agent, aws):
                continue
            yield report(resource.address,
                         f"{sid} allows {', '.join(named_actions)} on {arn}, which the record "
                         "does not list for them, with no condition narrowing it to the "
                         "agent's own resources")


def always_denied_never_allowed(stack: Stack) -> Iterator[Finding]:
    """No Allow of identity or credential changes, other roles' sessions, key or secret
    policy writes, writes to agents' secrets, or the record's ``must_never_hold``."""
    report = Reporter(ALWAYS_DENIED_ALLOWED.id, stack)
    found_stack = _aws_stack(stack)
    if found_stack is None:
        return
    agent, aws = found_stack
    never = _aws_never_hold(agent)
    agent_secrets = _account_secrets(aws)
    for found in _allows(stack, report):
        if isinstance(found, Finding):
            continue  # reported by the wildcard-action invariant
        resource, sid, statement = found
        resources = [r for r in listed(statement.get("Resource")) if isinstance(r, str)]
        for action in listed(statement.get("Action")):
            if not isinstance(action, str):
                continue
            hits = [d for d in (*ALWAYS_DENIED, *never) if globs_overlap(action, d)]
            if any(arns_overlap(r, agent_secrets) for r in resources):
                hits += [d for d in SECRET_WRITES if globs_overlap(action, d)]
            if hits:
                yield report(resource.address,
                             f"{sid} allows {action}, which agentid always denies "
                             f"({', '.join(sorted(set(hits))[:3])})")


def no_grant_on_other_agents(stack: Stack) -> Iterator[Finding]:
    """No Allow reaches a deploy-key secret outside the agent's own, or names another
    agent's key."""
    report = Reporter(NO_GRANT_ON_OTHER_AGENTS.id, stack)
    found_stack = _aws_stack(stack)
    if found_stack is None:
        return
    agent, aws = found_stack
    # agentid owns the `agents/` namespace of secrets: an agent reaches only its own part.
    every_agents = _account_secrets(aws)
    own = (f"arn:{aws.partition}:secretsmanager:{aws.region}:{aws.account_id}:secret:"
           f"agents/{agent.name}/")
    other_aliases = {kms_alias(a.name) for a in stack.identities.agents if a.name != agent.name}
    for found in _allows(stack, report):
        if isinstance(found, Finding):
            continue
        resource, sid, statement = found
        named = sorted(other_aliases & _condition_values(statement))
        if named:
            yield report(resource.address, f"{sid} names another agent's key {named[0]}")
        actions = [a.lower() for a in listed(statement.get("Action")) if isinstance(a, str)]
        if not any(a.startswith("secretsmanager:") or a == "*" for a in actions):
            continue
        for arn in listed(statement.get("Resource")):
            if isinstance(arn, str) and arns_overlap(arn, every_agents) and not (
                    arn.startswith(own) and "*" not in arn[:len(own)]):
                yield report(resource.address, f"{sid} reaches agents' deploy-key secrets "
                                               f"beyond {own}* through {arn}")


def _condition_values(statement: dict[str, Any]) -> set[str]:
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return set()
    return {str(v) for block in condition.values() if isinstance(block, dict)
            for value in block.values() for v in listed(value)}


# --------------------------------------------------------------------------- trust


def _roles(stack: Stack) -> list[Resource]:
    return stack.resources("aws_iam_role")


def _trust_statements(stack: Stack, report: Reporter
                      ) -> Iterator[tuple[Resource, str, dict[str, Any]] | Finding]:
    roles = _roles(stack)
    if not roles:
        yield report(stack.name, "no aws_iam_role: the record calls for the agent's role")
    for role in roles:
        document = policy(role.get("assume_role_policy"))
        if document is None:
            yield report(role.address, "the trust policy is not literal JSON")
            continue
        found = statements(document)
        if not found:
            yield report(role.address, "the trust policy has no statement")
        for i, statement in enumerate(found):
            yield role, _sid(statement, i), statement


def trust_principal(stack: Stack) -> Iterator[Finding]:
    """The agent's one role ``agent-<name>`` trusts only ``sts:AssumeRoleWithWebIdentity``
    from the account's GitHub OIDC provider (which the foundation stack holds, for the
    STS audience only); no other principal, action or effect."""
    report = Reporter(TRUST_PRINCIPAL.id, stack)
    if stack.name == FOUNDATION:
        yield from _oidc_provider(stack, report)
    found_stack = _aws_stack(stack)
    if found_stack is None:
        return
    agent, aws = found_stack
    names = [str(r.get("name")) for r in _roles(stack)]
    if names and names != [role_name(agent.name)]:
        yield report(stack.name, f"roles {names}: the record calls for one, "
                                 f"{role_name(agent.name)}")
    provider = f"arn:{aws.partition}:iam::{aws.account_id}:oidc-provider/{OIDC_HOST}"
    for found in _trust_statements(stack, report):
        if isinstance(found, Finding):
            yield found
            continue
        role, sid, statement = found
        if statement.get("Effect") != "Allow":
            continue  # a Deny only narrows
        if "NotPrincipal" in statement or "NotAction" in statement:
            yield report(role.address, f"{sid} trusts by NotPrincipal/NotAction")
        if statement.get("Principal") != {"Federated": provider}:
            yield report(role.address, f"{sid} trusts {statement.get('Principal')!r}, not "
                                       f"only the GitHub OIDC provider {provider}")
        if listed(statement.get("Action")) != [WEB_IDENTITY]:
            yield report(role.address, f"{sid} allows {statement.get('Action')!r}, not only "
                                       f"{WEB_IDENTITY}")


def _oidc_provider(stack: Stack, report: Reporter) -> Iterator[Finding]:
    identities = stack.identities
    if identities.defaults.aws is None or not any(
            expect.uses_aws(identities, a) for a in identities.agents):
        return
    providers = stack.resources("aws_iam_openid_connect_provider")
    if not providers:
        yield report(stack.name, "no GitHub OIDC provider: no agent role can be trusted")
    for provider in providers:
        if provider.get("url") != expect.GITHUB_ISSUER or listed(
                provider.get("client_id_list")) != [STS_AUDIENCE]:
            yield report(provider.address, f"the provider is not {expect.GITHUB_ISSUER} "
                                           f"for the audience {STS_AUDIENCE} only")


def trust_conditions(stack: Stack) -> Iterator[Finding]:
    """Each trust statement holds ``StringEquals`` on audience, subjects and repository ids
    and ``DateLessThan`` on ``aws:CurrentTime`` at expiry; no other operator (no
    ``StringLike``, no ``ForAllValues:``)."""
    report = Reporter(TRUST_CONDITIONS.id, stack)
    found_stack = _aws_stack(stack)
    if found_stack is None:
        return
    agent, _ = found_stack
    for found in _trust_statements(stack, report):
        if isinstance(found, Finding):
            continue  # reported by the trust-principal invariant
        role, sid, statement = found
        if statement.get("Effect") != "Allow":
            continue
        condition = statement.get("Condition")
        if not isinstance(condition, dict):
            yield report(role.address, f"{sid} has no condition: any token of the provider")
            continue
        extra = sorted(set(condition) - {"StringEquals", "DateLessThan"})
        if extra:
            yield report(role.address, f"{sid} uses {', '.join(extra)}: only StringEquals and "
                                       "DateLessThan are exact")
        equals = condition.get("StringEquals")
        equals = equals if isinstance(equals, dict) else {}
        unknown = sorted(set(equals) - TRUST_KEYS)
        if unknown:
            yield report(role.address, f"{sid} compares {', '.join(unknown)}")
        if _one(equals.get(f"{OIDC_HOST}:aud")) != STS_AUDIENCE:
            yield report(role.address, f"{sid} does not pin the audience to {STS_AUDIENCE}")
        for key in ("sub", "repository_id"):
            if not listed(equals.get(f"{OIDC_HOST}:{key}")):
                yield report(role.address, f"{sid} has no StringEquals on {OIDC_HOST}:{key}")
        if condition.get("DateLessThan") != {"aws:CurrentTime": expect.expiry(agent)}:
            yield report(role.address, f"{sid} does not end at {expect.expiry(agent)} "
                                       "(DateLessThan aws:CurrentTime)")


def trust_subjects(stack: Stack) -> Iterator[Finding]:
    """The trust accepts exactly the record's subjects, repository ids and workflow pins,
    and a pinned entry's subject only together with its pin."""
    report = Reporter(TRUST_SUBJECTS.id, stack)
    found_stack = _aws_stack(stack)
    if found_stack is None:
        return
    agent, _ = found_stack
    identities = stack.identities
    runs = [(run, expect.subjects(identities, agent, run), expect.workflow_pin(run))
            for run in agent.runs_on]
    want_subjects = {s for _, subs, _ in runs for s in subs}
    want_ids = {str(run.repo_id) for run in agent.runs_on}
    want_pins = {pin for _, _, pin in runs if pin is not None}
    unpinned = {s for _, subs, pin in runs if pin is None for s in subs}
    got_subjects: set[str] = set()
    got_ids: set[str] = set()
    got_pins: set[str] = set()
    roles: list[str] = []
    for found in _trust_statements(stack, report):
        if isinstance(found, Finding):
            continue
        role, sid, statement = found
        roles.append(role.address)
        if statement.get("Effect") != "Allow":
            continue
        condition = statement.get("Condition")
        equals = condition.get("StringEquals") if isinstance(condition, dict) else None
        equals = equals if isinstance(equals, dict) else {}
        subs = {str(s) for s in listed(equals.get(f"{OIDC_HOST}:sub"))}
        pins = {str(p) for p in listed(equals.get(f"{OIDC_HOST}:job_workflow_ref"))}
        got_subjects |= subs
        got_ids |= {str(i) for i in listed(equals.get(f"{OIDC_HOST}:repository_id"))}
        got_pins |= pins
        if not pins and subs - unpinned:
            yield report(role.address, f"{sid} accepts {sorted(subs - unpinned)} without the "
                                       "workflow pin the record gives them")
        for pin in pins:
            allowed = {s for _, s_, p in runs if p == pin for s in s_}
            if subs - allowed:
                yield report(role.address, f"{sid} accepts {sorted(subs - allowed)} with the "
                                           f"pin {pin} of another entry")
    where = roles[0] if roles else stack.name
    for label, got, want in (("subjects", got_subjects, want_subjects),
                             ("repository ids", got_ids, want_ids),
                             ("workflow pins", got_pins, want_pins)):
        if roles and got != want:
            extra, missing = sorted(got - want), sorted(want - got)
            yield report(where, f"the trust's {label} differ from the record's: "
                                f"extra {extra}, missing {missing}")


def session_length(stack: Stack) -> Iterator[Finding]:
    """The role's sessions last ``defaults.policy.max_session_minutes``, no longer."""
    report = Reporter(SESSION_LENGTH.id, stack)
    if _aws_stack(stack) is None:
        return
    seconds = stack.identities.defaults.policy.max_session_minutes * 60
    for role in _roles(stack):
        if role.get("max_session_duration") != seconds:
            yield report(role.address, f"max_session_duration is "
                                       f"{role.get('max_session_duration')!r}, not {seconds}")


# --------------------------------------------------------------------------- boundary


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


def boundary_holds_denies(stack: Stack) -> Iterator[Finding]:
    """The role's permissions boundary is the agent's own policy, and it denies every
    always-denied action and each ``must_never_hold`` entry, unconditionally."""
    report = Reporter(BOUNDARY.id, stack)
    found_stack = _aws_stack(stack)
    if found_stack is None:
        return
    agent, aws = found_stack
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
        missing = [action for action, resource in wanted
                   if not _denied(document, action, resource)]
        if missing:
            yield report(boundary.address, f"the boundary does not deny {', '.join(missing)}")


def exclusive_policies(stack: Stack) -> Iterator[Finding]:
    """The role's inline policies and attachments are managed exclusively: only the
    reviewed inline policy, no attached policy."""
    report = Reporter(EXCLUSIVE.id, stack)
    found_stack = _aws_stack(stack)
    if found_stack is None:
        return
    agent, _ = found_stack
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


# --------------------------------------------------------------------------- secret store


def secret_policies(stack: Stack) -> Iterator[Finding]:
    """Each deploy-key secret is one the record calls for, and its policy denies reading
    to every principal but the agent's role and allows nothing."""
    report = Reporter(SECRET_POLICY.id, stack)
    found_stack = _aws_stack(stack)
    if found_stack is None:
        return
    agent, aws = found_stack
    role = _role_arn(aws, agent)
    secrets = stack.resources("aws_secretsmanager_secret")
    want = {deploy_key_secret_name(agent.name, key.repo) for key in agent.github.deploy_keys
            } if expect.uses_store(agent, "aws") else set()
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


def key_policies(stack: Stack) -> Iterator[Finding]:
    """The agent's KMS key is its own (alias ``alias/agent-<name>``) and its policy lets
    only the agent's role decrypt, only through Secrets Manager."""
    report = Reporter(KEY_POLICY.id, stack)
    found_stack = _aws_stack(stack)
    if found_stack is None:
        return
    agent, aws = found_stack
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


# --------------------------------------------------------------------------- registry


def _inv(suffix: str, promise: str, check: Any) -> Invariant:
    return Invariant(f"AgentId-Verify-{suffix}", TARGET, promise, check)


NO_WILDCARD_ACTION = _inv(
    "AwsNoWildcardAction", "No Allow names a wildcard action or allows by `NotAction`.",
    no_wildcard_action)
WILDCARD_RESOURCE = _inv(
    "AwsWildcardResourceNarrowed",
    "Every Allow resource containing `*` is one the record lists for those actions, the "
    "agent's own secret, or narrowed by a condition to the agent's own resources.",
    wildcard_resource_narrowed)
ALWAYS_DENIED_ALLOWED = _inv(
    "AwsAlwaysDeniedNeverAllowed",
    "No Allow of IAM writes, `iam:PassRole`, `sts:AssumeRole*`, key or secret policy "
    "writes, writes to agents' secrets, or the record's `must_never_hold`.",
    always_denied_never_allowed)
NO_GRANT_ON_OTHER_AGENTS = _inv(
    "AwsNoGrantOnOtherAgents", "No Allow reaches a deploy-key secret other than the "
    "agent's own, or names another agent's KMS key.",
    no_grant_on_other_agents)
TRUST_PRINCIPAL = _inv(
    "AwsTrustPrincipal",
    "The role trusts only `sts:AssumeRoleWithWebIdentity` from the account's GitHub OIDC "
    "provider; nothing else is a principal.", trust_principal)
TRUST_CONDITIONS = _inv(
    "AwsTrustConditions",
    "Trust conditions are `StringEquals` on audience, subjects and repository ids plus "
    "`DateLessThan` `aws:CurrentTime` at expiry; no `StringLike`, no `ForAllValues:`.",
    trust_conditions)
TRUST_SUBJECTS = _inv(
    "AwsTrustSubjects",
    "The trust accepts exactly the record's subjects, repository ids and workflow pins.",
    trust_subjects)
SESSION_LENGTH = _inv(
    "AwsSessionLength", "The role's sessions last `max_session_minutes`, no longer.",
    session_length)
BOUNDARY = _inv(
    "AwsBoundary",
    "The agent's permissions boundary is attached and denies every always-denied action "
    "and `must_never_hold` entry.", boundary_holds_denies)
EXCLUSIVE = _inv(
    "AwsExclusivePolicies",
    "Exclusive inline-policy and attachment resources are present: no policy attached "
    "out of band survives an apply.", exclusive_policies)
SECRET_POLICY = _inv(
    "AwsSecretPolicy",
    "Each deploy-key secret is the record's, on the agent's key, and its policy denies "
    "reading to every principal but the agent's role.", secret_policies)
KEY_POLICY = _inv(
    "AwsKeyPolicy",
    "The agent's KMS key policy lets only the agent's role decrypt, only through Secrets "
    "Manager.", key_policies)

INVARIANTS = (NO_WILDCARD_ACTION, WILDCARD_RESOURCE, ALWAYS_DENIED_ALLOWED,
              NO_GRANT_ON_OTHER_AGENTS, TRUST_PRINCIPAL, TRUST_CONDITIONS, TRUST_SUBJECTS,
              SESSION_LENGTH, BOUNDARY, EXCLUSIVE, SECRET_POLICY, KEY_POLICY)
