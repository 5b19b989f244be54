"""What agentid itself grants an agent, beyond the scope its record asks for.

Grants here are decided by agentid, not typed by a user (an agent reading its
own deploy-key secrets, decrypting with its own key), so they skip the checks on
``aws.statements`` but still appear in both the inline policy and the boundary,
where the always-on denies apply to them like to any other grant.
"""

from __future__ import annotations

from typing import Any

from ..model import Agent, IdentitiesFile


def grants_for(agent: Agent, identities: IdentitiesFile) -> list[dict[str, Any]]:
    """Allow statements (``Sid``, ``Effect: Allow``, ``Action``, ``Resource``) for the agent.

    Empty until deploy keys land (issue #4): they add ``secretsmanager:GetSecretValue``
    on the agent's own secrets and ``kms:Decrypt`` on its key.
    """
    return []
