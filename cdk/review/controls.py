"""Weakened controls, read from the records (pure).

A change that weakens a control is a broadening even when no grant changes:
fewer or different approvers, a dropped or moved workflow pin, a deploy-key store
that creates a new reader identity, a longer rotation period, an agent brought
back from a tombstone or unlocked (a lock narrows); in ``defaults``: longer
sessions, lifetimes or rotation periods, Azure time-bound assignments off, a
different backend, organization or account, the identities repository's ruleset
dropped. Every other difference in ``defaults`` is a broadening too (fail closed),
named by its path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import Agent, Defaults
from ..plan import environment_of


@dataclass(frozen=True)
class ControlDiff:
    """Controls that got weaker (broadened) or stronger (narrowed)."""

    broadened: tuple[str, ...] = ()
    narrowed: tuple[str, ...] = ()


def agent_controls(base: Agent, head: Agent) -> ControlDiff:
    """What a change to one record does to the controls around the agent."""
    broadened: list[str] = []
    narrowed: list[str] = []
    if base.revoked is not None and head.revoked is None:
        broadened.append("brought back from its tombstone (a revoked agent is live again)")
    if head.revoked is not None:
        return ControlDiff(tuple(broadened))
    if base.locked is not None and head.locked is None:
        broadened.append(f"unlocked (was locked by {base.locked.by} on {base.locked.on}: "
                         f"{base.locked.reason}): its trust, permissions, credentials and "
                         "deploy keys come back at the next deploy")
    elif head.locked is not None and base.locked is None:
        narrowed.append(f"locked by {head.locked.by} on {head.locked.on}: "
                        f"{head.locked.reason}")
    if set(base.approvers) != set(head.approvers):
        broadened.append(f"approvers {', '.join(sorted(base.approvers))} -> "
                         f"{', '.join(sorted(head.approvers))} (who may release every run's "
                         "credentials)")
    base_pins = {(r.repo, environment_of(base, r)): (r.workflow, r.ref) for r in base.runs_on}
    for run in head.runs_on:
        where = (run.repo, environment_of(head, run))
        if where not in base_pins:
            continue
        before, after = base_pins[where], (run.workflow, run.ref)
        if before == after:
            continue
        label = f"{where[0]} environment {where[1]}"
        if before == (None, None):
            narrowed.append(f"{label} now pinned to {after[0]}@{after[1]}")
        elif after == (None, None):
            broadened.append(f"{label}: pin {before[0]}@{before[1]} dropped")
        else:
            broadened.append(f"{label}: pin {before[0]}@{before[1]} -> {after[0]}@{after[1]}")
    if head.github.deploy_keys and base.secrets.store != head.secrets.store:
        broadened.append(f"deploy-key store {base.secrets.store} -> {head.secrets.store} "
                         "(a new identity reads the private keys)")
    base_days = {k.repo: k.rotation_days for k in base.github.deploy_keys}
    for key in head.github.deploy_keys:
        if key.repo in base_days and key.rotation_days != base_days[key.repo]:
            before_days, after_days = base_days[key.repo], key.rotation_days
            line = f"deploy key on {key.repo} rotates every {after_days or 'default'} " \
                   f"days (was {before_days or 'default'})"
            longer = after_days is None or (before_days is not None and after_days > before_days)
            (broadened if longer else narrowed).append(line)
    return ControlDiff(tuple(broadened), tuple(narrowed))


Judge = Callable[[Any, Any], bool | None]  # True broadens, False narrows, None: no direction


def _larger(old: Any, new: Any) -> bool | None:
    if isinstance(old, int) and isinstance(new, int):
        return new > old
    return None


def _turned_off(old: Any, new: Any) -> bool | None:
    return bool(old) and not new


def _dropped(old: Any, new: Any) -> bool | None:
    return old is not None  # added narrows; dropped or changed broadens


_FORMS_ACCEPTED = {"legacy": {"legacy"}, "immutable": {"immutable"},
                   "both": {"legacy", "immutable"}}


def _subject_form(old: Any, new: Any) -> bool | None:
    """legacy -> immutable respells every inheriting entry with its ids pinned (narrows);
    otherwise a form accepted that was not broadens (cdk.subjects)."""
    if old == "legacy" and new == "immutable":
        return False
    before, after = _FORMS_ACCEPTED.get(str(old)), _FORMS_ACCEPTED.get(str(new))
    return before is None or after is None or not after <= before


# Paths of `defaults` whose direction is known; every other difference broadens.
DEFAULTS_JUDGES: dict[str, tuple[Judge, str]] = {
    "github.subject_form": (_subject_form, "the OIDC subject form inheriting entries accept"),
    "policy.max_session_minutes": (_larger, "sessions"),
    "policy.max_lifetime_days": (_larger, "the longest lifetime an agent may get"),
    "policy.deploy_key_rotation_days": (_larger, "deploy-key rotation period"),
    "azure.time_bound_assignments": (_turned_off, "Azure ends access at expiry"),
    "github.identities": (_dropped, "the identities repository's ruleset"),
}


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        if not value:
            return {prefix: value}
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def defaults_controls(base: Defaults, head: Defaults) -> ControlDiff:
    """Every difference in ``defaults`` but its escalations, with its direction."""
    before = _flatten(base.model_dump(mode="json", exclude={"escalations"}))
    after = _flatten(head.model_dump(mode="json", exclude={"escalations"}))
    broadened: list[str] = []
    narrowed: list[str] = []
    seen: set[str] = set()
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        judged = next((p for p in DEFAULTS_JUDGES if path == p or path.startswith(p + ".")),
                      None)
        if judged is not None:
            if judged in seen:
                continue
            seen.add(judged)
            judge, what = DEFAULTS_JUDGES[judged]
            old_value = getattr_path(base, judged)
            new_value = getattr_path(head, judged)
            direction = judge(old_value, new_value)
            line = f"defaults.{judged} {_show(old_value)} -> {_show(new_value)} ({what})"
            (narrowed if direction is False else broadened).append(line)
        elif path.startswith("backend"):
            if "backend" not in seen:
                seen.add("backend")
                broadened.append(f"defaults.backend {base.backend.kind} -> {head.backend.kind}"
                                 " changed: every stack's state, private deploy keys included, "
                                 "is written elsewhere")
        else:
            broadened.append(f"defaults.{path} {_show(old)} -> {_show(new)}")
    return ControlDiff(tuple(broadened), tuple(narrowed))


def getattr_path(model: Any, path: str) -> Any:
    """``policy.max_session_minutes`` of a model, None where a part is absent."""
    value = model
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    if hasattr(value, "model_dump"):
        return str(value.model_dump(mode="json", exclude_none=True))
    return str(value)
