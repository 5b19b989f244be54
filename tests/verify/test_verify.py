"""verify as a whole: clean on every synthesized fixture, one mutation per invariant,
the CLI's exit codes and output, the section of docs/verify.md, and what it may import."""

from __future__ import annotations

import ast
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from cdk.cli import main
from cdk.validation import load
from cdk.verify import INVARIANTS, doc_section, verify_documents

from ..conftest import EXAMPLE, ROOT, TODAY, TODAY_ARG, Synthesized
from . import (
    mutations_alerts,
    mutations_aws,
    mutations_azure,
    mutations_gcp,
    mutations_github,
    mutations_stacks,
)
from .helpers import Output

VERIFY = ROOT / "cdk" / "verify"


@pytest.mark.parametrize("name", ["example", "deploy_keys", "gcp", "azure", "forms",
                                  "alerts_aws", "alerts_gcp_azure", "locked"])
def test_every_synthesized_fixture_passes(outputs: dict[str, Output], name: str) -> None:
    report = outputs[name].verify()
    assert report.ok, [f.render() for f in report.findings]


@pytest.mark.parametrize("fixture", ["scopes", "many-runs-pinned", "s3-backend",
                                     "github-only"])
def test_the_other_fixture_files_pass(
        synthesized_fixtures: Callable[[str], Synthesized], fixture: str) -> None:
    # Every access level and exact statement (scopes), one trust statement per pinned
    # workflow (many-runs-pinned), a remote backend, a GitHub-only agent.
    synthesized = synthesized_fixtures(fixture)
    source = synthesized.outdir.parent / "identities.yaml"
    documents = {name: synthesized.stack(name) for name in synthesized.stacks()}

    report = verify_documents(documents, load(source, TODAY).identities)

    assert report.ok, [f.render() for f in report.findings]


def test_every_invariant_has_a_mutation_that_breaks_it() -> None:
    mutated = {m.invariant for module in (mutations_aws, mutations_gcp, mutations_azure,
                                          mutations_github, mutations_stacks,
                                          mutations_alerts)
               for m in module.MUTATIONS}
    assert mutated == {i.id for i in INVARIANTS}


def test_invariant_ids_are_unique_and_stable_in_form() -> None:
    ids = [i.id for i in INVARIANTS]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("AgentId-Verify-") and i.isascii() for i in ids)
    assert all(i.promise.endswith(".") and "\n" not in i.promise for i in INVARIANTS)


def test_the_documented_section_is_the_generated_one() -> None:
    page = (ROOT / "docs" / "verify.md").read_text()
    section = doc_section()
    heading = section.splitlines()[0]
    start = page.index(heading + "\n")
    end = page.find("\n## ", start + len(heading))
    assert page[start:end if end != -1 else len(page)] == section, (
        "docs/verify.md's section differs from cdk.verify.doc_section(): paste its output")


def test_verify_reads_no_plan_function() -> None:
    # verify derives every expectation from the record; only the model, pure naming
    # and the error types may be shared with the code that writes the stacks.
    allowed = {"cdk.model", "cdk.names", "cdk.errors"}
    for path in sorted(VERIFY.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                module = node.module or ""
                if node.level == 1:
                    assert module == "" or not module.startswith(".")
                    continue  # cdk.verify's own modules
                assert f"cdk.{module}" in allowed, (path.name, module)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                    a.name for a in node.names]
                assert not any(n.startswith(("cdk", "stacks", "cdktn")) for n in names), (
                    path.name, names)


# --------------------------------------------------------------------------- CLI


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["verify", *args, "--today", TODAY_ARG])
    out, err = capsys.readouterr()
    return code, out, err


def _project(tmp_path: Path, synthesized: Synthesized) -> tuple[Path, Path]:
    outdir = tmp_path / "cdktf.out"
    shutil.copytree(synthesized.outdir, outdir)
    return outdir, synthesized.outdir.parent / "identities.yaml"


def test_cli_passes_a_clean_output(synthesized_example: Synthesized,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, str(synthesized_example.outdir), "-f", str(EXAMPLE))
    assert code == 0, out + err
    assert "6 stacks, every invariant holds" in out


def test_cli_names_invariant_stack_and_address(tmp_path: Path, synthesized_example: Synthesized,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an output whose docs-reader environment lets admins bypass its reviewers
    outdir, source = _project(tmp_path, synthesized_example)
    path = outdir / "stacks" / "docs-reader" / "cdk.tf.json"
    document = json.loads(path.read_text())
    [(name, environment)] = document["resource"]["github_repository_environment"].items()
    environment["can_admins_bypass"] = True
    path.write_text(json.dumps(document))

    # WHEN verify runs, as text and as JSON
    code, out, err = _cli(capsys, str(outdir), "-f", str(source))
    json_code, json_out, _ = _cli(capsys, str(outdir), "-f", str(source), "--json")

    # THEN both fail with the invariant, the stack and the address
    assert code == json_code == 1
    assert out.splitlines() == [
        f"docs-reader: github_repository_environment.{name}: can_admins_bypass is not false: "
        "an admin could run without an approval [AgentId-Verify-GitHubEnvironmentNoBypass]"]
    assert "1 finding" in err and "Traceback" not in err
    report = json.loads(json_out)
    assert report["ok"] is False
    assert report["findings"] == [{
        "invariant": "AgentId-Verify-GitHubEnvironmentNoBypass", "stack": "docs-reader",
        "address": f"github_repository_environment.{name}",
        "message": "can_admins_bypass is not false: an admin could run without an approval"}]
    assert {i["id"] for i in report["invariants"]} == {i.id for i in INVARIANTS}


def test_cli_reports_a_corrupt_stack_without_a_traceback(
        tmp_path: Path, synthesized_example: Synthesized,
        capsys: pytest.CaptureFixture[str]) -> None:
    outdir, source = _project(tmp_path, synthesized_example)
    (outdir / "stacks" / "release-bot" / "cdk.tf.json").write_text("{not json")

    code, out, err = _cli(capsys, str(outdir), "-f", str(source))

    assert code == 1
    assert out.startswith("release-bot: cdk.tf.json: not a synthesized stack: ")
    assert "[AgentId-Verify-StackMatchesRecord]" in out
    assert "Traceback" not in out + err


def test_cli_refuses_a_missing_directory_as_usage(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, str(tmp_path / "nowhere"), "-f", str(EXAMPLE))
    assert code == 2
    assert out == "" and "run `agentid synth -o DIR` first" in err
    assert "Traceback" not in err


def test_cli_defaults_to_cdktf_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli(capsys, "-f", str(EXAMPLE))
    assert code == 2 and "cdktf.out holds no synthesized stacks" in err


def test_cli_explains_an_invariant(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--explain", "AgentId-Verify-AwsTrustSubjects"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out == ("AgentId-Verify-AwsTrustSubjects: AWS: The trust accepts exactly the "
                   "record's subjects, repository ids and workflow pins (a locked agent's: "
                   "none).\n")

    assert main(["verify", "--explain", "AgentId-Verify-Nope"]) == 2
    assert "known: AgentId-Verify-StackMatchesRecord" in capsys.readouterr().err


def test_cli_refuses_an_invalid_identities_file(tmp_path: Path, synthesized_example: Synthesized,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "identities.yaml"
    bad.write_text("version: 2\n")
    code, _, err = _cli(capsys, str(synthesized_example.outdir), "-f", str(bad))
    assert code == 1
    assert f"{bad}:1:" in err and "Traceback" not in err
