"""The agent's GitHub App (issue #19), record against record, in plain words (pure).

What the packet's Broadened and Narrowed sections list and the broadening gate's
message names: a new App, permission, higher level, repository, App id or installation
broadens; removed or lowered ones narrow. The stack's own side (``plan.github_app``,
the installation's repositories) is judged by :mod:`cdk.review.content`'s rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..github.app_permissions import rank
from ..github.app_plan import app_repositories
from ..model import Agent


@dataclass(frozen=True)
class AppDiff:
    """The agent's GitHub App (issue #19), record against record: what it may do and
    on which repositories, and whether it exists and is installed."""

    broadened: tuple[str, ...] = ()
    narrowed: tuple[str, ...] = ()


def app_of(agent: Agent) -> dict[str, Any] | None:
    """An agent's App as the review compares it (repositories default to its runs_on
    repositories, sorted), or None when it declares none or is revoked."""
    app = agent.github.app
    if app is None or agent.revoked is not None:
        return None
    return {"permissions": dict(app.permissions), "repositories": list(app_repositories(agent)),
            "app_id": app.app_id, "installation_id": app.installation_id}



def _describe_app(app: Mapping[str, Any]) -> str:
    return (", ".join(f"{k}: {v}" for k, v in sorted(app["permissions"].items())) + " on "
            + ", ".join(app["repositories"]))


def diff_app(base: Mapping[str, Any] | None, head: Mapping[str, Any] | None) -> AppDiff:
    """A new App, permission, higher level, repository, App id or installation (set or
    changed) broadens; removed or lowered ones narrow."""
    if base == head:
        return AppDiff()
    if head is None:
        assert base is not None
        return AppDiff(narrowed=(f"GitHub App removed ({_describe_app(base)})",))
    if base is None:
        return AppDiff(broadened=(f"new GitHub App: {_describe_app(head)}",)
                       + _ids({"app_id": None, "installation_id": None}, head)[0])
    broadened: list[str] = []
    narrowed: list[str] = []
    before, after = base["permissions"], head["permissions"]
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None:
            broadened.append(f"GitHub App: new permission {name}: {new}")
        elif new is None:
            narrowed.append(f"GitHub App: permission {name}: {old} removed")
        elif rank(new) > rank(old):
            broadened.append(f"GitHub App: {name}: {old} -> {new}")
        else:
            narrowed.append(f"GitHub App: {name}: {old} -> {new}")
    repos_before, repos_after = set(base["repositories"]), set(head["repositories"])
    broadened += [f"GitHub App: new repository {r}" for r in sorted(repos_after - repos_before)]
    narrowed += [f"GitHub App: repository {r} removed" for r in sorted(repos_before - repos_after)]
    wider, narrower = _ids(base, head)
    return AppDiff(tuple(broadened) + wider, tuple(narrowed) + narrower)


def _ids(base: Mapping[str, Any], head: Mapping[str, Any]
         ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    broadened: list[str] = []
    narrowed: list[str] = []
    for key, what in (("app_id", "App id"), ("installation_id", "installation")):
        old, new = base[key], head[key]
        if old == new:
            continue
        if new is None:
            narrowed.append(f"GitHub App: {what} {old} removed")
        elif old is None:
            broadened.append(f"GitHub App: {what} set: {new}")
        else:
            broadened.append(f"GitHub App: {what} changed: {old} -> {new}")
    return tuple(broadened), tuple(narrowed)
