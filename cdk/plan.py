"""Cloud-neutral planning: the facts every cloud's plan derives from a record.

Pure functions of the record; no provider binding is imported here or below
``cdk/*/plan.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .model import Agent, Alerts, IdentitiesFile, RunsOn
from .names import default_environment, logical_id


def environment_of(agent: Agent, run: RunsOn) -> str:
    """The GitHub environment a run uses: explicit, or ``agent-<name>``."""
    return run.environment or default_environment(agent.name)


def uses_store(agent: Agent, store: str) -> bool:
    """Whether the agent keeps deploy-key secrets or its GitHub App's key in ``store``
    (``aws``, ``gcp``, ``azure``): the one answer to "keeps keys in this store"."""
    return (bool(agent.github.deploy_keys) or agent.github.app is not None) \
        and agent.secrets.store == store


def alert_channels(agent: Agent, identities: IdentitiesFile,
                   read: Callable[[Alerts], Sequence[str]],
                   same: Callable[[str], str] = str) -> tuple[str, ...]:
    """Where the agent's alerts of one cloud go: the channels ``read`` finds in
    ``defaults.alerts``, then in the agent's own ``alerts`` (added, never replacing),
    each once as ``same`` compares them (docs/alerts.md)."""
    found: list[str] = []
    seen: set[str] = set()
    for section in (identities.defaults.alerts, agent.alerts):
        for channel in read(section) if section is not None else ():
            if same(channel) not in seen:
                seen.add(same(channel))
                found.append(channel)
    return tuple(found)


def job_workflow_ref(run: RunsOn) -> str | None:
    """``<owner>/<repo>/<workflow>@<ref>`` when the entry pins a workflow."""
    if run.workflow is None or run.ref is None:
        return None
    return f"{run.repo}/{run.workflow}@{run.ref}"


def expiry_timestamp(agent: Agent) -> str:
    """The instant the cloud stops honouring the agent: ``expires`` at 00:00:00Z."""
    return f"{agent.expires.isoformat()}T00:00:00Z"


def render_json(document: Any) -> str:
    """Deterministic compact JSON for policy documents written into ``cdk.tf.json``."""
    return _ENCODER.encode(document)


# What json.dumps builds anew on every call with these options; validate renders
# tens of thousands of statements.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def is_gcp_entry(entry: str) -> bool:
    """Whether a ``must_never_hold`` entry is Google Cloud's, by form.

    AWS actions are ``service:Action``; GCP permissions ``service.resource.verb`` and
    roles ``roles/...``, ``projects/.../roles/...`` or ``organizations/.../roles/...``
    never contain ``:``. Each cloud compiles only its own entries.
    """
    return ":" not in entry and ("/" in entry or "." in entry)


def is_azure_entry(entry: str) -> bool:
    """Whether a ``must_never_hold`` entry is an Azure action (``Microsoft.Storage/...``).

    Azure actions also have no ``:``, so :func:`is_gcp_entry` is true for them too
    (AWS leaves them alone); Google Cloud's compilation skips them by this test.
    """
    return entry.lower().startswith("microsoft.") and "/" in entry


def never_hold(agent: Agent, cloud: str) -> tuple[str, ...]:
    """The agent's ``must_never_hold`` entries of ``cloud`` (``aws`` or ``gcp``), sorted."""
    if cloud == "gcp":
        return tuple(sorted({e for e in agent.must_never_hold
                             if is_gcp_entry(e) and not is_azure_entry(e)}))
    return tuple(sorted({e for e in agent.must_never_hold if not is_gcp_entry(e)}))


@dataclass(frozen=True)
class StoredSecret:
    """One secret of a store holding the private half of one deploy key (each store's
    plan adds its own names)."""

    repo: str

    @property
    def construct_id(self) -> str:
        """Keyed by repository, like the deploy key it belongs to."""
        return logical_id("secret", self.repo)


_S = TypeVar("_S", bound=StoredSecret)


class SecretsByRepo(Generic[_S]):
    """What every store's plan offers: its secrets, one per deploy key."""

    secrets: tuple[_S, ...]

    def secret_for(self, repo: str) -> _S:
        """The secret planned for the deploy key on ``repo``."""
        return next(s for s in self.secrets if s.repo == repo)
