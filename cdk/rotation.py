"""Lifecycle wiring shared by every resource that holds rotated key material."""

from __future__ import annotations

from cdktn import TerraformResource, TerraformResourceLifecycle


def replaced_with(*triggers: TerraformResource, before_destroy: bool = False
                  ) -> TerraformResourceLifecycle:
    """A lifecycle that replaces the resource whenever any of ``triggers`` is replaced."""
    # Addresses (`type.name`), not `${...}` tokens: Terraform wants references here.
    return TerraformResourceLifecycle(
        replace_triggered_by=[f"{t.terraform_resource_type}.{t.friendly_unique_id}"
                              for t in triggers],
        create_before_destroy=before_destroy or None,
    )
