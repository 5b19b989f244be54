"""Deploy key construct: an ED25519 key pair the plan generates and rotates.

Rotation: ``time_rotating`` expires after ``rotation_days``; a ``time_static``
keyed on it is then replaced, and every resource holding key material names
that ``time_static`` in ``lifecycle.replace_triggered_by``, so the key pair,
the deploy key and the secret version roll together in one plan. The
``time_static`` step is needed because an expired ``time_rotating`` is planned
as a create, not a replace, and a create does not trigger
``replace_triggered_by`` (hashicorp/terraform-provider-time#118).
"""

from __future__ import annotations

from cdktn import TerraformResource
from cdktn_provider_github.repository_deploy_key import RepositoryDeployKey
from cdktn_provider_time.provider import TimeProvider
from cdktn_provider_time.rotating import Rotating
from cdktn_provider_time.static_resource import StaticResource
from cdktn_provider_tls.private_key import PrivateKey
from cdktn_provider_tls.provider import TlsProvider
from constructs import Construct

from ..rotation import replaced_with
from .deploy_keys import DeployKeyPlan


def key_providers(scope: Construct) -> None:
    """The tls and time providers, only in stacks that hold deploy keys."""
    TlsProvider(scope, "tls")
    TimeProvider(scope, "time")


class AgentDeployKey(Construct):
    """Key pair, rotation clock and the GitHub deploy key holding the public half.

    ``private_key`` is a Terraform reference for the secret store; the private
    half never passes through Python, the output or a log.
    """

    def __init__(self, scope: Construct, construct_id: str, plan: DeployKeyPlan) -> None:
        super().__init__(scope, construct_id)
        self.rotation = Rotating(self, "rotation", rotation_days=plan.rotation_days)
        self.rotated = StaticResource(self, "rotated", triggers={"rotation": self.rotation.id})
        self.key = PrivateKey(self, "key", algorithm=plan.algorithm,
                              lifecycle=replaced_with(self.rotated))
        self.deploy_key = RepositoryDeployKey(
            self,
            "deploy_key",
            repository=plan.repository,
            title=plan.title,
            key=self.key.public_key_openssh,
            read_only=plan.read_only,
            # The new key is on GitHub before the old one goes: no window without one.
            lifecycle=replaced_with(self.rotated, before_destroy=True),
        )

    @property
    def private_key(self) -> str:
        """Reference to the private half in OpenSSH format (what ssh-add reads)."""
        return str(self.key.private_key_openssh)

    @property
    def triggers(self) -> tuple[TerraformResource, ...]:
        """What the secret version must be replaced with: the rotation and the key."""
        return (self.rotated, self.key)

    @property
    def next_rotation(self) -> str:
        """Reference to the instant ``time_rotating`` replaces the key."""
        return str(self.rotation.rotation_rfc3339)
