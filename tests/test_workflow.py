"""The CI workflow shipped for users passes actionlint and does what docs/ci.md says."""

from __future__ import annotations

import yaml

from .actionlint import actionlint_output
from .conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "agentid.yml"


def test_workflow_passes_actionlint() -> None:
    code, output = actionlint_output(WORKFLOW)
    assert code == 0, output


def test_workflow_reviews_on_pull_requests_and_applies_behind_an_approval() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text())
    jobs = flow["jobs"]
    assert flow["permissions"] == {"contents": "read"}
    steps = " ".join(str(step.get("run", "")) for step in jobs["review"]["steps"])
    assert "agentid review --base" in steps and "agentid affected --base" in steps
    assert "<!-- agentid-review -->" in steps  # the comment is found and updated in place
    for job in ("plan", "apply"):
        assert jobs[job]["permissions"]["id-token"] == "write"  # the deployer's own OIDC
        assert jobs[job]["strategy"]["matrix"]["stack"] == (
            "${{ fromJSON(needs.review.outputs.stacks) }}")
    assert jobs["apply"]["environment"] == "agentid-apply"
    # Plans run pull-request code: they get a read-only role, never the apply role.
    assert "AGENTID_PLAN_ROLE_ARN" in str(jobs["plan"]["steps"])
    assert "AGENTID_APPLY_ROLE_ARN" not in str(jobs["plan"]["steps"])
    assert "github.event_name == 'push'" in jobs["apply"]["if"]
    assert "cdktn diff" in jobs["plan"]["steps"][-1]["run"]
    assert "cdktn deploy" in jobs["apply"]["steps"][-1]["run"]


def test_the_review_job_verifies_what_it_synthesized() -> None:
    steps = [str(step.get("run", "")) for step in
             yaml.safe_load(WORKFLOW.read_text())["jobs"]["review"]["steps"]]
    synth = next(i for i, run in enumerate(steps) if "agentid synth" in run)
    verify = next(i for i, run in enumerate(steps) if "agentid verify" in run)
    assert verify == synth + 1
    assert "agentid verify cdktf.out -f identities.yaml" in steps[verify]
    assert "-o cdktf.out" in steps[synth]


def test_each_matrix_job_synthesizes_only_its_own_stack() -> None:
    # The cdktn CLI does not tell main.py which stack `diff NAME` / `deploy NAME`
    # targets: without AGENTID_STACKS every job would build every agent's stack.
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    for job in ("plan", "apply"):
        step = jobs[job]["steps"][-1]
        assert step["env"]["AGENTID_STACKS"] == "${{ matrix.stack }}"
        assert step["env"]["STACK"] == "${{ matrix.stack }}"
        assert '"$STACK"' in step["run"]


def test_plan_and_apply_use_a_terraform_the_stacks_accept() -> None:
    # The stacks need >= 1.11 (write-only secret versions); an older pin is refused
    # by terraform init in the very jobs that plan and apply.
    from cdk.synthesis import TARGET_VERSIONS

    minimum = tuple(int(p) for p in TARGET_VERSIONS["terraform"].removeprefix(">=").split("."))
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    for job in ("plan", "apply"):
        [setup] = [s for s in jobs[job]["steps"]
                   if str(s.get("uses", "")).startswith("hashicorp/setup-terraform@")]
        pinned = tuple(int(p) for p in setup["with"]["terraform_version"].split("."))
        assert pinned >= minimum, (job, pinned)
