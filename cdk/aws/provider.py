"""The AWS provider of one stack, locked to the configured account."""

from __future__ import annotations

from cdktn_provider_aws.provider import AwsProvider
from constructs import Construct

from ..model import AwsDefaults


def aws_provider(scope: Construct, aws: AwsDefaults) -> AwsProvider:
    """One provider per stack; ``allowed_account_ids`` stops a deploy into the wrong account."""
    return AwsProvider(scope, "aws", region=aws.region, allowed_account_ids=[aws.account_id])
