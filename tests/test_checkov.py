"""checkov finds nothing to fail in the synthesized stacks; every skip has a reason.

Skips live only in .checkov.yaml at the repository root, one `# reason` each.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, Synthesized

CHECKOV = ROOT / ".venv-gates" / "bin" / "checkov"
CONFIG = ROOT / ".checkov.yaml"
# Checks that must have run (and passed) on deploy-key resources: a scan that
# silently skipped them would otherwise look clean.
EXPECTED_PASSES = {
    ("CKV_AWS_7", "aws_kms_key"),      # key rotation enabled
    ("CKV_AWS_33", "aws_kms_key"),     # no wildcard principal in the key policy
    ("CKV2_AWS_64", "aws_kms_key"),    # key policy defined
    ("CKV_AWS_149", "aws_secretsmanager_secret"),  # secret encrypted with a CMK
}


def run_checkov(outdir: Path, home: Path) -> dict[str, Any]:
    """checkov over one cdktf.out with the project's config; its JSON report.

    Offline: no API key, no guideline download, a throwaway HOME.
    """
    if not CHECKOV.exists():
        pytest.fail(".venv-gates is missing: run `make gates` (make test does)")
    result = subprocess.run(
        [str(CHECKOV), "-d", str(outdir), "--config-file", str(CONFIG), "-o", "json"],
        capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "BC_SKIP_MAPPING": "TRUE"},
    )
    assert result.stdout.strip(), result.stderr
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    [terraform] = [r for r in reports if r["check_type"] == "terraform_json"]
    assert terraform["summary"]["parsing_errors"] == 0
    return dict(terraform)


@pytest.mark.gates
@pytest.mark.parametrize("fixture", ["synthesized_example", "synthesized_deploy_keys"])
def test_checkov_reports_no_failed_check(fixture: str, request: pytest.FixtureRequest,
                                        tmp_path: Path) -> None:
    out: Synthesized = request.getfixturevalue(fixture)

    report = run_checkov(out.outdir, tmp_path)

    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})"
              for c in report["results"]["failed_checks"]]
    assert not failed, "\n".join(failed)
    # checkov names a resource `resource.<name>` or `<type>.<name>`: match on the name.
    passed = {(c["check_id"], c["resource"].rsplit(".", 1)[-1])
              for c in report["results"]["passed_checks"]}
    for check_id, kind in EXPECTED_PASSES:
        names = {name for stack in out.stacks()
                 for name in out.stack(stack).get("resource", {}).get(kind, {})}
        assert names, f"no {kind} in {fixture}"
        assert {(check_id, name) for name in names} <= passed, f"{check_id} did not pass on {kind}"


def test_every_checkov_skip_has_a_reason() -> None:
    lines = CONFIG.read_text().splitlines()
    skips = [line for line in lines if re.match(r"\s*-\s*CKV", line)]
    assert skips, "no skips: drop this test's expectation, not the config"
    for line in skips:
        check, _, reason = line.partition("#")
        assert re.fullmatch(r"\s*-\s*CKV2?_[A-Z]+_\d+\s*", check), line
        assert len(reason.strip()) >= 20, f"skip without a reason: {line}"
