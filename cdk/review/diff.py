"""Base vs head -> what changes for each agent, as plain data (pure).

Permissions are compared as expanded statements: every statement becomes
(effect, action, resource, condition) rows, so a reviewer reads "s3:PutObject
on arn:aws:s3:::bucket/*" instead of two JSON blobs. Trust is compared as
grants (subject, workflow pin) and repository ids (:mod:`cdk.review.trust`),
resources as the ``resource`` blocks of the synthesized ``cdk.tf.json`` without
``//`` metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..plan import render_json
from ..policy import TRUST as TRUST
from ..policy import PolicyDocument, as_list, statements
from ..targets import targets

# Trust is compared in cdk/review/trust.py; the packet's other modules take the whole
# diff from here.


def force_new(kind: str) -> frozenset[str]:
    """Attributes of resource type ``kind`` whose change makes the provider destroy and
    re-create it (ForceNew in the provider schemas), as each target declares them
    (:attr:`cdk.targets.Target.force_new`). A plan from ``--plan-json`` is
    authoritative; this marks the likely ones from synthesis alone."""
    for target in targets():
        if kind in target.force_new:
            return target.force_new[kind]
    return frozenset()


# --------------------------------------------------------------------------- permissions


@dataclass(frozen=True, order=True)
class GrantRow:
    """One expanded statement row and the documents it changed in."""

    effect: str
    action: str
    resource: str
    condition: str = ""
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class PermissionDiff:
    """Rows that widen (allow added, deny removed) or tighten what the agent may do."""

    broadened: tuple[GrantRow, ...] = ()
    narrowed: tuple[GrantRow, ...] = ()


def expand(document: PolicyDocument) -> set[tuple[str, str, str, str]]:
    """Every statement as (effect, action, resource, canonical condition JSON) rows."""
    rows: set[tuple[str, str, str, str]] = set()
    for statement in statements(document):
        effect = str(statement.get("Effect", "Allow"))
        actions = as_list(statement.get("Action")) or [
            f"NOT {a}" for a in as_list(statement.get("NotAction"))]
        if "Resource" in statement:
            resources = as_list(statement["Resource"])
        elif "NotResource" in statement:
            resources = [f"NOT {r}" for r in as_list(statement["NotResource"])]
        else:
            # Trust policies name a principal instead of a resource.
            resources = [render_json(statement.get("Principal", "*"))]
        condition = render_json(statement["Condition"]) if "Condition" in statement else ""
        rows.update((effect, a, r, condition) for a in actions for r in resources)
    return rows


def diff_permissions(base: Mapping[str, PolicyDocument], head: Mapping[str, PolicyDocument]
                     ) -> PermissionDiff:
    """Compare every document but the trust policy (see :func:`cdk.review.trust.diff_trust`)."""
    broadened: dict[tuple[str, str, str, str], set[str]] = {}
    narrowed: dict[tuple[str, str, str, str], set[str]] = {}
    for name in sorted(set(base) | set(head)):
        if name == TRUST:
            continue
        before = expand(base.get(name, {}))
        after = expand(head.get(name, {}))
        for row in after - before:
            (broadened if row[0] == "Allow" else narrowed).setdefault(row, set()).add(name)
        # A deny that disappears widens access only while the document still
        # allows something: a tombstoned or removed identity loses its denies
        # together with everything they guarded.
        still_allows = any(row[0] == "Allow" for row in after)
        for row in before - after:
            if row[0] == "Allow":
                narrowed.setdefault(row, set()).add(name)
            elif still_allows:
                broadened.setdefault(row, set()).add(name)
    return PermissionDiff(_grants(broadened), _grants(narrowed))


def _grants(rows: dict[tuple[str, str, str, str], set[str]]) -> tuple[GrantRow, ...]:
    return tuple(sorted(GrantRow(*row, documents=tuple(sorted(docs)))
                        for row, docs in rows.items()))


# --------------------------------------------------------------------------- deploy keys


@dataclass(frozen=True)
class DeployKeyDiff:
    """Deploy-key access: repository -> access level, before and after."""

    broadened: tuple[str, ...] = ()
    narrowed: tuple[str, ...] = ()


def diff_deploy_keys(base: Mapping[str, str], head: Mapping[str, str]) -> DeployKeyDiff:
    """A new key or read -> write widens; a removed key or write -> read tightens."""
    broadened, narrowed = [], []
    for repo in sorted(set(base) | set(head)):
        before, after = base.get(repo), head.get(repo)
        if before == after:
            continue
        if before is None:
            broadened.append(f"new {after} deploy key on {repo}")
        elif after is None:
            narrowed.append(f"{before} deploy key on {repo} removed")
        elif after == "write":
            broadened.append(f"deploy key on {repo}: read -> write")
        else:
            narrowed.append(f"deploy key on {repo}: {before} -> {after}")
    return DeployKeyDiff(tuple(broadened), tuple(narrowed))


# --------------------------------------------------------------------------- expiry


@dataclass(frozen=True)
class ExpiryChange:
    """``expires`` moved: from, to, and how far away the new date is."""

    before: date
    after: date
    days_left: int

    @property
    def extended(self) -> bool:
        """Whether the identity now lives longer."""
        return self.after > self.before


# --------------------------------------------------------------------------- resources


@dataclass(frozen=True, order=True)
class ResourceChange:
    """One resource of a stack: what happens to it, and which attributes changed."""

    address: str
    action: str  # create | update | replace | destroy
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StackDiff:
    """Resources of one stack whose synthesized form differs between base and head."""

    stack: str
    changes: tuple[ResourceChange, ...] = ()
    output_changed: bool = False

    def count(self, action: str) -> int:
        """How many resources get ``action``."""
        return sum(1 for c in self.changes if c.action == action)

    @property
    def counts(self) -> dict[str, int]:
        """Resource counts per action, every action listed."""
        return {a: self.count(a) for a in ("create", "update", "replace", "destroy")}


def strip_metadata(value: Any) -> Any:
    """``cdk.tf.json`` without ``//`` keys (construct paths, not configuration)."""
    if isinstance(value, dict):
        return {k: strip_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [strip_metadata(v) for v in value]
    return value


def resources_of(synthesized: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """``type.name`` -> configuration of every resource in a synthesized stack."""
    found: dict[str, dict[str, Any]] = {}
    if not synthesized:
        return found
    for kind, by_name in strip_metadata(synthesized).get("resource", {}).items():
        for name, body in by_name.items():
            found[f"{kind}.{name}"] = body
    return found


def diff_stack(stack: str, base: Mapping[str, Any] | None, head: Mapping[str, Any] | None
               ) -> StackDiff:
    """Resources created, updated, replaced or destroyed between two syntheses."""
    before, after = resources_of(base), resources_of(head)
    changes = []
    for address in sorted(set(before) | set(after)):
        old, new = before.get(address), after.get(address)
        if old == new:
            continue
        if old is None:
            changes.append(ResourceChange(address, "create"))
        elif new is None:
            changes.append(ResourceChange(address, "destroy"))
        else:
            changed = tuple(sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k)))
            kind = address.split(".", 1)[0]
            action = "replace" if force_new(kind) & set(changed) else "update"
            changes.append(ResourceChange(address, action, changed))
    changed_output = _comparable(base) != _comparable(head)
    return StackDiff(stack, tuple(changes), changed_output)


def _comparable(synthesized: Mapping[str, Any] | None) -> Any:
    return None if synthesized is None else strip_metadata(synthesized)


def changed_stacks(base: Mapping[str, Mapping[str, Any]], head: Mapping[str, Mapping[str, Any]]
                   ) -> list[str]:
    """Stacks of ``head`` whose synthesized output differs from ``base`` (or is new)."""
    return sorted(name for name in head
                  if _comparable(base.get(name)) != _comparable(head[name]))


@dataclass(frozen=True, order=True)
class GrantGroup:
    """Grants that differ only in action, shown as one line per resource."""

    effect: str
    resource: str
    condition: str
    documents: tuple[str, ...]
    actions: tuple[str, ...]


def by_resource(grants: tuple[GrantRow, ...]) -> list[GrantGroup]:
    """Fold rows on one resource (same effect, condition, documents) into one group."""
    groups: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
    for g in grants:
        groups.setdefault((g.effect, g.resource, g.condition, g.documents), []).append(g.action)
    return sorted(GrantGroup(*key, actions=tuple(sorted(actions)))
                  for key, actions in groups.items())
