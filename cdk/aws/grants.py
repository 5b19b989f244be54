"""Grants other features add to an agent's AWS scope (the scope planner's seam).

The permission planner merges these statements into the role's inline policy
and its permissions boundary, so a grant is reviewed like any other scope.
Each feature's statements are exact: own resources, exact actions.
"""

from __future__ import annotations

from typing import Any

from ..model import Agent, IdentitiesFile
from ..secret_store import uses_store
from .secret_plan import grant_statements


def grants_for(agent: Agent, identities: IdentitiesFile) -> list[dict[str, Any]]:
    """IAM statements the agent's features need beyond its record's ``aws`` scope.

    Deploy keys stored in AWS: ``secretsmanager:GetSecretValue`` on the agent's
    own secrets and ``kms:Decrypt`` on its own key, nothing else.
    """
    aws = identities.defaults.aws
    if aws is None or not uses_store(agent, "aws"):
        return []
    return grant_statements(agent, aws)
