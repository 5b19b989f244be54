"""The target interface and its registry: what every target (GitHub, AWS, Google
Cloud, Azure, ...) tells the rest of agentid about itself (docs/architecture.md §8).

A target is a folder ``cdk/<name>/`` holding the same files: ``target.py`` (pure:
the :class:`Target` below, built from the folder's plan modules) and ``build.py``
(its constructs: the :class:`cdk.builders.Builder` functions). The stacks, the
extras check, the runtime, the card and the review iterate :func:`targets` instead
of naming clouds; adding a target is its folder plus one line in :data:`REGISTRY`.

This module imports no target: :func:`targets` imports each ``target.py`` by name
when first asked, so a command loads only the pure side, and a target's
construct module (named by :attr:`Target.builder`) is imported only by the
stacks, only for a target some record uses. The registry order is the order in
which stacks build targets, the card lists them and the review merges their
documents; GitHub comes first because every agent uses it, and its
:meth:`~cdk.builders.Builder.finish_agent` runs after every target's identity
exists (its environments carry every target's variables, its deploy keys need
the store's reader).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .model import Agent, IdentitiesFile
from .plan import uses_store
from .policy import PolicyDocument

# Module names, each exposing ``TARGET``. The order is the order of construction,
# of the card's lines and of the review's documents; synthesized JSON is key-sorted.
REGISTRY: tuple[str, ...] = (
    "cdk.github.target",
    "cdk.aws.target",
    "cdk.gcp.target",
    "cdk.azure.target",
)

# ``address -> attribute -> value`` (see cdk/review/content.py).
Content = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class CardLines:
    """A target's part of an identity card (cdk/review/card.py)."""

    # How a run obtains this target's credential, one clause each.
    credential: tuple[str, ...] = ()
    # What the identity may do, one line per grant.
    scope: tuple[str, ...] = ()
    # Who stops honouring the identity at expiry, when not simply the cloud.
    expiry: str | None = None
    # Appended to a legacy subject's line when the target checks the subject alone.
    legacy_subject: str | None = None
    # Where the agent's alerts go (docs/alerts.md), one line per channel.
    alerts: tuple[str, ...] = ()
    # A locked agent: what the lock stopped in this target, and how soon.
    lock: str | None = None
    # Where the agent acts under its own name (its GitHub App): permissions and
    # repositories, one line each.
    acts_as: tuple[str, ...] = ()


def _never(agent: Agent, identities: IdentitiesFile) -> bool:
    return False


def _nothing_in_foundation(identities: IdentitiesFile) -> bool:
    return False


def _no_documents(agent: Agent, identities: IdentitiesFile) -> dict[str, PolicyDocument]:
    return {}


def _no_content(agent: Agent, identities: IdentitiesFile) -> Content:
    return {}


def _no_foundation_content(identities: IdentitiesFile) -> Content:
    return {}


def _no_subjects(documents: Mapping[str, PolicyDocument]) -> set[str]:
    return set()


def _no_ids(documents: Mapping[str, PolicyDocument]) -> set[str] | None:
    return None


def _as_they_are(documents: dict[str, PolicyDocument]) -> dict[str, PolicyDocument]:
    return documents


def _no_card(agent: Agent, identities: IdentitiesFile, today: date) -> CardLines:
    return CardLines()


@dataclass(frozen=True)
class Target:
    """What one target tells the rest of agentid; every field is pure (no bindings).

    ``used_by`` is THE predicate "this agent's stack holds this target's
    resources or provider"; every consumer asks it, none re-derives it. It holds
    for a tombstone too: its stack keeps the providers Terraform needs to destroy
    what the state holds (:meth:`~cdk.builders.Builder.build_agent` builds only
    those for a revoked agent).
    """

    # The folder name, the pip extra and the value ``secrets.store`` names it by.
    name: str
    # Name of the construct module (``cdk/<name>/build.py``), imported by stacks only.
    builder: str
    # Python modules of the provider bindings the extra installs.
    bindings: tuple[str, ...] = ()
    used_by: Callable[[Agent, IdentitiesFile], bool] = _never
    # Whether the ``foundation`` stack holds anything of this target.
    in_foundation: Callable[[IdentitiesFile], bool] = _nothing_in_foundation
    # Review documents (name -> policy document) of a live agent that uses the target.
    documents: Callable[[Agent, IdentitiesFile], dict[str, PolicyDocument]] = _no_documents
    # The OIDC subjects the documents of the target accept (cdk/review/subjects.py).
    subjects: Callable[[Mapping[str, PolicyDocument]], set[str]] = _no_subjects
    # The repository ids the target pins beside its subjects; None where it pins none
    # (then a legacy subject names a repository by name alone).
    pinned_ids: Callable[[Mapping[str, PolicyDocument]], set[str] | None] = _no_ids
    # The documents with the subject *spelling* taken out of the target's rows, so the
    # row diff shows a new job but not a new spelling of the same job.
    without_subjects: Callable[[dict[str, PolicyDocument]], dict[str, PolicyDocument]] = (
        _as_they_are)
    # ``review --no-synth``: what the agent's stack is built from, by plan (a
    # tombstone's: only what it keeps, e.g. its providers).
    planned_content: Callable[[Agent, IdentitiesFile], Content] = _no_content
    # ``review --no-synth``: the foundation's part, asked when ``in_foundation``.
    planned_foundation: Callable[[IdentitiesFile], Content] = _no_foundation_content
    # The card's lines of an agent that uses the target (asked for tombstones too).
    card: Callable[[Agent, IdentitiesFile, date], CardLines] = _no_card
    # ``secrets.store: <name>``: the store's plan (a dataclass its builder knows).
    plan_secret_store: Callable[[Agent, IdentitiesFile], Any] | None = None
    # Resource type -> attributes whose change makes the provider re-create it.
    force_new: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Modules that register the target's rules (``cdk/<name>/rules.py``); the rule
    # engine imports them by name (cdk/checks/engine.py), after no other target's.
    rules: tuple[str, ...] = ()


_loaded: dict[tuple[str, ...], tuple[Target, ...]] = {}


def targets() -> tuple[Target, ...]:
    """Every registered target, in registry order (imported once per registry)."""
    key = REGISTRY
    if key not in _loaded:
        found = []
        for module in key:
            target = getattr(importlib.import_module(module), "TARGET", None)
            if not isinstance(target, Target):
                raise TypeError(f"{module}.TARGET is not a cdk.targets.Target")
            found.append(target)
        names = [t.name for t in found]
        if len(set(names)) != len(names):
            raise ValueError(f"two registered targets share a name: {names}")
        _loaded[key] = tuple(found)
    return _loaded[key]


def target(name: str) -> Target:
    """The registered target called ``name``; KeyError when there is none."""
    for candidate in targets():
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def used(agent: Agent, identities: IdentitiesFile) -> tuple[Target, ...]:
    """The targets ``agent``'s stack uses, in registry order."""
    return tuple(t for t in targets() if t.used_by(agent, identities))


def needed(identities: IdentitiesFile) -> tuple[Target, ...]:
    """The targets some stack of the file uses (the foundation or an agent's)."""
    return tuple(t for t in targets() if t.in_foundation(identities)
                 or any(t.used_by(a, identities) for a in identities.agents))


def plan_data(plan: Any) -> dict[str, Any]:
    """A plan (a dataclass) as the ``attribute -> value`` dict ``planned_content`` holds."""
    data: dict[str, Any] = dataclasses.asdict(plan)
    return data


def identity_content(agent: Agent, identities: IdentitiesFile, store: str,
                     plans: Mapping[str, Callable[[Agent, IdentitiesFile], Any]],
                     plan_secret_store: Callable[[Agent, IdentitiesFile], Any]) -> Content:
    """A cloud target's :attr:`Target.planned_content`: each of ``plans`` under its key,
    and ``plan.secret_store`` when the agent keeps its deploy keys in ``store``; nothing
    for a tombstone (its stack holds only providers)."""
    if agent.revoked is not None:
        return {}
    content = {key: plan_data(plan(agent, identities)) for key, plan in plans.items()}
    if uses_store(agent, store):
        content["plan.secret_store"] = plan_data(plan_secret_store(agent, identities))
    return content
