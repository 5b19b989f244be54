"""The construct side of the target interface (docs/architecture.md §8).

Each target's ``cdk/<name>/build.py`` is a :class:`Builder`: module-level
functions the stacks call for the targets a record uses. :func:`builder` imports
one by the name its :class:`~cdk.targets.Target` gives, so nothing that reads
records (the rules, the review, the verifier) ever reaches a construct module.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, cast

from cdktn import ITerraformDependable, TerraformStack

from .model import Agent, IdentitiesFile
from .rotation import RotatedKey
from .targets import Target


@dataclass(frozen=True)
class Built:
    """What a target's part of an agent stack offers the targets built after it."""

    # GitHub environment variables naming the identity (role ARN, client id, ...).
    variables: dict[str, str] = field(default_factory=dict)
    # The identity resource: the only reader of the deploy keys a store holds.
    identity: ITerraformDependable | None = None


class SecretStoreConstruct(Protocol):
    """A secret store construct: what the stack asks of it."""

    def store(self, repo: str, key: RotatedKey) -> str:
        """Store the key's private half for ``repo``; return the secret's reference."""

    def store_external(self, key: str) -> str:
        """The secret planned under ``key``, created with no version (its owner uploads
        the value, e.g. a GitHub App's private key); return the secret's reference."""


class Builder(Protocol):
    """The functions of a target's ``build.py``; all but ``build_agent`` are optional
    in the module (:func:`builder` supplies no-ops)."""

    def build_foundation(self, stack: TerraformStack, identities: IdentitiesFile) -> None:
        """The target's part of the ``foundation`` stack (asked when ``in_foundation``)."""

    def build_agent(self, stack: TerraformStack, agent: Agent, identities: IdentitiesFile
                    ) -> Built:
        """Providers, and for a live agent the identity; called in registry order."""

    def finish_agent(self, stack: TerraformStack, agent: Agent, identities: IdentitiesFile,
                     built: Mapping[str, Built]) -> None:
        """A live agent only, after every used target's ``build_agent``: ``built`` is
        keyed by target name."""

    def secret_store(self, stack: TerraformStack, plan: object,
                     identity: ITerraformDependable | None) -> SecretStoreConstruct:
        """The construct keeping deploy keys when ``secrets.store`` names the target."""


class _Defaults:
    """No-op ``build_foundation`` and ``finish_agent`` for a module that has none."""

    def __init__(self, module: object) -> None:
        self._module = module

    def __getattr__(self, name: str) -> object:
        found = getattr(self._module, name, None)
        if found is not None:
            return found
        if name in ("build_foundation", "finish_agent"):
            return lambda *args: None
        raise AttributeError(f"{getattr(self._module, '__name__', '?')} has no {name}")


def builder(target: Target) -> Builder:
    """The construct module of ``target`` (imported now, once)."""
    return cast(Builder, _Defaults(importlib.import_module(target.builder)))
