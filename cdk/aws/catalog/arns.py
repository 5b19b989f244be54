"""Which resource types an ARN names, with policy_sentry's matcher kept to whole-ARN fits."""

from __future__ import annotations

import functools
import re
from typing import Any

from .data import ResourceType, _resource_types_of_service, _service

ARN_RE = re.compile(r"^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.+)$")


_SEPARATORS = re.compile(r"[:/]")


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


@functools.lru_cache(maxsize=8192)
def _format_regex(arn_format: str) -> re.Pattern[str]:
    parts = re.split(r"\$\{[^}]*\}", arn_format)
    return re.compile("^" + "[^:]+".join(re.escape(p) for p in parts) + "$")


def arn_fits(arn: str, resource: ResourceType) -> bool:
    """Whether ``arn`` names a resource of type ``resource``."""
    return resource in resource_types_of_arn(arn)
