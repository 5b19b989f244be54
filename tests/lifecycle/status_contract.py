"""The JSON `agentid status --json` prints: the one statement of its keys.

.github/workflows/agentid-scheduled.yml reads exactly these keys
(tests/lifecycle/test_scheduled_workflow.py holds it to them) and the status command's
tests hold its output to them with :func:`shape_errors`, so renaming a key on either
side fails a test instead of a scheduled run.
"""

from __future__ import annotations

from typing import Any

# {"today", "last_run", "warn_days", "agents": [AGENT...], "due": [name...],
#  "attention": [name...]}
TOP_KEYS: frozenset[str] = frozenset(
    {"today", "last_run", "warn_days", "agents", "due", "attention"})
AGENT_KEYS: frozenset[str] = frozenset(
    {"name", "state", "expires", "expires_in_days", "owner", "rotation_owner", "clouds",
     "locked", "rotation", "needs_human"})
# Each null when it does not apply.
LOCKED_KEYS: frozenset[str] = frozenset({"on", "by", "reason", "days"})
ROTATION_KEYS: frozenset[str] = frozenset({"last", "next", "due", "overdue"})
STATES: frozenset[str] = frozenset({"active", "locked", "revoked"})

# Every key name at any depth (rotation's "due" and the top-level "due" are one name).
ALL_KEYS: frozenset[str] = TOP_KEYS | AGENT_KEYS | LOCKED_KEYS | ROTATION_KEYS


def shape_errors(document: Any) -> list[str]:
    """Where ``document`` differs from the contract: keys missing or extra at each
    level, a state outside :data:`STATES`, a due or attention name with no agent."""
    if not isinstance(document, dict):
        return ["the document is not an object"]
    errors = _keys("", document, TOP_KEYS)
    agents = document.get("agents")
    if not isinstance(agents, list):
        return [*errors, "agents: not a list"]
    names = set()
    for i, agent in enumerate(agents):
        where = f"agents[{i}]"
        if not isinstance(agent, dict):
            errors.append(f"{where}: not an object")
            continue
        names.add(agent.get("name"))
        errors += _keys(where, agent, AGENT_KEYS)
        if agent.get("state") not in STATES:
            errors.append(f"{where}.state: {agent.get('state')!r} is not one of {sorted(STATES)}")
        for key, expected in (("locked", LOCKED_KEYS), ("rotation", ROTATION_KEYS)):
            value = agent.get(key)
            if value is not None:
                errors += (_keys(f"{where}.{key}", value, expected) if isinstance(value, dict)
                           else [f"{where}.{key}: neither an object nor null"])
        if not isinstance(agent.get("needs_human"), list):
            errors.append(f"{where}.needs_human: not a list")
    for key in ("due", "attention"):
        listed = document.get(key)
        if not isinstance(listed, list):
            errors.append(f"{key}: not a list")
            continue
        errors += [f"{key}: {name!r} is no agent" for name in listed if name not in names]
    return errors


def _keys(where: str, value: dict[str, Any], expected: frozenset[str]) -> list[str]:
    prefix = f"{where}: " if where else ""
    missing, extra = sorted(expected - value.keys()), sorted(value.keys() - expected)
    return ([f"{prefix}missing {missing}"] if missing else []) + (
        [f"{prefix}not in the contract {extra}"] if extra else [])
