"""Terraform's own plan (``terraform show -json PLANFILE``) -> counts and changes (pure).

Only addresses, actions and attribute names are kept; no value from the plan is
ever copied, and attributes Terraform marks sensitive (``before_sensitive`` /
``after_sensitive``) are listed as masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACTIONS = ("create", "update", "delete", "replace")


@dataclass(frozen=True, order=True)
class PlanChange:
    """One planned resource change: address, action, changed and masked attribute names."""

    address: str
    action: str
    attributes: tuple[str, ...] = ()
    masked: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanSummary:
    """Terraform's counts for one stack and the changes behind them."""

    stack: str
    create: int
    update: int
    delete: int
    replace: int
    changes: tuple[PlanChange, ...] = ()


def action_of(actions: list[str]) -> str | None:
    """Terraform's action list -> one word; None for no-op and read."""
    if sorted(actions) == ["create", "delete"]:
        return "replace"
    if len(actions) == 1 and actions[0] in ("create", "update", "delete"):
        return actions[0]
    return None


def summarize_plan(stack: str, plan: dict[str, Any]) -> PlanSummary:
    """Counts per action from ``resource_changes[].change.actions``."""
    changes = []
    for entry in plan.get("resource_changes", []) or []:
        if not isinstance(entry, dict):
            continue
        change = entry.get("change") or {}
        action = action_of([str(a) for a in change.get("actions", [])])
        if action is None:
            continue
        before = _mapping(change.get("before"))
        after = _mapping(change.get("after"))
        unknown = _mapping(change.get("after_unknown"))
        masked = _sensitive(change.get("before_sensitive")) | _sensitive(
            change.get("after_sensitive"))
        names = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        names |= {k for k, v in unknown.items() if v}
        changes.append(PlanChange(str(entry.get("address", "?")), action,
                                  tuple(sorted(names)), tuple(sorted(masked))))
    changes.sort()
    count = {a: sum(1 for c in changes if c.action == a) for a in ACTIONS}
    return PlanSummary(stack, count["create"], count["update"], count["delete"],
                       count["replace"], tuple(changes))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sensitive(marks: Any) -> set[str]:
    """Top-level attribute names with any sensitive mark below them."""
    if marks is True:
        return {"(whole resource)"}
    if not isinstance(marks, dict):
        return set()
    return {name for name, value in marks.items() if _any_true(value)}


def _any_true(value: Any) -> bool:
    if value is True:
        return True
    if isinstance(value, dict):
        return any(_any_true(v) for v in value.values())
    if isinstance(value, list):
        return any(_any_true(v) for v in value)
    return False
