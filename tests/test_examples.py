"""The example agent workflow uses what the stack provides, and only that."""

from __future__ import annotations

import re
from typing import Any

import yaml

from .actionlint import actionlint_output, variables_read
from .conftest import ROOT, Synthesized

WORKFLOW = ROOT / "examples" / "agent-workflow.yml"


def _workflow() -> dict[str, Any]:
    # BaseLoader: every scalar stays text, so `on:` stays a key (YAML 1.1 reads a bool).
    data: dict[str, Any] = yaml.load(WORKFLOW.read_text(), Loader=yaml.BaseLoader)
    return data


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _workflow()["jobs"]["release"]["steps"]
    return steps


def test_job_runs_in_the_agent_environment_with_an_oidc_token_only() -> None:
    workflow = _workflow()
    job = workflow["jobs"]["release"]

    assert workflow["permissions"] == {}
    assert job["environment"] == "agent-release-bot"
    assert job["permissions"] == {"id-token": "write", "contents": "read", "actions": "read"}


def test_credentials_come_from_the_agent_role_not_a_secret() -> None:
    [assume] = [s for s in _steps() if "configure-aws-credentials" in s.get("uses", "")]
    assert assume["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert "secrets." not in WORKFLOW.read_text()
    assert "aws-access-key-id" not in WORKFLOW.read_text()


def test_key_goes_from_the_secret_straight_into_ssh_agent() -> None:
    [load] = [s for s in _steps() if "ssh-add" in s.get("run", "")]
    script = load["run"]

    assert load["env"]["SECRET_ARN"] == "${{ vars.AGENT_DEPLOY_KEY_SECRET_API }}"
    assert re.search(r"get-secret-value --secret-id \"\$SECRET_ARN\" \\\n\s+"
                     r"--query SecretString --output text \| ssh-add -q -", script)
    assert "set -x" not in script and "tee" not in script and "> ~/.ssh/id" not in script


def test_every_variable_the_workflow_reads_is_one_the_stack_sets(
    synthesized_example: Synthesized,
) -> None:
    used = variables_read(WORKFLOW)
    provided = {v["variable_name"] for v in synthesized_example.resources(
        "release-bot", "github_actions_environment_variable")}
    assert used == {"AWS_ROLE_ARN", "AWS_REGION", "AGENT_DEPLOY_KEY_SECRET_API"}
    assert used <= provided


def test_actionlint_accepts_the_workflow() -> None:
    code, output = actionlint_output(WORKFLOW)
    assert code == 0, output
