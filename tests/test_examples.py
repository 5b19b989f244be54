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


# examples/github-app-workflow.yml: the agent opens a pull request as its own App.
APP_WORKFLOW = ROOT / "examples" / "github-app-workflow.yml"
KEY_USE = re.compile(r"\$\{?key\}?\b")


def _app_job() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(APP_WORKFLOW.read_text(), Loader=yaml.BaseLoader)
    assert data["permissions"] == {}
    assert list(data["jobs"]) == ["propose"]
    job: dict[str, Any] = data["jobs"]["propose"]
    return job


def _app_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _app_job()["steps"]
    return steps


def _step(step_id: str) -> dict[str, Any]:
    [step] = [s for s in _app_steps() if s.get("id") == step_id]
    return step


def test_app_workflow_runs_in_the_agent_environment_with_an_oidc_token_only() -> None:
    job = _app_job()
    assert job["environment"] == "agent-release-bot"
    assert job["permissions"] == {"id-token": "write", "contents": "read", "actions": "read"}
    assert "outputs" not in job  # no job output: nothing leaves the runner for another job
    text = APP_WORKFLOW.read_text()
    assert "secrets." not in text and "aws-access-key-id" not in text
    [assume] = [s for s in _app_steps() if "configure-aws-credentials" in s.get("uses", "")]
    assert assume["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"


def test_app_key_goes_from_the_secret_to_a_masked_output_only() -> None:
    """The key is never written to disk by the workflow, never to GITHUB_ENV, never
    echoed: it lives in one step's shell variable, and leaves it only as that step's
    output, after every line of it is masked."""
    step = _step("key")
    script: str = step["run"]
    assert step["env"] == {"SECRET_ID": "${{ vars.AGENT_APP_KEY_SECRET }}"}
    assert re.search(r'key="\$\(aws secretsmanager get-secret-value --secret-id "\$SECRET_ID" '
                     r'\\\n\s+--query SecretString --output text\)"', script)
    assert "set -euo pipefail +x" in script
    lines = script.splitlines()
    uses = [(n, line) for n, line in enumerate(lines) if KEY_USE.search(line)]
    mask = next(n for n, line in enumerate(lines) if "::add-mask::" in line)
    [(feed, _)] = [(n, line) for n, line in uses if "< <(printf '%s\\n' \"$key\")" in line]
    [(output, written)] = [(n, line) for n, line in uses if ">" in line.replace("< <(", "")]
    assert written.rstrip().endswith('>> "$GITHUB_OUTPUT"')  # the one place it is written
    assert mask < feed < output  # masked, line by line, before it is written
    for _, line in uses:
        assert not re.search(r"\becho\b|\btee\b|GITHUB_ENV|GITHUB_STEP_SUMMARY", line)
    # The key output reaches the token action's input and nothing else.
    readers = [s for s in _app_steps() if "steps.key.outputs" in yaml.safe_dump(s)]
    assert [s.get("id") for s in readers] == ["app"]
    assert _step("app")["with"]["private-key"] == "${{ steps.key.outputs.key }}"


def test_no_step_writes_to_github_env_tees_traces_or_echoes_a_secret() -> None:
    for step in _app_steps():
        script = step.get("run", "")
        assert "GITHUB_ENV" not in script and "tee" not in script.split()
        assert "set -x" not in script
        assert not re.search(r"echo\s+\"?\$\{?(key|GH_TOKEN)\b", script)
        assert all(">" not in line for line in script.splitlines() if "GH_TOKEN" in line)
        if step.get("id") != "key":
            assert not KEY_USE.search(script)
            assert "GITHUB_OUTPUT" not in script


def test_installation_token_is_one_repository_two_permissions_and_revoked() -> None:
    from cdk.github.app_permissions import refusal

    mint = _step("app")
    assert mint["uses"] == "actions/create-github-app-token@v2"
    assert mint["with"]["app-id"] == "${{ vars.AGENT_APP_ID }}"
    assert mint["with"]["owner"] == "acme" and mint["with"]["repositories"] == "api"
    permissions = {key.removeprefix("permission-").replace("-", "_"): value
                   for key, value in mint["with"].items() if key.startswith("permission-")}
    assert permissions == {"contents": "write", "pull_requests": "write"}
    assert all(refusal(name, level) is None for name, level in permissions.items())
    assert "skip-token-revoke" not in mint["with"]  # revoked when the job ends
    # The token is a step's GH_TOKEN (gh's credential helper gives it to git), never
    # persisted by checkout.
    holders = [s for s in _app_steps() if "steps.app.outputs.token" in yaml.safe_dump(s)]
    assert [s["env"]["GH_TOKEN"] for s in holders] == ["${{ steps.app.outputs.token }}"]
    for checkout in [s for s in _app_steps() if s.get("uses", "").startswith("actions/checkout")]:
        assert checkout["with"]["persist-credentials"] == "false"
        assert "token" not in checkout["with"]
    [script] = [s["run"] for s in holders]
    assert "gh auth setup-git" in script and "gh pr create" in script
    # Only the token's hash reaches the run's summary, for the audit log's hashed_token.
    assert ("hashed=\"$(printf '%s' \"$GH_TOKEN\" | openssl dgst -sha256 -binary | base64)\""
            in script)


def test_app_workflow_reads_the_agents_role_and_app_variables_only() -> None:
    # The names app-stack's environment carries (AGENT_APP_ID, AGENT_APP_KEY_SECRET).
    assert variables_read(APP_WORKFLOW) == {"AWS_ROLE_ARN", "AWS_REGION", "AGENT_APP_ID",
                                            "AGENT_APP_KEY_SECRET"}


def test_actionlint_accepts_the_app_workflow() -> None:
    code, output = actionlint_output(APP_WORKFLOW)
    assert code == 0, output


def test_app_workflow_card_comes_first_from_the_runs_own_approval() -> None:
    steps = _app_steps()
    [card] = [s for s in steps if "agentid card" in s.get("run", "")]
    assert card["env"] == {"GH_TOKEN": "${{ github.token }}"}
    script = " ".join(card["run"].replace("\\\n", " ").split())
    assert ('agentid card release-bot -f identities/identities.yaml --run-id "$GITHUB_RUN_ID" '
            '--approvals "$RUNNER_TEMP/approvals.json"') in script
    first_credential = min(i for i, s in enumerate(steps)
                           if "credentials" in s.get("uses", "") or s.get("id") == "key")
    assert steps.index(card) < first_credential
