"""Deploy key construct: an ED25519 key pair the plan generates and rotates.

Rotation is anchored to dates (:mod:`cdk.lifecycle`), never to when Terraform last
ran: the stack's one local, ``agentid_plan_day``, is the day of ``plantimestamp()``;
each key's ``time_static`` has the record's schedule and the index of the period
that day falls in as ``triggers`` (:func:`cdk.github.rotation_plan.rotation_triggers`).
When a boundary passes or the record asks for a rotation, a trigger changes and the
``time_static`` is planned as a replace; every resource holding key material names
it in ``lifecycle.replace_triggered_by``, so the key pair, the deploy key and the
secret version roll together in one plan. A re-apply inside a period changes
nothing. The synthesized JSON names no date but the record's.
"""

from __future__ import annotations

from cdktn import TerraformLocal, TerraformResource, TerraformStack
from cdktn_provider_github.repository_deploy_key import RepositoryDeployKey
from cdktn_provider_time.provider import TimeProvider
from cdktn_provider_time.static_resource import StaticResource
from cdktn_provider_tls.private_key import PrivateKey
from cdktn_provider_tls.provider import TlsProvider
from constructs import Construct

from ..rotation import replaced_with
from .deploy_keys import DeployKeyPlan
from .rotation_plan import (
    PLAN_DAY,
    interpolated,
    next_rotation_expression,
    plan_day_expression,
    rotation_triggers,
    schedule_anchor,
)


def key_providers(scope: Construct) -> None:
    """The tls and time providers, only in stacks that hold deploy keys."""
    TlsProvider(scope, "tls")
    TimeProvider(scope, "time")


def plan_day(scope: Construct) -> str:
    """The stack's ``agentid_plan_day`` local (made on first use): its reference
    without ``${}``, for expressions."""
    stack = TerraformStack.of(scope)
    local = stack.node.try_find_child(PLAN_DAY)
    if local is None:
        local = TerraformLocal(stack, PLAN_DAY, interpolated(plan_day_expression()))
    assert isinstance(local, TerraformLocal)
    # The name the expressions use is the one the JSON holds.
    assert local.friendly_unique_id == PLAN_DAY, local.friendly_unique_id
    return f"local.{PLAN_DAY}"


class AgentDeployKey(Construct):
    """Key pair, rotation schedule and the GitHub deploy key holding the public half.

    ``private_key`` is a Terraform reference for the secret store; the private
    half never passes through Python, the output or a log.
    """

    def __init__(self, scope: Construct, construct_id: str, plan: DeployKeyPlan) -> None:
        super().__init__(scope, construct_id)
        day = plan_day(self)
        self._next_rotation = interpolated(next_rotation_expression(
            schedule_anchor(plan.requested), plan.rotation_days, day))
        self.rotated = StaticResource(self, "rotated", triggers=rotation_triggers(
            plan.rotation_days, plan.requested, day))
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
        """The end of the current rotation period, RFC 3339 (a Terraform expression)."""
        return self._next_rotation
