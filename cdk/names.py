"""One name everywhere (docs/architecture.md §5): every resource name derives from here."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Iterable
from typing import TypeVar

from .model import Agent, IdentitiesFile

MANAGED_BY = "agentid"
FOUNDATION = "foundation"
OIDC_HOST = "token.actions.githubusercontent.com"
OIDC_URL = f"https://{OIDC_HOST}"
STS_AUDIENCE = "sts.amazonaws.com"
# The claims of GitHub's token an AWS trust policy conditions on, as IAM condition keys.
AUDIENCE_KEY = f"{OIDC_HOST}:aud"
SUB_KEY = f"{OIDC_HOST}:sub"
REPOSITORY_ID_KEY = f"{OIDC_HOST}:repository_id"
PIN_KEY = f"{OIDC_HOST}:job_workflow_ref"
# The tags every taggable resource of an agent carries that isolation relies on
# (:func:`tags`; the AWS boundary denies by them).
AGENT_TAG = "agent"
MANAGED_BY_TAG = "managed-by"
# Every deploy-key secret's name starts with this (:func:`secret_name`).
SECRETS_PREFIX = "agents/"


def principal(name: str) -> str:
    """The principal name of an agent in every cloud: ``agent-<name>``."""
    return f"agent-{name}"


def role_name(name: str) -> str:
    """AWS IAM role name."""
    return principal(name)


def scope_policy_name(name: str) -> str:
    """Inline policy of the role holding the agent's reviewed scope."""
    return f"{principal(name)}-scope"


def boundary_policy_name(name: str) -> str:
    """Managed policy used as the role's permissions boundary."""
    return f"{principal(name)}-boundary"


def kms_alias(name: str) -> str:
    """Alias of the agent's customer-managed KMS key."""
    return f"alias/{principal(name)}"


def secret_name(name: str, repo: str) -> str:
    """Secrets Manager name holding the private half of a deploy key on ``repo``."""
    return f"{SECRETS_PREFIX}{name}/deploy-keys/{repo}"


# The App key lives beside the deploy keys' secrets, under the prefix the agent's KMS
# encryption context and scope pin (`agents/<name>/deploy-keys/*`); a repository is
# always `owner/name`, so no deploy key's secret can be called `github-app`.
GITHUB_APP_KEY = "github-app"
# GitHub environment variables of an agent with a GitHub App (docs/github-app.md).
APP_ID_VARIABLE = "AGENT_APP_ID"
APP_KEY_VARIABLE = "AGENT_APP_KEY_SECRET"


def github_app_key_secret_name(name: str) -> str:
    """Secrets Manager name holding the private key of the agent's GitHub App."""
    return f"{SECRETS_PREFIX}{name}/deploy-keys/{GITHUB_APP_KEY}"


def gcp_app_key_secret_id(name: str) -> str:
    """Secret Manager id of the GitHub App's key: ``agents-<name>-github-app``. No
    deploy key's id ends so: theirs carry ``-deploy-keys-`` after the agent's name."""
    return f"{SECRETS_PREFIX.rstrip('/')}-{name}-{GITHUB_APP_KEY}"


def service_account_id(name: str) -> str:
    """GCP service account id: ``agent-<name>``, 6-30 characters (names are 3-24)."""
    return principal(name)


def gcp_secret_id(name: str, repo: str) -> str:
    """Secret Manager id of a deploy key: the AWS secret name with ``/`` as ``-``.

    ``agents/release-bot/deploy-keys/acme/api`` -> ``agents-release-bot-deploy-keys-acme-api``.
    Secret ids allow only ``[A-Za-z0-9_-]``; ``.`` in a repository name becomes ``_``
    (two repositories that would collide are already refused: they would share the
    deploy-key variable too).
    """
    return re.sub(r"[^A-Za-z0-9_-]", "_", secret_name(name, repo).replace("/", "-"))


def gcp_labels(agent: Agent) -> dict[str, str]:
    """:func:`tags` as GCP labels: lower case ``[a-z0-9_-]``, at most 63 characters."""
    return {key: re.sub(r"[^a-z0-9_-]", "_", value.lower().lstrip("@"))[:63]
            for key, value in tags(agent).items()}


def deploy_key_title(name: str) -> str:
    """Title of the agent's deploy keys on GitHub."""
    return principal(name)


def deploy_key_variable(repo: str) -> str:
    """GitHub environment variable naming the secret that holds the key for ``repo``.

    ``acme/my-repo`` -> ``AGENT_DEPLOY_KEY_SECRET_MY_REPO``: the repository name
    only (every repository is in the one organization), upper case, anything but
    letters and digits as ``_``, as GitHub variable names require.
    """
    return "AGENT_DEPLOY_KEY_SECRET_" + re.sub(r"[^A-Z0-9]", "_", repo.split("/", 1)[1].upper())


def default_environment(name: str) -> str:
    """GitHub environment used when a ``runs_on`` entry names none."""
    return principal(name)


def tags(agent: Agent) -> dict[str, str]:
    """Tags every taggable resource of the agent carries."""
    return {
        AGENT_TAG: agent.name,
        "owner": agent.owner,
        "expires": agent.expires.isoformat(),
        MANAGED_BY_TAG: MANAGED_BY,
    }


def state_key(prefix: str, name: str) -> str:
    """Backend key of one stack's state: ``<prefix>/<name>.tfstate``."""
    return f"{prefix}/{name}.tfstate"


def stack_names(identities: IdentitiesFile) -> list[str]:
    """Every stack the app emits, in order: foundation first, then agents."""
    return [FOUNDATION, *(a.name for a in identities.agents)]


def logical_id(*parts: str) -> str:
    """A construct id from meaningful parts: stable under reordering, Terraform-safe."""
    return "_".join(re.sub(r"[^A-Za-z0-9_-]", "_", part) for part in parts)


_K = TypeVar("_K", bound=Hashable)
# Parts whose id loses nothing but `/` (read back as `_`): the id a name had before
# ids were made unique, kept whenever it is unambiguous (docs/decisions.md).
_PLAIN = re.compile(r"^[A-Za-z0-9_/-]*$")


def unique_ids(entries: Iterable[tuple[_K, tuple[str, ...]]]) -> dict[_K, str]:
    """Construct ids for the entries of one construct scope: never two alike.

    :func:`logical_id` maps every character but ``[A-Za-z0-9_-]`` to ``_``, so
    ``acme/a.b`` and ``acme/a_b`` (or parts that join alike) once got one id and
    crashed synth. Each entry keeps its :func:`logical_id` unless another entry of
    the scope shares it; then only the plain one (nothing but ``/`` mapped) keeps
    it, and every other gets a digest of its exact parts appended. A file that
    synthesized before keeps every address; adding an entry never renames a plain
    one.
    """
    groups: dict[str, list[tuple[_K, tuple[str, ...]]]] = {}
    for key, parts in entries:
        groups.setdefault(logical_id(*parts), []).append((key, parts))
    ids: dict[_K, str] = {}
    for base, members in groups.items():
        distinct = {parts for _, parts in members}
        plain = [p for p in distinct if all(_PLAIN.match(part) for part in p)]
        keeper = next(iter(distinct)) if len(distinct) == 1 else (
            plain[0] if len(plain) == 1 else None)
        for key, parts in members:
            ids[key] = base if parts == keeper else f"{base}_{short_hash(*parts, length=12)}"
    if len(set(ids.values())) != len(ids):
        # Only a digest equal to another entry's name could get here.
        raise ValueError("construct ids collide after disambiguation: a bug in agentid")
    return ids


def short_hash(*parts: str, length: int = 8) -> str:
    """The first ``length`` hex digits of the sha256 of ``parts`` joined by NUL: what
    keeps a cut or disambiguated name unique and stable."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:length]
