"""Lifecycle wiring shared by every resource that holds rotated key material."""

from __future__ import annotations

from typing import Protocol

from cdktn import TerraformResource, TerraformResourceLifecycle


class RotatedKey(Protocol):
    """A generated key as a secret store sees it: Terraform references, never the key."""

    @property
    def private_key(self) -> str:
        """Reference to the private half."""

    @property
    def triggers(self) -> tuple[TerraformResource, ...]:
        """What a stored copy must be replaced with (the last rotation, the key)."""

    @property
    def rotated(self) -> TerraformResource:
        """The ``time_static`` replaced at each rotation (its ``rfc3339``: when it was)."""

    @property
    def next_rotation(self) -> str:
        """The instant the key is due to be replaced (RFC 3339): the end of the current
        period of the record's schedule, as a Terraform expression."""


def replaced_with(*triggers: TerraformResource, before_destroy: bool = False
                  ) -> TerraformResourceLifecycle:
    """A lifecycle that replaces the resource whenever any of ``triggers`` is replaced."""
    # Addresses (`type.name`), not `${...}` tokens: Terraform wants references here.
    return TerraformResourceLifecycle(
        replace_triggered_by=[f"{t.terraform_resource_type}.{t.friendly_unique_id}"
                              for t in triggers],
        create_before_destroy=before_destroy or None,
    )
