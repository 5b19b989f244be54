"""The scheduled workflow (.github/workflows/agentid-scheduled.yml, docs/scheduled.md).

Two kinds of test: what the workflow file promises (triggers, environments, roles,
permissions, no expression inside a script, the status keys it reads), and its
scripts run for real under bash with the step's own `env:`, `gh`, `terraform` and
`agentid` replaced by stubs that answer from files and log every call.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..actionlint import actionlint_output, variables_read
from ..conftest import ROOT, TODAY_ARG
from .status_contract import ALL_KEYS, shape_errors

WORKFLOW = ROOT / ".github" / "workflows" / "agentid-scheduled.yml"
# The guard every job that writes issues, plans or applies carries: schedules run on
# the default branch; a dispatch on another branch only shows the status.
ON_DEFAULT_BRANCH = ("github.event_name == 'schedule' || github.ref == "
                     "format('refs/heads/{0}', github.event.repository.default_branch)")
RUN_URL = "https://github.com/acme/ids/actions/runs/7"


def flow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def jobs() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = flow()["jobs"]
    return found


def step(job: str, name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in jobs()[job]["steps"] if s.get("name") == name]
    assert len(found) == 1, (job, name)
    return found[0]


def scripts() -> Iterator[tuple[str, str]]:
    """(job, script) of every `run:` in the workflow."""
    for job_id, job in jobs().items():
        for s in job["steps"]:
            if "run" in s:
                yield job_id, s["run"]


# --- The workflow file --------------------------------------------------------------


def test_scheduled_workflow_passes_actionlint() -> None:
    code, output = actionlint_output(WORKFLOW)
    assert code == 0, output


def test_it_runs_daily_and_on_demand_only() -> None:
    # PyYAML reads the key `on` as True.
    triggers = flow()[True]
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    [entry] = triggers["schedule"]
    minute, hour, *every_day = entry["cron"].split()
    assert every_day == ["*", "*", "*"]
    assert minute.isdigit() and hour.isdigit()
    assert minute != "0"  # the top of the hour is when GitHub drops most scheduled runs


def test_apply_runs_only_behind_the_apply_environment_and_only_over_due() -> None:
    every = jobs()
    apply = every["apply"]
    assert apply["environment"] == "agentid-apply"
    assert apply["needs"] == "status"
    assert "needs.status.outputs.due != '[]'" in apply["if"]
    assert ON_DEFAULT_BRANCH in apply["if"]
    assert apply["strategy"]["matrix"] == {
        "stacks": "${{ fromJSON(needs.status.outputs.batches) }}"}
    assert apply["strategy"]["max-parallel"] == 1
    # An approval waiting for days holds back only the next apply of the same stacks.
    assert apply["concurrency"] == {"group": "agentid-scheduled-apply-${{ matrix.stacks }}",
                                    "cancel-in-progress": False}
    assert "AGENTID_APPLY_ROLE_ARN" in str(apply["steps"])
    assert "AGENTID_PLAN_ROLE_ARN" not in str(apply["steps"])
    last = apply["steps"][-1]
    assert last["env"]["AGENTID_STACKS"] == last["env"]["STACKS"] == "${{ matrix.stacks }}"
    assert last["env"]["AGENTID_TODAY"] == "${{ needs.status.outputs.today }}"
    assert '"$STACKS"' in last["run"]
    assert 'cdktn deploy "${stacks[@]}" --auto-approve' in last["run"]
    # Nothing else applies, deploys or can: no other job has the apply environment,
    # the apply role or a deploy.
    for job_id, job in every.items():
        if job_id == "apply":
            continue
        assert job.get("environment") != "agentid-apply", job_id
        assert "AGENTID_APPLY_ROLE_ARN" not in str(job), job_id
    for job_id, script in scripts():
        if job_id != "apply":
            assert "cdktn" not in script and "deploy" not in script, job_id


def test_the_drift_job_plans_with_the_plan_role_and_never_changes_anything() -> None:
    drift = jobs()["drift"]
    assert drift["environment"] == "agentid-plan"
    assert ON_DEFAULT_BRANCH in drift["if"]
    assert "AGENTID_PLAN_ROLE_ARN" in str(drift["steps"])
    script = step("drift", "Plan this shard's stacks")["run"]
    # Every terraform command names its stack's directory, then one of these verbs.
    assert set(re.findall(r"terraform -chdir=\"\$dir\" (\w+)", script)) == {"init", "plan", "show"}
    assert script.count("terraform ") == 3
    assert "-lock=false" in script and "-detailed-exitcode" in script
    # It plans what status judged: the same date, even past midnight.
    synth = step("drift", "Synth")
    assert synth["env"]["TODAY"] == "${{ needs.status.outputs.today }}"
    assert synth["run"].endswith('--today "$TODAY"')
    for word in ("apply", "deploy", "destroy", "import", "auto-approve", "state ",
                 "force-unlock", "taint", "cdktn"):
        assert word not in script, word
    # The JSON plan holds values in clear: only addresses and actions leave it.
    assert "terraform -chdir=\"$dir\" show -json drift.tfplan |\n" in script


def test_no_expression_inside_a_script() -> None:
    # Record text (agent names, owners, reasons) must reach scripts only through
    # `env:` and files: an expression in `run:` is pasted into the shell code.
    for job_id, script in scripts():
        assert "${{" not in script, (job_id, script)


def test_each_job_holds_the_least_permissions_it_needs() -> None:
    assert flow()["permissions"] == {}
    assert {job_id: job["permissions"] for job_id, job in jobs().items()} == {
        "status": {"contents": "read", "actions": "read"},  # runs of this workflow
        "issues": {"issues": "write"},
        "drift": {"contents": "read", "id-token": "write"},
        "drift-report": {"issues": "write"},
        "apply": {"contents": "read", "id-token": "write"},
    }
    # An OIDC token only where an environment's deployment rules guard the role.
    for job_id, job in jobs().items():
        if job["permissions"].get("id-token"):
            assert job["environment"] in ("agentid-plan", "agentid-apply"), job_id
        else:
            assert "environment" not in job, job_id


def test_issues_and_drift_jobs_act_only_on_the_default_branch() -> None:
    every = jobs()
    for job_id in ("issues", "drift", "drift-report", "apply"):
        assert ON_DEFAULT_BRANCH in every[job_id]["if"], job_id
    assert "if" not in every["status"]


def test_the_workflow_reads_the_variables_docs_name() -> None:
    docs = (ROOT / "docs" / "scheduled.md").read_text()
    read = variables_read(WORKFLOW)
    assert read == {"AGENTID_PLAN_ROLE_ARN", "AGENTID_APPLY_ROLE_ARN", "AWS_REGION",
                    "AGENTID_WARN_DAYS", "AGENTID_LOCKED_DAYS", "AGENTID_ISSUES_APP_ID"}
    secrets = set(re.findall(r"secrets\.([A-Z0-9_]+)", WORKFLOW.read_text()))
    assert secrets == {"AGENTID_ISSUES_APP_KEY"}
    for name in read | secrets:
        assert f"`{name}`" in docs, name


def test_the_optional_app_token_only_writes_issues_and_reads_team_members() -> None:
    # GITHUB_TOKEN cannot make an @org/team mention notify: an App can, if configured.
    for job_id, job in jobs().items():
        apps = [s for s in job["steps"]
                if str(s.get("uses", "")).startswith("actions/create-github-app-token@")]
        if job_id not in ("issues", "drift-report"):
            assert not apps, job_id
            continue
        [app] = apps
        assert app["if"] == "vars.AGENTID_ISSUES_APP_ID != ''"
        assert {k: v for k, v in app["with"].items() if k.startswith("permission-")} == {
            "permission-issues": "write", "permission-members": "read"}
        assert "owner" not in app["with"] and "repositories" not in app["with"]  # this repo only
        assert job["steps"][-1]["env"]["GH_TOKEN"] == (
            "${{ steps.app.outputs.token || github.token }}")


def test_apply_and_drift_use_the_terraform_of_agentid_yml() -> None:
    pins = set()
    for workflow in (WORKFLOW, ROOT / ".github" / "workflows" / "agentid.yml"):
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            for s in job["steps"]:
                if str(s.get("uses", "")).startswith("hashicorp/setup-terraform@"):
                    pins.add((s["uses"], s["with"]["terraform_version"]))
    assert len(pins) == 1, pins


# --- The status keys the workflow reads ---------------------------------------------


def status_programs() -> list[str]:
    """Every jq program in the workflow whose input is status.json; fails on a mention
    of status.json that is neither a jq input nor where status is written, so a read
    this parser cannot see fails here instead of passing unseen."""
    programs = []
    for _, script in scripts():
        lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        mentions = [i for i, t in enumerate(tokens) if "status.json" in t]
        for i in mentions:
            if tokens[i] != "status.json":
                raise AssertionError(f"status.json inside a word, unreadable here: {tokens[i]!r}")
            if tokens[i - 1] == ">":
                continue  # `agentid status ... > status.json`
            start = max(j for j in range(i) if tokens[j] == "jq")
            command = tokens[start + 1:i]
            assert not any(t in ("|", ";", "&&", "||", "(", ")") for t in command), command
            programs.append(_program(command))
    return programs


def _program(args: list[str]) -> str:
    """The filter among jq's arguments (the first that is no option or option value)."""
    takes_two = {"--arg", "--argjson", "--slurpfile", "--rawfile"}
    i = 0
    while i < len(args):
        if args[i] in takes_two:
            i += 3
        elif args[i].startswith("-"):
            i += 1
        else:
            return args[i]
    raise AssertionError(f"no jq filter in {args}")


def keys_read(program: str) -> set[str]:
    """Object keys a jq program reads: `.key`, `$var.key`, `{key}` shorthands."""
    paths = re.findall(r"(?<![\w$])((?:\.[A-Za-z_]\w*)+)", program)
    paths += re.findall(r"\$\w+((?:\.[A-Za-z_]\w*)+)", program)
    fields = {key for path in paths for key in path.split(".")[1:]}
    fields |= set(re.findall(r"[{,]\s*([a-z_]+)\s*(?=[,}])", program))
    return fields


def test_the_key_reader_sees_paths_variables_and_shorthands() -> None:
    assert keys_read('{today, due, x: (.agents[] as $a | $a.owner)} | .a.b "e.g. x.md"') == {
        "today", "due", "agents", "owner", "a", "b"}


def test_the_workflow_reads_exactly_the_status_contract() -> None:
    programs = status_programs()
    assert len(programs) >= 8  # status, summary, issues, drift report
    read = set().union(*(keys_read(p) for p in programs))
    assert read == ALL_KEYS, (
        f"read but not in the contract: {sorted(read - ALL_KEYS)}; in the contract but "
        f"never read: {sorted(ALL_KEYS - read)} (tests/lifecycle/status_contract.py)")


def test_the_sample_documents_here_are_the_contract() -> None:
    assert shape_errors(status_document()) == []
    broken = status_document()
    broken["agents"][0]["expires_days"] = broken["agents"][0].pop("expires_in_days")
    broken["due"].append("nobody")
    assert shape_errors(broken) == [
        "agents[0]: missing ['expires_in_days']",
        "agents[0]: not in the contract ['expires_days']",
        "due: 'nobody' is no agent"]


# --- The scripts, run -----------------------------------------------------------------
# Each test below starts bash and jq (~0.4 s on a busy machine): `slow`, out of the
# fast loop.

GH_STUB = r"""#!/usr/bin/env bash
# Logs each call (arguments ended by \x1f, calls by \x1e), keeps the n-th call's
# --body-file as body-n.md, and answers from $STUB_DIR through --jq like gh does.
set -eo pipefail
filter=""
args=("$@")
n=$(cat "$STUB_DIR/gh-count" 2>/dev/null || echo 0)
echo $((n + 1)) > "$STUB_DIR/gh-count"
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --jq) filter="${args[i + 1]}" ;;
    --body-file) cp "${args[i + 1]}" "$STUB_DIR/body-$n.md" ;;
  esac
done
printf '%s\x1f' "$@" >> "$STUB_DIR/gh-calls"
printf '\x1e' >> "$STUB_DIR/gh-calls"
case "$1 $2" in
  "issue list") source="$STUB_DIR/issue-list.json" ;;
  "run list") source="$STUB_DIR/run-list.json" ;;
  "issue create") echo "https://github.com/acme/ids/issues/99"; exit 0 ;;
  api\ *) id="${2#*/runs/}"; source="$STUB_DIR/jobs-${id%%/*}.json" ;;
  *) exit 0 ;;
esac
if [ -n "$filter" ]; then jq -r "$filter" "$source"; else cat "$source"; fi
"""

AGENTID_STUB = r"""#!/usr/bin/env bash
printf '%s\x1f' "$@" >> "$STUB_DIR/agentid-calls"
printf '\x1e' >> "$STUB_DIR/agentid-calls"
for arg in "$@"; do
  if [ "$arg" = --json ]; then cat "$STUB_DIR/status.json"; exit "$(cat "$STUB_DIR/code")"; fi
done
echo "NAME   STATE   EXPIRES"
exit "$(cat "$STUB_DIR/code")"
"""

TERRAFORM_STUB = r"""#!/usr/bin/env bash
dir="${1#-chdir=}"
stack=$(basename "$dir")
shift
echo "$stack $*" >> "$STUB_DIR/terraform-calls"
case "$1" in
  init) if [ -f "$STUB_DIR/init-fails-$stack" ]; then echo "init failed"; exit 1; fi ;;
  plan) touch "$dir/drift.tfplan"; echo "plan of $stack"
        exit "$(cat "$STUB_DIR/plan-$stack" 2>/dev/null || echo 0)" ;;
  show) cat "$STUB_DIR/show-$stack.json" ;;
esac
"""


class Stubs:
    """A working directory with `gh`, `terraform` and `.venv/bin/agentid` stubbed."""

    def __init__(self, root: Path) -> None:
        self.work = root / "work"
        self.stub = root / "stub"
        self.bin = root / "bin"
        for folder in (self.work, self.stub, self.bin, self.work / ".venv" / "bin"):
            folder.mkdir(parents=True)
        for path, text in ((self.bin / "gh", GH_STUB), (self.bin / "terraform", TERRAFORM_STUB),
                           (self.work / ".venv" / "bin" / "agentid", AGENTID_STUB)):
            path.write_text(text)
            path.chmod(0o755)
        self.output = root / "output"
        self.summary = root / "summary"
        self.output.touch()
        self.summary.touch()

    def answer(self, name: str, value: Any) -> None:
        (self.stub / name).write_text(value if isinstance(value, str) else json.dumps(value))

    def run(self, job: str, name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """Run the step's script as GitHub's `shell: bash` does, with ``env`` for its
        `env:` (every key of which the test must give) and the runner's variables."""
        declared = step(job, name)
        assert set(declared.get("env", {})) <= set(env), set(declared.get("env", {})) - set(env)
        assert jobs()[job].get("defaults", flow()["defaults"])["run"]["shell"] == "bash"
        jq = shutil.which("jq")
        assert jq, "jq is missing: the workflow's scripts need it (GitHub's runners have it)"
        script = self.work.parent / "step.sh"
        script.write_text(declared["run"])
        environ = {"PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}", "HOME": str(self.work),
                   "STUB_DIR": str(self.stub), "GITHUB_OUTPUT": str(self.output),
                   "GITHUB_STEP_SUMMARY": str(self.summary), "GITHUB_REF_NAME": "main",
                   "RUNNER_TEMP": str(self.work.parent), **env}
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.work, env=environ, capture_output=True, text=True,
                              timeout=60, check=False)

    def calls(self, tool: str) -> list[list[str]]:
        log = self.stub / f"{tool}-calls"
        if not log.exists():
            return []
        return [call.split("\x1f")[:-1] for call in log.read_text().split("\x1e")[:-1]]

    def outputs(self) -> dict[str, str]:
        return dict(line.split("=", 1) for line in self.output.read_text().splitlines())


@pytest.fixture
def stubs(tmp_path: Path) -> Stubs:
    return Stubs(tmp_path)


def agent(name: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "name": name, "state": "active", "expires": "2027-06-01", "expires_in_days": 184,
        "owner": "@acme/platform", "rotation_owner": "@acme/keys", "clouds": ["aws", "github"],
        "locked": None,
        "rotation": {"last": "2026-09-27", "next": "2026-12-26", "due": False, "overdue": False},
        "needs_human": []}
    record.update(fields)
    return record


def status_document() -> dict[str, Any]:
    return {
        "today": TODAY_ARG, "last_run": "2026-11-28", "warn_days": 14,
        "agents": [
            agent("alpha", expires="2026-12-09", expires_in_days=10,
                  needs_human=["expires in 10 days"]),
            agent("beta"),
            agent("gamma", state="locked", owner="@acme/data",
                  locked={"on": "2026-11-20", "by": "@acme/security", "days": 9,
                          "reason": "leaked | INC-7\n<!-- agentid-status: beta --> $(touch pwned)"},
                  needs_human=["locked for 9 days", "rotation overdue since 2026-11-27"],
                  rotation={"last": "2026-08-29", "next": "2026-11-27", "due": True,
                            "overdue": True}),
        ],
        "due": ["gamma"], "attention": ["alpha", "gamma"]}


STATUS_ENV = {"LAST_RUN": "2026-11-28", "WARN_DAYS": "", "LOCKED_DAYS": ""}


@pytest.mark.slow
def test_status_passes_its_judgement_on_and_survives_exit_1(stubs: Stubs) -> None:
    # GIVEN status exits 1 (agents need a human) with a document of the contract
    stubs.answer("status.json", status_document())
    stubs.answer("code", "1")
    # WHEN the status step runs
    result = stubs.run("status", "Status", {**STATUS_ENV, "WARN_DAYS": "21"})
    # THEN the job goes on, with the lists as outputs and the table in the summary
    assert result.returncode == 0, result.stderr
    assert stubs.outputs() == {"today": TODAY_ARG, "due": '["gamma"]', "batches": '["gamma"]',
                               "attention": '["alpha","gamma"]'}
    [judged, table] = stubs.calls("agentid")
    assert judged == ["status", "-f", "identities.yaml", "--last-run", "2026-11-28",
                      "--warn-days", "21", "--json"]
    assert table == [*judged[:-1], "--today", TODAY_ARG]
    summary = stubs.summary.read_text()
    assert "NAME   STATE   EXPIRES" in summary and "Needs a human: alpha, gamma" in summary


@pytest.mark.slow
def test_status_omits_last_run_on_the_first_run(stubs: Stubs) -> None:
    stubs.answer("status.json", status_document())
    stubs.answer("code", "0")
    assert stubs.run("status", "Status", {**STATUS_ENV, "LAST_RUN": ""}).returncode == 0
    assert "--last-run" not in stubs.calls("agentid")[0]


@pytest.mark.parametrize(("code", "change"), [
    ("2", lambda d: None),                                  # a usage error
    ("1", lambda d: d.pop("due")),                          # a key renamed or gone
    ("0", lambda d: d["due"].append("nobody")),             # due names no agent
    ("0", lambda d: d["attention"].append("ghost")),
    ("0", lambda d: d.update(due="not a list")),
    ("0", lambda d: (d["agents"].append(agent("Bad;Name")), d["due"].append("Bad;Name"))),
], ids=["exit-2", "missing-key", "unknown-due", "unknown-attention", "due-not-a-list",
        "bad-name"])
@pytest.mark.slow
def test_status_fails_closed(stubs: Stubs, code: str, change: Any) -> None:
    document = status_document()
    change(document)
    stubs.answer("status.json", document)
    stubs.answer("code", code)
    result = stubs.run("status", "Status", STATUS_ENV)
    assert result.returncode != 0
    assert "due=" not in stubs.output.read_text()


@pytest.mark.slow
def test_status_fails_closed_on_a_refused_file(stubs: Stubs) -> None:
    # An invalid identities.yaml: exit 1 as for "needs a human", but no JSON at all.
    stubs.answer("status.json", "")
    stubs.answer("code", "1")
    result = stubs.run("status", "Status", STATUS_ENV)
    assert result.returncode != 0
    assert "not the shape this workflow reads" in result.stderr
    assert stubs.output.read_text() == ""


@pytest.mark.slow
def test_status_refuses_a_days_variable_that_is_not_a_number(stubs: Stubs) -> None:
    stubs.answer("status.json", status_document())
    stubs.answer("code", "0")
    result = stubs.run("status", "Status", {**STATUS_ENV, "LOCKED_DAYS": "7; rm -rf /"})
    assert result.returncode == 2 and "not a number of days" in result.stderr
    assert stubs.calls("agentid") == []


@pytest.mark.slow
def test_past_256_due_stacks_the_apply_matrix_batches_them(stubs: Stubs) -> None:
    document = status_document()
    names = [f"agent-{i:03d}" for i in range(300)]
    document["agents"] += [agent(name) for name in names]
    document["due"] = names
    stubs.answer("status.json", document)
    stubs.answer("code", "0")
    assert stubs.run("status", "Status", STATUS_ENV).returncode == 0
    batches = json.loads(stubs.outputs()["batches"])
    assert len(batches) <= 256
    assert [name for batch in batches for name in batch.split(",")] == names


def jobs_of(status: str, *applies: str) -> dict[str, Any]:
    listed = [{"name": "status", "conclusion": status},
              {"name": "drift 0", "conclusion": "failure"}]
    listed += [{"name": f"apply {n}", "conclusion": c}
               for n, c in (a.split(":") for a in applies)]
    return {"jobs": listed}


@pytest.mark.slow
def test_last_run_is_the_newest_run_whose_applies_all_succeeded(stubs: Stubs) -> None:
    # GIVEN runs newest first: one whose apply was rejected, one whose drift failed but
    # whose apply succeeded, an older clean one
    stubs.answer("run-list.json", [
        {"databaseId": 30, "createdAt": "2026-11-28T05:31:02Z"},
        {"databaseId": 20, "createdAt": "2026-11-27T05:40:00Z"},
        {"databaseId": 10, "createdAt": "2026-11-26T05:29:00Z"}])
    stubs.answer("jobs-30.json", jobs_of("success", "alpha:success", "gamma:failure"))
    stubs.answer("jobs-20.json", jobs_of("success", "alpha:success"))
    stubs.answer("jobs-10.json", jobs_of("success", "${{ matrix.stacks }}:skipped"))
    env = {"GH_TOKEN": "t", "GH_REPO": "acme/ids"}
    # WHEN the step looks for the last successful apply
    result = stubs.run("status", "Date the apply last succeeded", env)
    # THEN it is the day of the run whose applies all succeeded, whatever else failed
    assert result.returncode == 0, result.stderr
    assert stubs.outputs() == {"date": "2026-11-27"}
    [listed, *_] = stubs.calls("gh")
    assert listed[:2] == ["run", "list"] and "--branch" in listed and "main" in listed
    assert "completed" in listed


@pytest.mark.slow
def test_the_first_run_has_no_last_run(stubs: Stubs) -> None:
    stubs.answer("run-list.json", [])
    result = stubs.run("status", "Date the apply last succeeded", {"GH_TOKEN": "t", "GH_REPO": "r"})
    assert result.returncode == 0, result.stderr
    assert stubs.outputs() == {"date": ""}


@pytest.mark.slow
def test_runs_that_never_applied_count_from_the_oldest(stubs: Stubs) -> None:
    # GIVEN two runs, neither of which applied: omitting --last-run would forget what
    # fell due since the first of them
    stubs.answer("run-list.json", [{"databaseId": 6, "createdAt": "2026-11-28T05:31:02Z"},
                                   {"databaseId": 5, "createdAt": "2026-11-20T05:31:02Z"}])
    stubs.answer("jobs-6.json", jobs_of("failure", "${{ matrix.stacks }}:skipped"))
    stubs.answer("jobs-5.json", jobs_of("success", "alpha:cancelled"))
    result = stubs.run("status", "Date the apply last succeeded", {"GH_TOKEN": "t", "GH_REPO": "r"})
    assert result.returncode == 0, result.stderr
    assert stubs.outputs() == {"date": "2026-11-20"}
    assert "::warning::no run of the last 2 applied: counting from 2026-11-20" in result.stdout


@pytest.mark.slow
def test_a_failed_run_listing_fails_the_step(stubs: Stubs) -> None:
    # No run-list.json: gh fails, and a guessed "first run" must not follow.
    result = stubs.run("status", "Date the apply last succeeded", {"GH_TOKEN": "t", "GH_REPO": "r"})
    assert result.returncode != 0
    assert "date=" not in stubs.output.read_text()


ISSUES_ENV = {"GH_TOKEN": "t", "GH_REPO": "acme/ids", "RUN_URL": RUN_URL}


def issue(number: int, first_line: str, rest: str = "") -> dict[str, Any]:
    return {"number": number, "body": f"{first_line}\n## something\n{rest}"}


@pytest.mark.slow
def test_one_issue_per_agent_is_opened_updated_and_closed(stubs: Stubs) -> None:
    # GIVEN alpha and gamma need a human; alpha has an issue (and a duplicate), beta
    # has one but is resolved, and an issue mentions gamma's marker past its first line
    stubs.answer("status.json", status_document())
    (stubs.work / "status.json").write_text(json.dumps(status_document()))
    stubs.answer("issue-list.json", [
        issue(5, "<!-- agentid-status: alpha -->"),
        issue(6, "<!-- agentid-status: beta -->"),
        issue(7, "<!-- agentid-status: alpha -->"),
        issue(8, "a person's issue", "<!-- agentid-status: gamma -->")])
    # WHEN the issues step runs
    result = stubs.run("issues", "Open, update or close one issue per agent", ISSUES_ENV)
    # THEN alpha's issue is updated, gamma's opened, beta's and the duplicate closed
    assert result.returncode == 0, result.stderr
    calls = stubs.calls("gh")
    acts = [c[:3] for c in calls if c[:2] != ["issue", "list"] and c[0] != "label"]
    assert acts == [["issue", "edit", "5"], ["issue", "create", "--label"],
                    ["issue", "close", "6"], ["issue", "close", "7"]]
    assert calls[0][:4] == ["label", "create", "agentid-status", "--color"]
    close_beta, close_duplicate = (c[c.index("--comment") + 1] for c in calls[-2:])
    assert close_beta == f"Closing: `beta` no longer needs a human on {TODAY_ARG} ({RUN_URL})."
    assert close_duplicate == f"Closing: duplicate of #5 ({RUN_URL})."
    create = next(c for c in calls if c[:2] == ["issue", "create"])
    assert create[create.index("--title") + 1] == "agentid: gamma needs a human"
    # AND each body names the agent in its marker, mentions its owner and rotation
    # owner, and lists every reason
    alpha = (stubs.stub / "body-2.md").read_text()
    gamma = (stubs.stub / "body-3.md").read_text()
    assert alpha.splitlines()[0] == "<!-- agentid-status: alpha -->"
    assert "Owner @acme/platform, rotation owner @acme/keys:" in alpha
    assert "- expires in 10 days" in alpha and "| expires | 2026-12-09 (in 10 days) |" in alpha
    assert gamma.splitlines()[0] == "<!-- agentid-status: gamma -->"
    assert "Owner @acme/data, rotation owner @acme/keys:" in gamma
    assert "- locked for 9 days\n- rotation overdue since 2026-11-27\n" in gamma
    assert "| key rotation | last 2026-08-29, next 2026-11-27, due true, overdue true |" in gamma
    # AND record text cannot pose as another agent's marker nor run as shell code
    assert "<!-- agentid-status: beta -->" not in gamma
    assert ("| locked | on 2026-11-20 by @acme/security, 9 days: leaked &#124; INC-7 "
            "&lt;!-- agentid-status: beta --> $(touch pwned) |\n") in gamma
    assert not (stubs.work / "pwned").exists()
    assert RUN_URL in alpha and TODAY_ARG in alpha


@pytest.mark.slow
def test_nobody_in_attention_closes_every_open_agent_issue(stubs: Stubs) -> None:
    document = {**status_document(), "attention": []}
    (stubs.work / "status.json").write_text(json.dumps(document))
    stubs.answer("issue-list.json", [issue(5, "<!-- agentid-status: alpha -->")])
    result = stubs.run("issues", "Open, update or close one issue per agent", ISSUES_ENV)
    assert result.returncode == 0, result.stderr
    assert [c[:3] for c in stubs.calls("gh") if c[0] == "issue"] == [
        ["issue", "list", "--label"], ["issue", "close", "5"]]


def plan_json(drifted: list[str], changes: list[tuple[str, list[str]]]) -> dict[str, Any]:
    return {"resource_drift": [{"address": a, "change": {"actions": ["update"]}} for a in drifted],
            "resource_changes": [
                {"address": a, "change": {"actions": actions, "after": {"secret": "s3cr3t"}}}
                for a, actions in changes]}


DRIFT_ENV = {"SHARD": "1", "SHARDS": "2", "GITHUB_TOKEN": "t",
             "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "true", "TF_IN_AUTOMATION": "1"}


@pytest.mark.slow
def test_a_drift_shard_plans_its_stacks_and_reports_only_addresses(stubs: Stubs) -> None:
    # GIVEN five synthesized stacks; this is shard 1 of 2 (0-based): b, d
    for name in ("a", "b", "c", "d", "e"):
        (stubs.work / "cdktf.out" / "stacks" / name).mkdir(parents=True)
    stubs.answer("plan-b", "2")
    stubs.answer("show-b.json", plan_json(
        ["aws_iam_role_policy_attachments_exclusive.x"],
        [("aws_iam_role_policy_attachments_exclusive.x", ["update"]),
         ("data.aws_caller_identity.me", ["read"]), ("aws_iam_role.r", ["no-op"]),
         ("tls_private_key.k", ["delete", "create"])]))
    stubs.answer("plan-d", "1")
    # WHEN the shard plans
    result = stubs.run("drift", "Plan this shard's stacks", DRIFT_ENV)
    # THEN it plans b and d only, read-only, and fails for d's failed plan
    assert result.returncode == 1
    planned = (stubs.stub / "terraform-calls").read_text().splitlines()
    assert {line.split()[0] for line in planned} == {"b", "d"}
    plans = [line for line in planned if line.split()[1] == "plan"]
    assert all("-lock=false" in p and "-detailed-exitcode" in p for p in plans)
    report = [json.loads(line) for line in
              (stubs.work / "drift" / "shard-1-of-2.jsonl").read_text().splitlines()]
    assert report == [
        {"stack": "b", "result": "changes",
         "drifted": ["aws_iam_role_policy_attachments_exclusive.x"],
         "changes": ["aws_iam_role_policy_attachments_exclusive.x (update)",
                     "tls_private_key.k (delete+create)"]},
        {"stack": "d", "result": "error"}]
    assert "s3cr3t" not in result.stdout + result.stderr
    assert "s3cr3t" not in (stubs.work / "drift" / "shard-1-of-2.jsonl").read_text()
    assert not (stubs.work / "cdktf.out" / "stacks" / "b" / "drift.tfplan").exists()


@pytest.mark.slow
def test_a_failed_init_is_a_failed_plan(stubs: Stubs) -> None:
    (stubs.work / "cdktf.out" / "stacks" / "b").mkdir(parents=True)
    stubs.answer("init-fails-b", "")
    result = stubs.run("drift", "Plan this shard's stacks",
                       {**DRIFT_ENV, "SHARD": "0", "SHARDS": "1"})
    assert result.returncode == 1
    assert json.loads((stubs.work / "drift" / "shard-0-of-1.jsonl").read_text()) == {
        "stack": "b", "result": "error"}


@pytest.mark.slow
def test_a_shard_that_stops_halfway_leaves_no_report(stubs: Stubs) -> None:
    # GIVEN b's plan is not empty but its JSON cannot be read (the step stops there)
    for name in ("b", "c"):
        (stubs.work / "cdktf.out" / "stacks" / name).mkdir(parents=True)
    stubs.answer("plan-b", "2")
    result = stubs.run("drift", "Plan this shard's stacks",
                       {**DRIFT_ENV, "SHARD": "0", "SHARDS": "1"})
    # THEN c is never planned, and no report says the shard judged every stack
    assert result.returncode != 0
    calls = (stubs.stub / "terraform-calls").read_text().splitlines()
    assert {line.split()[0] for line in calls} == {"b"}
    assert not list((stubs.work / "drift").glob("*.jsonl"))


REPORT_ENV = {"GH_TOKEN": "t", "GH_REPO": "acme/ids", "RUN_URL": RUN_URL}


def shard(stubs: Stubs, name: str, *entries: dict[str, Any]) -> None:
    (stubs.work / "drift").mkdir(exist_ok=True)
    (stubs.work / "drift" / name).write_text("".join(json.dumps(e) + "\n" for e in entries))


def changes(stack: str, drifted: list[str], changed: list[str]) -> dict[str, Any]:
    return {"stack": stack, "result": "changes", "drifted": drifted, "changes": changed}


@pytest.mark.slow
def test_the_drift_report_opens_one_issue_for_drift_but_not_for_due_keys(stubs: Stubs) -> None:
    # GIVEN gamma's keys are due (its plan changes by design), alpha drifted, beta has an
    # unapplied change, foundation is clean and one stack's plan failed
    (stubs.work / "status.json").write_text(json.dumps(status_document()))
    shard(stubs, "shard-0-of-2.jsonl", changes("gamma", [], ["tls_private_key.k (delete+create)"]),
          changes("alpha", ["aws_iam_role_policy_attachments_exclusive.x"],
                  ["aws_iam_role_policy_attachments_exclusive.x (update)"]))
    shard(stubs, "shard-1-of-2.jsonl", {"stack": "foundation", "result": "clean"},
          changes("beta", [], ["aws_iam_role.r (update)"]), {"stack": "delta", "result": "error"})
    stubs.answer("issue-list.json", [])
    # WHEN the report runs
    result = stubs.run("drift-report", "Report drift in the summary and one issue", REPORT_ENV)
    # THEN one drift issue lists alpha (mentioning its owner), beta and the failed plan
    assert result.returncode == 0, result.stderr
    [create] = [c for c in stubs.calls("gh") if c[:2] == ["issue", "create"]]
    assert create[create.index("--label") + 1] == "agentid-drift"
    body = next(stubs.stub.glob("body-*.md")).read_text()
    assert body.splitlines()[0] == "<!-- agentid-drift -->"
    assert ("- `alpha` @acme/platform: changed outside Terraform: "
            "aws_iam_role_policy_attachments_exclusive.x; the plan would change: "
            "aws_iam_role_policy_attachments_exclusive.x (update)") in body
    assert "- `beta` @acme/platform; the plan would change: aws_iam_role.r (update)" in body
    assert "Plans that failed (see the run):\n- `delta`" in body
    # AND gamma's rotation is in the summary only
    assert "gamma" not in body
    summary = stubs.summary.read_text()
    assert "- `gamma`: keys due, applied by this run" in summary
    assert "Planned 5 stacks, 1 with an empty plan." in summary


@pytest.mark.slow
def test_drift_on_a_due_stack_is_still_drift(stubs: Stubs) -> None:
    (stubs.work / "status.json").write_text(json.dumps(status_document()))
    shard(stubs, "shard-0-of-1.jsonl",
          changes("gamma", ["aws_iam_role.r"], ["aws_iam_role.r (update)"]))
    stubs.answer("issue-list.json", [issue(3, "<!-- agentid-drift -->")])
    result = stubs.run("drift-report", "Report drift in the summary and one issue", REPORT_ENV)
    assert result.returncode == 0, result.stderr
    edits = [c[:3] for c in stubs.calls("gh") if c[:2] == ["issue", "edit"]]
    assert edits == [["issue", "edit", "3"]]


@pytest.mark.slow
def test_an_empty_drift_closes_the_drift_issue(stubs: Stubs) -> None:
    (stubs.work / "status.json").write_text(json.dumps(status_document()))
    shard(stubs, "shard-0-of-1.jsonl", {"stack": "alpha", "result": "clean"},
          changes("gamma", [], ["tls_private_key.k (delete+create)"]))
    stubs.answer("issue-list.json",
                 [issue(4, "a person's issue"), issue(3, "<!-- agentid-drift -->")])
    result = stubs.run("drift-report", "Report drift in the summary and one issue", REPORT_ENV)
    assert result.returncode == 0, result.stderr
    [close] = [c for c in stubs.calls("gh") if c[:2] == ["issue", "close"]]
    assert close[2] == "3"
    assert close[close.index("--comment") + 1] == (
        f"Closing: every stack's plan is empty on {TODAY_ARG} ({RUN_URL}).")


@pytest.mark.parametrize("shards", [[], ["shard-0-of-2.jsonl"]], ids=["none", "one-of-two"])
@pytest.mark.slow
def test_a_shard_that_did_not_report_fails_the_report_and_closes_nothing(
        stubs: Stubs, shards: list[str]) -> None:
    (stubs.work / "status.json").write_text(json.dumps(status_document()))
    for name in shards:
        shard(stubs, name, {"stack": "alpha", "result": "clean"})
    stubs.answer("issue-list.json", [issue(3, "<!-- agentid-drift -->")])
    result = stubs.run("drift-report", "Report drift in the summary and one issue", REPORT_ENV)
    assert result.returncode == 1
    assert "were not checked" in result.stderr
    assert not [c for c in stubs.calls("gh") if c[:2] == ["issue", "close"]]
