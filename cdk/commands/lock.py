"""``agentid lock`` and ``agentid rotate``: add an incident lock or a rotation request to
one agent's record, every other byte of identities.yaml kept (docs/lifecycle.md).

Both fail closed: the file must pass the validation pipeline before the edit (an
agent's expiry having passed is the one finding tolerated: that is when a lock is
needed most), and the edited text must pass it too, holding exactly the old
records plus the new block, before it replaces the file (atomically). Anything
else exits 1 with the file unchanged.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AgentIdError, Finding, InputError, UsageError
from .common import today_of

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..model import Agent, IdentitiesFile
    from ..yamledit import Entry

# What the file may already hold and still be edited: an agent whose expiry has
# passed (locking it, or another agent, must not wait for a renewal).
TOLERATED = frozenset({"AgentId-ExpiryPassed"})

@dataclass(frozen=True)
class Checked:
    """A file read for editing: its exact text, records, and the findings tolerated."""

    text: str
    identities: IdentitiesFile
    tolerated: tuple[Finding, ...]


def read_checked(file: str, today: date, tolerate: Collection[str]) -> Checked:
    """Read ``file`` and run the validation pipeline; raise :class:`InputError` on any
    finding whose id is not in ``tolerate``."""
    from ..loader import read
    from ..yamlsafe import MAX_BYTES

    try:
        with open(file, "rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError:
        read(file)  # raises the loader's own "file not found" / "cannot read" finding
        raise
    return _checked(file, raw, today, tolerate)


def _checked(file: str, raw: bytes, today: date, tolerate: Collection[str]) -> Checked:
    from ..validation import check
    from ..yamlsafe import YamlError, decode, parse

    try:
        document = parse(file, decode(file, raw))
    except YamlError as exc:
        raise InputError([exc.finding]) from None
    checked = check(document, today)
    if checked.identities is None:
        raise InputError(list(checked.findings))
    blocking = [f for f in checked.findings if f.id not in tolerate]
    if blocking:
        raise InputError(blocking)
    return Checked(raw.decode("utf-8"), checked.identities, checked.findings)


def note_tolerated(checked: Checked) -> None:
    """Say on stderr which findings were tolerated, so none passes unseen."""
    for finding in checked.tolerated:
        print(f"agentid: note (tolerated here): {finding.render()}", file=sys.stderr)


def find_agent(identities: IdentitiesFile, name: str, file: str) -> int:
    """Index of the agent called ``name``; exit 1 naming it and how to list the others."""
    names = [agent.name for agent in identities.agents]
    if name in names:
        return names.index(name)
    close = difflib.get_close_matches(name, names, n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    raise AgentIdError(f"no agent {name!r} in {file} — {guess}`agentid status -f {file}` "
                       "lists every agent")


def lock(args: argparse.Namespace) -> int:
    """Write ``locked: {on, by, reason}`` into one agent's record."""
    from ..model import Locked
    from ..targets import used

    asked = _asked(args, Locked, "lock")
    agent = asked.agent
    if agent.locked is not None:
        held = agent.locked
        print(f"{agent.name} is already locked, since {held.on} by {held.by}: {held.reason} "
              f"— {args.file} unchanged")
        return 0
    locked = agent.model_copy(update={"locked": asked.block})
    _write(args.file, asked, locked, "lock")
    print(f"locked {agent.name} in {args.file}: on {asked.entry.on} by {asked.entry.by}")
    _next_steps(agent, "the lock takes effect")
    # Each target says what its lock stops and how soon: the same lines as the card's
    # (Target.card), so the command and the card never tell two stories.
    identities = asked.checked.identities
    print("what each target stops after that apply, and how soon:")
    for target in used(locked, identities):
        stop = target.card(locked, identities, asked.today).lock
        print(f"  {stop or f'{target.name}: see docs/lifecycle.md'}")
    print("unlock: remove the `locked` block in a reviewed change (a broadening: it needs "
          "an escalation), then apply the stack the same way")
    return 0


def rotate(args: argparse.Namespace) -> int:
    """Append ``{on, by, reason}`` to one agent's ``rotate`` list."""
    from ..model import RotationRequest

    asked = _asked(args, RotationRequest, "rotate")
    agent = asked.agent
    if not agent.github.deploy_keys:
        raise AgentIdError(f"{agent.name} has no deploy keys (github.deploy_keys): there is "
                           f"nothing to rotate — {args.file} unchanged")
    if asked.block in agent.rotate:
        print(f"{agent.name} already has this rotation request ({asked.entry.on}, "
              f"{asked.entry.by}) — {args.file} unchanged")
        return 0
    _write(args.file, asked, agent.model_copy(update={"rotate": (*agent.rotate, asked.block)}),
           "rotate")
    print(f"requested a key rotation of {agent.name} in {args.file}: on {asked.entry.on} by "
          f"{asked.entry.by}")
    _next_steps(agent, "its key pairs, deploy keys and secret versions are replaced")
    return 0


@dataclass(frozen=True)
class _Asked:
    """A lock or rotate command, checked: the block, the file and the live agent."""

    today: date
    entry: Entry
    block: BaseModel
    checked: Checked
    index: int
    agent: Agent


def _asked(args: argparse.Namespace, model: type[BaseModel], verb: str) -> _Asked:
    """The block's values (exit 2 where the record's schema would refuse them), the
    file read and validated, and the named agent, refused when it is revoked."""
    from pydantic import ValidationError

    from ..yamledit import Entry

    today = today_of(args.today)
    try:
        block = model.model_validate({"on": today, "by": args.by, "reason": args.reason})
    except ValidationError as exc:
        problems = "; ".join(f"--{'.'.join(map(str, e['loc']))}: {e['msg']}"
                             for e in exc.errors(include_url=False))
        raise UsageError(f"{problems} — --by is a team (@org/team) or a user (@login), "
                         "--reason one line of up to 500 characters") from None
    checked = read_checked(args.file, today, TOLERATED)
    note_tolerated(checked)
    index = find_agent(checked.identities, args.name, args.file)
    agent = checked.identities.agents[index]
    _refuse_revoked(agent, verb)
    return _Asked(today, Entry(today, args.by, args.reason), block, checked, index, agent)


def _refuse_revoked(agent: Agent, verb: str) -> None:
    if agent.revoked is not None:
        raise AgentIdError(f"{agent.name} is revoked (on {agent.revoked.on}: "
                           f"{agent.revoked.reason}): its tombstone already removes "
                           f"everything, there is nothing to {verb}")


def _write(file: str, asked: _Asked, expected: Agent, verb: str) -> None:
    """Edit, re-validate, compare, then replace the file atomically; else change nothing."""
    from ..yamledit import EditRefused, add_lock, add_rotation

    edit = add_lock if verb == "lock" else add_rotation
    try:
        text = edit(asked.checked.text, asked.index, asked.entry)
    except EditRefused as exc:
        raise EditRefused(f"{file}: {exc}; {file} unchanged") from None
    raw = text.encode("utf-8")
    try:
        after = _checked(file, raw, asked.today, TOLERATED)
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        raise AgentIdError(f"the edited file would not validate: {file} unchanged") from None
    checked = asked.checked
    before_ids = {(f.id, f.path) for f in checked.tolerated}
    new = [f for f in after.tolerated if (f.id, f.path) not in before_ids]
    agents = list(checked.identities.agents)
    agents[asked.index] = expected
    if new or after.identities != checked.identities.model_copy(update={"agents": tuple(agents)}):
        raise AgentIdError(f"the edit did not land as intended (this is a bug in agentid): "
                           f"{file} unchanged")
    # Through a symlink to the file it names; refused if someone changed it meanwhile.
    path = Path(os.path.realpath(file))
    if path.read_bytes() != asked.checked.text.encode("utf-8"):
        raise AgentIdError(f"{file} changed while it was being edited: {file} unchanged by "
                           "agentid — run the command again")
    staging = path.with_name(f".{path.name}.agentid-{os.getpid()}")
    try:
        staging.write_bytes(raw)
        os.chmod(staging, path.stat().st_mode & 0o7777)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def _next_steps(agent: Agent, effect: str) -> None:
    print("next: open a pull request with this change and get its review, then apply only "
          f"this agent's stack ({effect} then):")
    print(f"  npx cdktn deploy {agent.name}")
