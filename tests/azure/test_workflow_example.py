"""The Azure example workflow uses what the stack provides, and only that."""

from __future__ import annotations

from typing import Any

import yaml

from ..actionlint import actionlint_output, variables_read
from ..conftest import ROOT, Synthesized

WORKFLOW = ROOT / "examples" / "azure-agent-workflow.yml"


def _job() -> dict[str, Any]:
    # BaseLoader: every scalar stays text, so `on:` stays a key (YAML 1.1 reads a bool).
    data: dict[str, Any] = yaml.load(WORKFLOW.read_text(), Loader=yaml.BaseLoader)
    job: dict[str, Any] = data["jobs"]["report"]
    return job


def test_login_is_oidc_as_the_agent_identity_never_a_secret() -> None:
    job = _job()
    [login] = [s for s in job["steps"] if s.get("uses", "").startswith("azure/login")]

    assert job["environment"] == "agent-report-builder"
    assert job["permissions"] == {"id-token": "write", "contents": "read", "actions": "read"}
    assert login["with"] == {"client-id": "${{ vars.AZURE_CLIENT_ID }}",
                             "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
                             "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}"}
    assert "secrets." not in WORKFLOW.read_text()
    assert "client-secret" not in WORKFLOW.read_text()


def test_every_variable_the_workflow_reads_is_one_the_stack_sets(
        synthesized_example: Synthesized) -> None:
    used = variables_read(WORKFLOW)
    provided = {v["variable_name"] for v in synthesized_example.resources(
        "report-builder", "github_actions_environment_variable")}

    assert used == {"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID",
                    "AGENT_DEPLOY_KEY_SECRET_REPORTS"}
    assert used <= provided


def test_actionlint_accepts_the_workflow() -> None:
    code, output = actionlint_output(WORKFLOW)
    assert code == 0, output
