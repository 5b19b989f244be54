"""Every backend kind gives each stack (agents and foundation) its own state and lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cdk.backend import plan_backend
from cdk.validation import load

from ..conftest import TODAY, synthesize
from ..records import variant, write

STACKS = ("foundation", "release-bot")


def _backend(tmp_path: Path, backend: str) -> dict[str, dict[str, Any]]:
    """Synthesize BASE with ``backend``; where each stack keeps its state.

    That is ``terraform.backend``, or ``terraform.cloud`` for HCP Terraform.
    """
    text = variant("backend: {local: {}}", f"backend: {backend}")
    out = synthesize(write(tmp_path, text), tmp_path / "out")
    blocks = {}
    for name in STACKS:
        terraform = out.stack(name)["terraform"]
        blocks[name] = terraform.get("backend") or {"cloud": terraform["cloud"]}
        assert not ("backend" in terraform and "cloud" in terraform)
    return blocks


@pytest.mark.synth
def test_gcs_backend_gives_each_agent_its_own_prefix(tmp_path: Path) -> None:
    blocks = _backend(tmp_path, "{gcs: {bucket: acme-agent-state, prefix: agents}}")
    for name in STACKS:
        assert blocks[name] == {"gcs": {"bucket": "acme-agent-state",
                                        "prefix": f"agents/{name}"}}


@pytest.mark.synth
def test_gcs_backend_carries_a_customer_managed_key(tmp_path: Path) -> None:
    key = "projects/acme/locations/europe/keyRings/state/cryptoKeys/agentid"
    blocks = _backend(tmp_path, f"{{gcs: {{bucket: acme-agent-state, kms_encryption_key: {key}}}}}")
    assert blocks["release-bot"]["gcs"] == {"bucket": "acme-agent-state",
                                            "prefix": "agentid/release-bot",
                                            "kms_encryption_key": key}


@pytest.mark.synth
def test_azurerm_backend_gives_each_agent_its_own_blob_with_entra_auth(tmp_path: Path) -> None:
    blocks = _backend(tmp_path, "{azurerm: {storage_account: acmestate, container: tfstate, "
                                "key_prefix: agents, resource_group: rg-state}}")
    for name in STACKS:
        assert blocks[name] == {"azurerm": {
            "storage_account_name": "acmestate", "container_name": "tfstate",
            "key": f"agents/{name}.tfstate", "resource_group_name": "rg-state",
            "use_azuread_auth": True}}


@pytest.mark.synth
def test_cloud_backend_gives_each_agent_its_own_workspace(tmp_path: Path) -> None:
    blocks = _backend(tmp_path, "{cloud: {organization: acme, workspace_prefix: agent-, "
                                "project: identities}}")
    for name in STACKS:
        assert blocks[name] == {"cloud": {
            "organization": "acme",
            "workspaces": {"name": f"agent-{name}", "project": "identities"}}}


def test_cloud_workspace_prefix_defaults_to_agentid(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, variant("backend: {local: {}}",
                                          "backend: {cloud: {organization: acme}}")), TODAY)
    kind, args = plan_backend(loaded.identities.defaults.backend, "release-bot",
                              tmp_path / "out", tmp_path)
    assert (kind, args) == ("cloud", {"organization": "acme",
                                      "workspaces": {"name": "agentid-release-bot"}})


@pytest.mark.parametrize("backend", [
    "{s3: {bucket: acme-agent-state, region: eu-west-1}, gcs: {bucket: acme-agent-state}}",
    "{}",
])
def test_exactly_one_backend_kind(tmp_path: Path, backend: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    from cdk.cli import main

    path = write(tmp_path, variant("backend: {local: {}}", f"backend: {backend}"))
    assert main(["validate", "-f", str(path), "--today", TODAY.isoformat()]) == 1
    assert "choose exactly one backend kind" in capsys.readouterr().err
