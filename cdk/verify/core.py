"""The small core of ``agentid verify``: invariants, findings, and a stack as read from disk.

An invariant is one pure function over one synthesized stack (its ``cdk.tf.json``
as parsed JSON) and the records, yielding precise findings. Nothing here, or in
the target modules beside it, imports the plan functions that wrote the stacks:
every expectation is derived again from the record (see :mod:`cdk.verify.expect`),
so a plan that drifts from its promise is caught instead of repeated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..model import Agent, IdentitiesFile
from .expect import live

# `${aws_iam_role.aws_role.name}` or `${data.github_team.x.id}`: one whole reference.
REFERENCE_RE = re.compile(
    r"^\$\{(?P<data>data\.)?(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)\.(?P<attr>[a-z0-9_]+)\}$")


@dataclass(frozen=True)
class Finding:
    """One broken promise: which invariant, in which stack, at which resource, and what."""

    invariant: str
    stack: str
    address: str
    message: str

    def render(self) -> str:
        """``<stack>: <address>: <message> [<invariant>]``."""
        return f"{self.stack}: {self.address}: {self.message} [{self.invariant}]"

    def as_dict(self) -> dict[str, str]:
        """The finding for ``--json``."""
        return {"invariant": self.invariant, "stack": self.stack, "address": self.address,
                "message": self.message}


@dataclass(frozen=True)
class Resource:
    """One resource (or data source) of a stack, with its Terraform address."""

    kind: str
    name: str
    body: dict[str, Any]
    data: bool = False

    @property
    def address(self) -> str:
        """``aws_iam_role.aws_role`` (``data.`` in front of data sources)."""
        return f"{'data.' if self.data else ''}{self.kind}.{self.name}"

    def get(self, key: str, default: Any = None) -> Any:
        """An argument of the resource."""
        return self.body.get(key, default)


@dataclass(frozen=True)
class Stack:
    """A synthesized stack and the record it was synthesized for (None: no record)."""

    name: str
    document: dict[str, Any]
    identities: IdentitiesFile
    agent: Agent | None
    # Every stack of the output by name, for what an agent stack relies on in the
    # foundation (the pool's subject mapping).
    output: Mapping[str, Any] = field(default_factory=dict)

    def sibling(self, name: str) -> Stack | None:
        """Another stack of the same output, read the same way (None when absent)."""
        document = self.output.get(name)
        if not isinstance(document, dict):
            return None
        return Stack(name, document, self.identities, None, self.output)

    def resources(self, *kinds: str) -> list[Resource]:
        """Resources of the given types (every resource when none is given), by address."""
        return _entries(self.document.get("resource"), kinds, data=False)

    def data_sources(self, *kinds: str) -> list[Resource]:
        """Data sources of the given types, by address."""
        return _entries(self.document.get("data"), kinds, data=True)

    def reference(self, value: Any, *kinds: str) -> Resource | None:
        """The resource of this stack that ``value`` (a whole ``${...}`` reference) names.

        None when ``value`` is not a reference, names another type, or names a
        resource this stack does not hold.
        """
        match = REFERENCE_RE.match(value) if isinstance(value, str) else None
        if match is None or (kinds and match["type"] not in kinds):
            return None
        section = self.document.get("data" if match["data"] else "resource")
        if not isinstance(section, dict):
            return None
        by_name = section.get(match["type"])
        body = by_name.get(match["name"]) if isinstance(by_name, dict) else None
        if not isinstance(body, dict):
            return None
        return Resource(match["type"], match["name"], body, bool(match["data"]))


def _entries(section: Any, kinds: tuple[str, ...], data: bool) -> list[Resource]:
    if not isinstance(section, dict):
        return []
    found: list[Resource] = []
    for kind in sorted(section):
        if kinds and kind not in kinds:
            continue
        by_name = section[kind]
        if not isinstance(by_name, dict):
            continue
        found.extend(Resource(kind, name, body, data) for name, body in sorted(by_name.items())
                     if isinstance(body, dict))
    return found


# An invariant's check: every finding on one stack, each built by ``report``.
Check = Callable[[Stack, "Reporter"], Iterable[Finding]]


@dataclass(frozen=True)
class Invariant:
    """A promise the synthesized output keeps, with a stable id and the check that holds it."""

    id: str
    target: str
    promise: str
    check: Check

    def findings(self, stack: Stack) -> Iterator[Finding]:
        """Every finding of this invariant on ``stack``."""
        yield from self.check(stack, Reporter(self.id, stack))


Defaults = TypeVar("Defaults")


@dataclass(frozen=True)
class Target(Generic[Defaults]):
    """One target's invariants: its name, its ``defaults`` section and whether an agent
    uses it, so each check of an agent's stack is written once for the target."""

    name: str
    defaults: Callable[[IdentitiesFile], Defaults | None]
    uses: Callable[[IdentitiesFile, Agent], bool]

    def live(self, stack: Stack) -> tuple[Agent, Defaults] | None:
        """The stack's agent and the target's ``defaults`` when the agent is live and uses
        the target; None otherwise (the target's agent invariants do not apply)."""
        agent, defaults = stack.agent, self.defaults(stack.identities)
        if agent is None or defaults is None or not live(agent) or not self.uses(
                stack.identities, agent):
            return None
        return agent, defaults

    def invariant(self, suffix: str, promise: str, check: Check) -> Invariant:
        """The invariant ``AgentId-Verify-<suffix>`` of this target, over every stack."""
        return Invariant(f"AgentId-Verify-{suffix}", self.name, promise, check)

    def per_agent(self, suffix: str, promise: str,
                  check: Callable[[Stack, Reporter, Agent, Defaults], Iterable[Finding]]
                  ) -> Invariant:
        """An invariant over the stack of each live agent that uses this target: ``check``
        gets the agent and the target's ``defaults``."""
        def run(stack: Stack, report: Reporter) -> Iterable[Finding]:
            found = self.live(stack)
            return () if found is None else check(stack, report, *found)

        return self.invariant(suffix, promise, run)


class Reporter:
    """Builds findings of one invariant on one stack: ``report(address, message)``."""

    def __init__(self, invariant: str, stack: Stack) -> None:
        self.invariant = invariant
        self.stack = stack

    def __call__(self, address: str, message: str) -> Finding:
        """A finding at ``address``."""
        return Finding(self.invariant, self.stack.name, address, message)


def policy(value: Any) -> dict[str, Any] | None:
    """A policy document written as literal JSON, or None when it is not one.

    A document verify cannot read is a finding of whichever invariant needed it:
    reviewers and scanners cannot read it either.
    """
    if not isinstance(value, str):
        return None
    try:
        document = json.loads(value)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy document (a single statement counts as one)."""
    found = document.get("Statement")
    if isinstance(found, dict):
        return [found]
    if isinstance(found, list):
        return [s if isinstance(s, dict) else {} for s in found]
    return []


def listed(value: Any) -> list[Any]:
    """A string-or-list policy field as a list (absent: empty)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def glob_match(pattern: str, text: str) -> bool:
    """IAM-style match (``*`` any run, ``?`` one character), case-insensitive."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL) is not None


def globs_overlap(first: str, second: str) -> bool:
    """Whether some text matches both IAM-style patterns (either may hold wildcards)."""
    return _overlap(first.lower(), second.lower())


def arns_overlap(first: str, second: str) -> bool:
    """Whether some ARN matches both patterns, a wildcard matching within its own field.

    ARN fields (partition, service, region, account) hold no ``:``, so a ``*`` in
    the region never stands for text across the account and resource. A pattern
    that is not a whole ARN (``*``) is compared as a plain pattern.
    """
    a, b = first.split(":", 5), second.split(":", 5)
    if len(a) < 6 or len(b) < 6:
        return globs_overlap(first, second)
    return all(globs_overlap(x, y) for x, y in zip(a, b, strict=True))


def _overlap(a: str, b: str) -> bool:
    # Classic two-pattern intersection over a memo table; patterns here are short.
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(a) and j == len(b):
            result = True
        elif i < len(a) and a[i] == "*":
            result = go(i + 1, j) or (j < len(b) and go(i, j + 1)) or (
                j < len(b) and b[j] == "*" and go(i, j + 1))
        elif j < len(b) and b[j] == "*":
            result = go(i, j + 1) or (i < len(a) and go(i + 1, j))
        elif i < len(a) and j < len(b) and (a[i] == b[j] or "?" in (a[i], b[j])):
            result = go(i + 1, j + 1)
        else:
            result = False
        memo[key] = result
        return result

    return go(0, 0)
