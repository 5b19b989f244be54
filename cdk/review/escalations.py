"""Escalations as an append-only audit record (pure).

An entry of the base may never be changed or removed while its agent (or the
file, for ``defaults.escalations``) exists; entries are compared normalized
(Unicode NFKC, whitespace collapsed, letter case folded), so a trailing space or
a capital letter does not make an old approval new. A new entry approves a
change only when it repeats no entry anywhere in the base, is dated today or at
most :data:`NEW_ENTRY_DAYS` days before, gives a reason of substance, and names a
team of the owner organization that is neither the agent nor its owner team.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from ..model import Escalation, IdentitiesFile

# A new entry is dated within the change that adds it: today, or up to this many
# days before (a pull request open for two weeks keeps its approval valid).
NEW_ENTRY_DAYS = 14
MIN_REASON_CHARS = 20
DEFAULTS = "defaults"

Normalized = tuple[str, str, str]


def example_entry(today: date, org: str) -> str:
    """A new escalations entry to copy, as the packet's fixes show it."""
    return f'{{on: {today}, reason: "...", approved_by: "@{org}/security"}}'


def requirement(org: str) -> str:
    """What a new entry needs to approve a change, as the packet's fixes say it."""
    return (f"dated today, with a reason of at least {MIN_REASON_CHARS} characters and the "
            f"team of @{org} that approved it")


def normalize_text(text: str) -> str:
    """NFKC, whitespace runs as one space, trimmed, case-folded."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def normalized(entry: Escalation) -> Normalized:
    """The entry as review compares it."""
    return (entry.on.isoformat(), normalize_text(entry.reason),
            normalize_text(entry.approved_by))


def describe(entry: Escalation) -> str:
    """One line for the packet."""
    return f"{entry.on}: {entry.reason} (approved by {entry.approved_by})"


def entries_by_owner(identities: IdentitiesFile | None) -> dict[str, tuple[Escalation, ...]]:
    """Agent name (or ``defaults``) -> its escalation entries."""
    if identities is None:
        return {}
    found = {DEFAULTS: identities.defaults.escalations}
    found.update({a.name: a.escalations for a in identities.agents})
    return found


@dataclass(frozen=True)
class Judged:
    """What a change did to one owner's entries."""

    owner: str
    rewritten: tuple[str, ...] = ()   # base entries changed or removed
    valid: tuple[str, ...] = ()       # new entries that may approve a change
    invalid: tuple[str, ...] = ()     # new entries and why they approve nothing


def judge(owner: str, base_entries: Iterable[Escalation], head_entries: Iterable[Escalation],
          everywhere_in_base: Mapping[Normalized, str], today: date, org: str,
          refused_teams: Iterable[str] = ()) -> Judged:
    """Split the head's entries of ``owner`` into kept, new valid and new invalid ones.

    ``everywhere_in_base`` maps every normalized entry of the base to where it
    is; ``org`` is the base's ``defaults.github.owner``; ``refused_teams`` are
    the teams that may not approve for this owner (the agent, its owner team).
    """
    base_list = list(base_entries)
    remaining = Counter(normalized(e) for e in base_list)
    fresh: list[Escalation] = []
    for entry in head_entries:
        key = normalized(entry)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            fresh.append(entry)
    rewritten = []
    for entry in base_list:
        if remaining[normalized(entry)] > 0:
            remaining[normalized(entry)] -= 1
            rewritten.append(describe(entry))
    refused = {normalize_text(t) for t in refused_teams}
    valid, invalid = [], []
    seen: set[Normalized] = set()
    for entry in fresh:
        key = normalized(entry)
        problem = _problem(entry, key, everywhere_in_base, seen, today, org, refused)
        seen.add(key)
        if problem is None:
            valid.append(describe(entry))
        else:
            invalid.append(f"{describe(entry)}: {problem}")
    if rewritten:
        # An old entry edited in place reads as a new one; while any entry of this
        # owner is rewritten, none of its new entries approves anything.
        invalid += [f"{line}: {owner}'s entries of the base are rewritten in the same change"
                    for line in valid]
        valid = []
    return Judged(owner, tuple(rewritten), tuple(valid), tuple(invalid))


def _problem(entry: Escalation, key: Normalized, base: Mapping[Normalized, str],
             seen: set[Normalized], today: date, org: str, refused: set[str]) -> str | None:
    if key in base:
        return f"repeats an entry of {base[key]} in the base (an approval is given once)"
    if key in seen:
        return "repeats another new entry"
    if entry.on > today:
        return f"is dated after today ({today})"
    if entry.on < today - timedelta(days=NEW_ENTRY_DAYS):
        return (f"is dated more than {NEW_ENTRY_DAYS} days before today ({today}): a new "
                "entry is dated within the change that adds it")
    if len(normalize_text(entry.reason)) < MIN_REASON_CHARS:
        return (f"gives a reason of {len(normalize_text(entry.reason))} characters, at least "
                f"{MIN_REASON_CHARS} are needed")
    match = re.fullmatch(r"@([^/]+)/(.+)", entry.approved_by)
    if match is None:
        return (f"is approved by {entry.approved_by}, a person: approvals come from a team "
                f"(@{org}/<team>)")
    if match.group(1).casefold() != org.casefold():
        return f"is approved by a team outside the organization {org}"
    if normalize_text(entry.approved_by) in refused:
        return (f"is approved by {entry.approved_by}, which may not approve it: an agent "
                "never approves, and an owner team never approves its own agent")
    return None


def base_index(identities: IdentitiesFile | None) -> dict[Normalized, str]:
    """Every normalized entry of the base -> where it is (``agent x`` or ``defaults``)."""
    index: dict[Normalized, str] = {}
    for owner, entries in entries_by_owner(identities).items():
        for entry in entries:
            index.setdefault(normalized(entry), owner if owner == DEFAULTS else f"agent {owner}")
    return index


def refused_teams(org: str, name: str | None, owners: Iterable[str]) -> list[str]:
    """Teams that may not approve for agent ``name``: the agent itself and its owner teams."""
    teams = list(owners)
    if name is not None:
        teams += [f"@{org}/{name}", f"@{org}/agent-{name}"]
    return teams
