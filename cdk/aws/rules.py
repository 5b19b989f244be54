"""Rules about an agent's AWS identity."""

from __future__ import annotations

from collections.abc import Iterator

from ..aws.document import TRUST_POLICY_MAX_CHARS
from ..aws.plan import trust_policy_size, uses_aws
from ..checks.common import defaults_missing
from ..checks.engine import Problem, rule
from ..model import IdentitiesFile


@rule("AgentId-AwsDefaultsMissing")
def aws_defaults_missing(identities: IdentitiesFile) -> Iterator[Problem]:
    """An AWS scope needs the account and region it lives in; guessing them from the
    deployer's credentials would put an agent wherever those happen to point."""
    yield from defaults_missing(
        identities, identities.defaults.aws, uses_aws, lambda agent: "aws", "AWS", "aws",
        '{account_id: "123456789012", region: eu-west-1}')


@rule("AgentId-TrustPolicyTooLarge")
def trust_policy_too_large(identities: IdentitiesFile) -> Iterator[Problem]:
    """IAM refuses trust policies over 2,048 characters; better to hear it in review
    than halfway through an apply."""
    aws = identities.defaults.aws
    if aws is None:
        return
    for i, agent in enumerate(identities.agents):
        # Every agent with a role, also one that only reads its deploy keys from AWS.
        if not uses_aws(agent):
            continue
        size = trust_policy_size(agent, aws, identities.defaults.github)
        if size > TRUST_POLICY_MAX_CHARS:
            yield Problem(("agents", i, "runs_on"),
                          f"trust policy would be {size} characters, over IAM's "
                          f"{TRUST_POLICY_MAX_CHARS}",
                          "split the agent: one agent per group of repositories")
