"""IAM wildcard patterns (``*`` and ``?``): matching, and whether two patterns overlap."""

from __future__ import annotations

import functools
import re


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
