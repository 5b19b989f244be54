"""Azure names of an agent's identity, vault and secrets: deterministic, so review, the
card and the stack name them without reading state."""

from __future__ import annotations

import re

from ..model import Agent, AzureDefaults, GitHubDefaults, IdentitiesFile, RunsOn
from ..names import principal, secret_name, short_hash
from ..subjects import primary_subject

# Key Vault: names 3-24 of [0-9a-zA-Z-], globally unique; secret names 1-127.
VAULT_NAME_MAX = 24
SECRET_NAME_MAX = 127
ROLE_DEFINITIONS = "providers/Microsoft.Authorization/roleDefinitions"

def identity_name(name: str) -> str:
    """The managed identity: ``agent-<name>``."""
    return principal(name)


def subscription_scope(azure: AzureDefaults) -> str:
    """``/subscriptions/<id>``."""
    return f"/subscriptions/{azure.subscription_id}"


def resource_group_id(azure: AzureDefaults, group: str) -> str:
    """A resource group of the subscription as a scope."""
    return f"{subscription_scope(azure)}/resourceGroups/{group}"


def identity_id(azure: AzureDefaults, name: str) -> str:
    """The managed identity's resource id (deterministic: review and card name it)."""
    return (f"{resource_group_id(azure, azure.resource_group)}/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/{identity_name(name)}")


def vault_name(azure: AzureDefaults, name: str) -> str:
    """The agent's Key Vault: ``agent-<name>`` cut to fit, plus a hash of subscription and
    agent.

    Vault names are global across Azure, 3-24 characters of ``[0-9a-zA-Z-]``, start
    with a letter, end with a letter or digit and have no ``--``; the hash keeps
    two subscriptions' agents of the same name apart and makes the name stable.
    """
    stem = re.sub(r"-+", "-", principal(name))[:VAULT_NAME_MAX - 9].rstrip("-")
    return f"{stem}-{short_hash(azure.subscription_id, name)}"


def key_vault_secret_name(name: str, repo: str) -> str:
    """Key Vault secret name of a deploy key: the AWS name with anything but
    ``[0-9a-zA-Z-]`` as ``-``.

    ``agents/release-bot/deploy-keys/acme/api.v2`` ->
    ``agents-release-bot-deploy-keys-acme-api-v2``.
    Two repositories that would collide are already refused (they would share the
    deploy-key variable too). Over 127 characters, the name is cut and a hash of the
    full name appended.
    """
    full = secret_name(name, repo)
    mapped = re.sub(r"[^0-9a-zA-Z-]", "-", full)
    if len(mapped) <= SECRET_NAME_MAX:
        return mapped
    return f"{mapped[:SECRET_NAME_MAX - 9]}-{short_hash(full)}"


def credential_name(github: GitHubDefaults, agent: Agent, run: RunsOn) -> str:
    """A federated credential's name: readable repository and environment, plus a hash
    of the exact subject (names allow 3-120 of ``[A-Za-z0-9_-]``)."""
    subject = primary_subject(github, agent, run)
    readable = re.sub(r"[^A-Za-z0-9_-]", "-", f"{run.repo}-{run.environment or ''}".rstrip("-"))
    return f"github-{readable[:100]}-{short_hash(subject)}"


def role_definition_id(subscription: str, guid: str) -> str:
    """A role definition id as PIM and role assignments take it, from the subscription's
    scope (:func:`subscription_scope`) and the definition's GUID (or a reference to it)."""
    return f"{subscription}/{ROLE_DEFINITIONS}/{guid}"


def azure_defaults(identities: IdentitiesFile) -> AzureDefaults:
    """``defaults.azure``, which every plan of an agent that uses Azure needs (the rules
    refuse a file without it)."""
    if identities.defaults.azure is None:
        raise ValueError("defaults.azure is required for agents that use Azure")
    return identities.defaults.azure
