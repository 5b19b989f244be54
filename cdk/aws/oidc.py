"""The account's GitHub Actions OIDC provider (foundation stack, one per account)."""

from __future__ import annotations

from cdktn_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from constructs import Construct

from ..names import MANAGED_BY, OIDC_URL, STS_AUDIENCE


class GitHubOidcProvider(Construct):
    """``token.actions.githubusercontent.com`` trusted for the STS audience only.

    No thumbprint: AWS validates GitHub's certificate against its own trust store.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.provider = IamOpenidConnectProvider(
            self,
            "provider",
            url=OIDC_URL,
            client_id_list=[STS_AUDIENCE],
            tags={"managed-by": MANAGED_BY, "stack": "foundation"},
        )
