"""``agentid github-app``: the manifest of one agent's GitHub App and the local page
whose one button creates it (docs/github-app.md).

Fails closed: the file must pass the validation pipeline (any finding exits 1), the
agent must exist, declare ``github.app`` and be neither revoked nor locked. Only then
are ``DIR/manifest.json`` and ``DIR/create.html`` written, both staged first and then
renamed into place; on any refusal nothing is written.
"""

from __future__ import annotations

import argparse
import os
import secrets
from pathlib import Path

from ..errors import AgentIdError
from .common import today_of
from .lock import find_agent, read_checked


def github_app(args: argparse.Namespace) -> int:
    """Write ``manifest.json`` and ``create.html`` for one agent's App."""
    from ..github.manifest import render_page, request

    checked = read_checked(args.file, today_of(args.today), ())
    identities = checked.identities
    agent = identities.agents[find_agent(identities, args.name, args.file)]
    if agent.revoked is not None:
        raise AgentIdError(f"{agent.name} is revoked (on {agent.revoked.on}): it gets no "
                           "GitHub App — nothing written")
    if agent.locked is not None:
        raise AgentIdError(f"{agent.name} is locked (since {agent.locked.on} by "
                           f"{agent.locked.by}): create its App after the lock is lifted "
                           "in a reviewed change — nothing written")
    if agent.github.app is None:
        raise AgentIdError(f"{agent.name} declares no GitHub App — add `github: {{app: "
                           "{permissions: {contents: write, pull_requests: write}}}` (the "
                           f"permissions it needs) to its record in {args.file} in a reviewed "
                           "change, then run this again (docs/github-app.md) — nothing "
                           "written")
    if agent.github.app.app_id is not None:
        raise AgentIdError(f"{agent.name} already has App {agent.github.app.app_id} "
                           "(github.app.app_id): a second App would be a second actor — "
                           "delete the App on GitHub and remove app_id first — nothing "
                           "written")
    app = request(agent, identities)
    page = render_page(app, secrets.token_urlsafe(16))
    out = Path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AgentIdError(f"cannot create {out}: {exc.strerror} — choose another -o "
                           "directory") from None
    _write(out, {"manifest.json": app.manifest_json, "create.html": page})
    print(f"wrote {out / 'manifest.json'} and {out / 'create.html'}: App {app.app_name} "
          f"(acts as {app.app_name}[bot]) for {app.owner}")
    print(f"next: an owner of {app.owner} opens {out / 'create.html'} in a browser and "
          "follows it (one click creates the App; then the key goes into "
          f"{app.key_secret.name})")
    return 0


def _write(out: Path, files: dict[str, str]) -> None:
    """Write every file to a staging name first, then rename each into place: an error
    while writing leaves DIR as it was; a reader sees an old file or a whole new one."""
    staged = {name: out / f".{name}.agentid-{os.getpid()}" for name in files}
    try:
        for name, text in files.items():
            staged[name].write_text(text, encoding="utf-8")
        for name, staging in staged.items():
            os.replace(staging, out / name)
    except OSError as exc:
        raise AgentIdError(f"cannot write to {out}: {exc.strerror}") from None
    finally:
        for staging in staged.values():
            staging.unlink(missing_ok=True)
