"""External gates: checkov, parliament and cloudsplaining on everything agentid synthesizes.

GIVEN the example and every valid fixture synthesized, WHEN the scanners from
.venv-gates read the output, THEN checkov fails nothing (skips only in
.checkov.yaml, each with a reason), and no generated policy document draws a
parliament or cloudsplaining finding.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT, Synthesized, synthesize
from .gates import (
    CHECKOV_CONFIG,
    checkov_report,
    gates_available,
    policy_documents,
    run_cloudsplaining,
    run_parliament,
)

pytestmark = pytest.mark.gates

VALID_FIXTURES = sorted(FIXTURES.glob("*.yaml"))


@pytest.fixture(scope="module")
def scanned(synthesized_example: Synthesized,
            tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    if not gates_available():
        pytest.fail("the scanners are missing: run `make gates` (make test does)")
    outdirs = [synthesized_example.outdir]
    for fixture in VALID_FIXTURES:
        project = tmp_path_factory.mktemp(fixture.stem)
        shutil.copy(fixture, project / "identities.yaml")
        outdirs.append(synthesize(project / "identities.yaml", project / "cdktf.out").outdir)
    return outdirs


def test_there_are_fixture_stacks_to_scan() -> None:
    assert len(VALID_FIXTURES) >= 3


def test_checkov_fails_nothing(scanned: list[Path]) -> None:
    failed, passed = checkov_report(*(outdir / "stacks" for outdir in scanned))
    assert not failed, "\n".join(map(str, failed))
    # The IAM checks (CKV_AWS_60/61/274/393, CKV2_AWS_56) ran on every role.
    assert passed >= 20


def test_checkov_skips_live_only_in_the_config_file_each_with_a_reason() -> None:
    entries = [line for line in CHECKOV_CONFIG.read_text().splitlines()
               if re.match(r"^\s*-\s*CKV", line)]
    for line in entries:
        assert re.search(r"#\s*\S.{10,}", line), f"skip without a reason: {line}"
    sources = [ROOT / "main.py", *(ROOT / "cdk").rglob("*.py"), *(ROOT / "stacks").rglob("*.py")]
    for source in sources:
        assert "checkov:skip" not in source.read_text(errors="ignore"), source


def test_every_agent_with_aws_has_a_scanned_trust_policy(scanned: list[Path]) -> None:
    documents = policy_documents(scanned[0])
    assert sorted(k.split("/")[0] for k in documents if k.endswith(".assume_role_policy")) == [
        "docs-reader", "release-bot"]


def test_parliament_finds_nothing_in_any_policy_document(scanned: list[Path]) -> None:
    documents = {f"{outdir.parent.name}:{key}": doc for outdir in scanned
                 for key, doc in policy_documents(outdir).items()}
    assert documents
    assert run_parliament(documents) == {}


def test_cloudsplaining_finds_no_escalation_or_exposure(scanned: list[Path]) -> None:
    documents = {f"{outdir.parent.name}:{key}": doc for outdir in scanned
                 for key, doc in policy_documents(outdir).items()}
    assert run_cloudsplaining(documents) == {}


def test_the_gates_do_catch_a_bad_policy() -> None:
    # GIVEN a trust policy as a careless module writes it, and a wide permissions policy
    loose_trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/"
                                   "token.actions.githubusercontent.com"},
        "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"},
                      "DateLessThan": {"aws:CurrentTime": "never"}}}]}
    wide = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances", "iam:CreateAccessKey"],
        "Resource": "*"}]}
    documents = {"x/aws_iam_role.r.assume_role_policy": loose_trust,
                 "x/aws_iam_role_policy.p.policy": wide}
    # THEN both scanners speak up: the filters only drop what is known not to apply
    parliament = run_parliament(documents)
    assert any("MISMATCHED_TYPE" in f for f in parliament["x/aws_iam_role.r.assume_role_policy"])
    cloudsplaining = run_cloudsplaining(documents)
    assert set(cloudsplaining["x/aws_iam_role_policy.p.policy"]) >= {
        "PrivilegeEscalation", "CredentialsExposure"}
