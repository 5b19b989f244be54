"""What an agent is allowed in AWS: the grants its record asks for and those agentid
adds itself.

``aws.access`` (access levels on exact ARNs: one :class:`Grant` per level and resource
type) and ``aws.statements`` (exact actions on exact resources: one per statement)
become grants; ARNs and actions that do not compile are left out here and reported
by the rules. Grants agentid decides itself (an agent
reading its own deploy-key secrets, decrypting with its own key) skip the checks on
``aws.statements`` but still appear in both the inline policy and the boundary,
where the always-on denies apply to them like to any other grant.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..errors import Path
from ..model import Agent, AwsDefaults, Defaults, IdentitiesFile
from ..plan import uses_store
from . import catalog
from .arns import arn_problem
from .document import policy_size, string_size, strings_size
from .secret_plan import grant_statements


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
    # Two grants of one Sid are a bug: PolicyDocument.validated refuses them.
    return tuple(sorted(grants, key=lambda g: g.sid))


def grants_for(agent: Agent, defaults: Defaults) -> list[dict[str, Any]]:
    """IAM statements the agent's features need beyond its record's ``aws`` scope.

    Deploy keys stored in AWS: ``secretsmanager:GetSecretValue`` on the agent's
    own secrets and ``kms:Decrypt`` on its own key, nothing else.
    """
    aws = defaults.aws
    if aws is None or not uses_store(agent, "aws"):
        return []
    return grant_statements(agent, aws)


def grant_size(grant: Grant) -> int:
    """:func:`~cdk.aws.document.policy_size` of ``grant.statement()``, counted without rendering it.

    The statement is a fixed frame around its action list, resource list and Sid;
    an action list (the same few for every agent using an access level) is
    measured once.
    """
    size = (_GRANT_FRAME_SIZE + _actions_size(grant.actions)
            + strings_size(grant.resources) + string_size(grant.sid))
    if grant.condition:
        # `,"Condition":{...}`: agentid's own grants only, a few per agent.
        size += len(',"Condition":') + policy_size(grant.condition)
    return size


@functools.lru_cache(maxsize=4096)
def _actions_size(actions: tuple[str, ...]) -> int:
    return strings_size(actions)


_GRANT_FRAME_SIZE = policy_size(Grant("", (), ()).statement()) - 2 * len("[]") - len('""')
