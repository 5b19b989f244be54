"""Record -> the agent's GitHub App manifest and the local page that creates the App.

Terraform cannot create a GitHub App; GitHub's manifest flow ("Registering a GitHub
App from a manifest") needs one click by an organization owner. This module turns one
agent's ``github.app`` into that manifest (pure data, no I/O) and renders
``create.html``: one form, one button, the manifest in a hidden input, posted to the
organization's "new App" URL (docs/github-app.md).

The manifest holds exactly the record's permissions and nothing that would widen the
App: no webhook (``hook_attributes`` is absent: GitHub requires its ``url`` whenever it
is present, and an App without it has no webhook), no events, not public. GitHub gives
every App ``metadata: read`` by itself, so it is not added.

The page is rendered by Jinja sandboxed, with HTML autoescape and ``StrictUndefined``:
every value from the record (name, description, repositories) and the manifest JSON
are escaped where they land, so a description holding ``"``, ``<``, ``&`` or
``</script>`` stays text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from ..errors import AgentIdError
from ..model import Agent, IdentitiesFile
from ..names import gcp_app_key_secret_id, github_app_key_secret_name, principal
from .app_permissions import known, refusal

# GitHub App names: at most 34 characters, unique across GitHub (users and
# organizations included). ``agent-<name>`` is at most 30 (names are 3-24).
APP_NAME_MAX = 34
GITHUB = "https://github.com"


@dataclass(frozen=True)
class KeySecret:
    """Where the App's private key goes, and the commands that upload it from a file."""

    store: str
    name: str
    upload: str


@dataclass(frozen=True)
class AppRequest:
    """Everything the manifest and the page say about one agent's App."""

    agent: str
    description: str
    owner: str
    app_name: str
    manifest: dict[str, Any]
    repositories: tuple[str, ...]
    permissions: tuple[tuple[str, str], ...]
    key_secret: KeySecret
    identities_url: str

    @property
    def post_url(self) -> str:
        """GitHub's "create App from manifest" URL of the organization."""
        return f"{GITHUB}/organizations/{self.owner}/settings/apps/new"

    @property
    def manifest_json(self) -> str:
        """The manifest as written to ``manifest.json`` and posted by the page."""
        return manifest_text(self.manifest)


def app_name(agent: Agent) -> str:
    """The App's name, and so its actor ``agent-<name>[bot]``."""
    name = principal(agent.name)
    if len(name) > APP_NAME_MAX:  # pragma: no cover - NAME_RE keeps it at most 30
        raise AgentIdError(f"App name {name!r} is longer than GitHub's {APP_NAME_MAX} "
                           "characters — shorten the agent's name")
    return name


def repositories(agent: Agent) -> tuple[str, ...]:
    """The repositories the App is installed on: the record's, else ``runs_on``'s."""
    app = agent.github.app
    if app is not None and app.repositories is not None:
        return tuple(dict.fromkeys(app.repositories))
    return tuple(dict.fromkeys(run.repo for run in agent.runs_on))


def identities_url(identities: IdentitiesFile) -> str:
    """The identities repository's page, else the organization's."""
    github = identities.defaults.github
    if github.identities is not None:
        return f"{GITHUB}/{github.identities.repo}"
    return f"{GITHUB}/{github.owner}"


def key_secret(agent: Agent, identities: IdentitiesFile) -> KeySecret:
    """The secret holding the App's private key in the agent's store, and the command
    that puts ``key.pem`` into it. The stack keeps the key in an AWS or Google Cloud
    store (AgentId-GitHubAppStore refuses Azure: a Key Vault secret cannot exist without
    a value); anything else is refused here too."""
    store = agent.secrets.store
    if store == "aws" and identities.defaults.aws is not None:
        name = github_app_key_secret_name(agent.name)
        return KeySecret(store, name, f"aws secretsmanager put-secret-value --secret-id "
                                      f"{name} --secret-string file://key.pem --region "
                                      f"{identities.defaults.aws.region}")
    if store == "gcp" and identities.defaults.gcp is not None:
        name = gcp_app_key_secret_id(agent.name)
        return KeySecret(store, name, f"gcloud secrets versions add {name} --project "
                                      f"{identities.defaults.gcp.project_id} "
                                      "--data-file=key.pem")
    raise AgentIdError(f"{agent.name}: its GitHub App key would go to secrets.store "
                       f"{store!r}, which cannot keep it — use secrets.store: aws or gcp")


def _checked_permissions(agent: Agent) -> tuple[tuple[str, str], ...]:
    """The record's permissions, each one GitHub knows and an agent may hold. The rule
    pack refuses the others first; this refuses them again (fail closed)."""
    app = agent.github.app
    assert app is not None
    for name, level in app.permissions.items():
        if not known(name):
            raise AgentIdError(f"{agent.name}: github.app.permissions.{name} is not a "
                               "GitHub App permission")
        why = refusal(name, level)
        if why is not None:
            raise AgentIdError(f"{agent.name}: github.app.permissions.{name}: {level} is "
                               f"refused: {why}")
    return tuple(sorted(app.permissions.items()))


def request(agent: Agent, identities: IdentitiesFile) -> AppRequest:
    """The App request of ``agent``, whose record declares ``github.app``."""
    if agent.github.app is None:
        raise AgentIdError(f"{agent.name} declares no GitHub App")
    permissions = _checked_permissions(agent)
    name = app_name(agent)
    url = identities_url(identities)
    manifest: dict[str, Any] = {
        "name": name,
        "url": url,
        "description": agent.description,
        "public": False,
        "default_permissions": dict(permissions),
        # The code GitHub returns lands in the address bar of this page: nothing listens.
        "redirect_url": url,
    }
    return AppRequest(agent=agent.name, description=agent.description,
                      owner=identities.defaults.github.owner, app_name=name,
                      manifest=manifest, repositories=repositories(agent),
                      permissions=permissions, key_secret=key_secret(agent, identities),
                      identities_url=url)


def manifest_text(manifest: dict[str, Any]) -> str:
    """Stable JSON: sorted keys, two-space indent, one trailing newline."""
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """Sandboxed, strict, HTML-escaping: the page's one template environment."""
    return SandboxedEnvironment(
        loader=PackageLoader("cdk.github", "templates"),
        undefined=StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(app: AppRequest, state: str) -> str:
    """``create.html``: one form posting the manifest to GitHub, and what comes next.
    ``state`` is echoed back by GitHub with the code, so the owner can tell this
    request's redirect from any other."""
    return environment().get_template("create.html.j2").render(app=app, state=state)
