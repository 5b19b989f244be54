"""What rules share: which agents a target's rules judge, the finding for a target used
without its ``defaults``, and finding the entries that repeat an earlier one."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from ..errors import Path
from .engine import Problem

if TYPE_CHECKING:
    from ..model import Agent, IdentitiesFile

T = TypeVar("T")
E = TypeVar("E")


def live_users(identities: IdentitiesFile, defaults: T | None,
               uses: Callable[[Agent], bool]) -> Iterator[tuple[int, Agent, T]]:
    """``(index, agent, the target's defaults)`` of each agent that uses the target.

    Tombstones are skipped: their resources are being destroyed, and an old scope
    must not block the change that revokes it. Nothing when the defaults are
    missing: the target's ``DefaultsMissing`` rule reports that instead.
    """
    if defaults is None:
        return
    for i, agent in enumerate(identities.agents):
        if uses(agent) and agent.revoked is None:
            yield i, agent, defaults


def live_entries(identities: IdentitiesFile, defaults: T | None,
                 uses: Callable[[Agent], bool], field: Path,
                 entries: Callable[[Agent], Iterable[E]]) -> Iterator[tuple[Path, E, T]]:
    """``(path, entry, the target's defaults)`` of each entry of each agent of
    :func:`live_users`; an entry's path is ``agents[i].<field>[j]``."""
    for i, agent, found in live_users(identities, defaults, uses):
        for j, entry in enumerate(entries(agent)):
            yield ("agents", i, *field, j), entry, found


def defaults_missing(identities: IdentitiesFile, defaults: object | None,
                     uses: Callable[[Agent], bool], where: Callable[[Agent], str],
                     target: str, key: str, example: str) -> Iterator[Problem]:
    """One problem at ``agents[i].<where(agent)>`` for each agent that uses a target
    whose ``defaults.<key>`` is not set; ``example`` is the mapping to add."""
    if defaults is not None:
        return
    for i, agent in enumerate(identities.agents):
        if uses(agent):
            yield Problem(("agents", i, where(agent)),
                          f"this agent uses {target} but defaults.{key} is not set",
                          f"add `{key}: {example}` under defaults")


def repeats(keys: Iterable[Hashable]) -> Iterator[tuple[int, int]]:
    """``(index, index of the first equal key)`` for each key equal to an earlier one."""
    first: dict[Hashable, int] = {}
    for index, key in enumerate(keys):
        seen = first.setdefault(key, index)
        if seen != index:
            yield index, seen
