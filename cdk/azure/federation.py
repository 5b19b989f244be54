"""Who may federate into an agent's managed identity: one credential per exact subject.

Entra ID compares the subject exactly and matches no other claim, so a credential is
GitHub's issuer, the audience ``api://AzureADTokenExchange`` and one subject in the
form its ``runs_on`` entry states (``both`` is refused by the rules).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Agent, GitHubDefaults
from ..names import OIDC_URL
from ..subjects import is_rename_proof, primary_subject
from .names import credential_name

AUDIENCE = "api://AzureADTokenExchange"
# Entra ID: at most 20 federated identity credentials per managed identity.
MAX_FEDERATED_CREDENTIALS = 20


@dataclass(frozen=True)
class FederatedCredential:
    """One exact subject the identity trusts."""

    name: str
    subject: str
    issuer: str = OIDC_URL
    audience: tuple[str, ...] = (AUDIENCE,)
    rename_proof: bool = False


def federated_credentials(agent: Agent, github: GitHubDefaults
                          ) -> tuple[FederatedCredential, ...]:
    """One credential per distinct subject, sorted by subject (the write order).

    Each entry has exactly one subject on Azure (``both`` is refused by the
    rules); :func:`cdk.subjects.primary_subject` is it.
    """
    seen: dict[str, FederatedCredential] = {}
    for run in agent.runs_on:
        subject = primary_subject(github, agent, run)
        seen.setdefault(subject, FederatedCredential(
            credential_name(github, agent, run), subject,
            rename_proof=is_rename_proof(github, run)))
    return tuple(seen[s] for s in sorted(seen))
