"""What agentid itself grants an agent, beyond the scope its record asks for.

Grants here are decided by agentid, not typed by a user (an agent reading its
own deploy-key secrets, decrypting with its own key), so they skip the checks on
``aws.statements`` but still appear in both the inline policy and the boundary,
where the always-on denies apply to them like to any other grant.
"""

from __future__ import annotations

from typing import Any

from ..model import Agent, Defaults
from ..targets import stores_in
from .secret_plan import grant_statements


def grants_for(agent: Agent, defaults: Defaults) -> list[dict[str, Any]]:
    """IAM statements the agent's features need beyond its record's ``aws`` scope.

    Deploy keys stored in AWS: ``secretsmanager:GetSecretValue`` on the agent's
    own secrets and ``kms:Decrypt`` on its own key, nothing else.
    """
    aws = defaults.aws
    if aws is None or not stores_in(agent, "aws"):
        return []
    return grant_statements(agent, aws)
