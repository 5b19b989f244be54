"""Bad Google Cloud input is refused with a clear message, at its line, writing nothing.

GIVEN the base record with a Google Cloud identity and one thing wrong, WHEN it is
synthesized, THEN agentid exits 1 naming the field, its line and what to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..records import GCP, GCP_ROLE, assert_refused, variant


def _role(role: str, resource: str = "{bucket: acme-artifacts}", reason: str = "") -> str:
    entry = f"        - role: {role}\n          resource: {resource}\n"
    if reason:
        entry += f"          reason: {reason}\n"
    return variant(GCP_ROLE, entry, GCP)


CASES = [
    pytest.param(_role("roles/editor"), "agents[0].gcp.roles[0].role", "roles/editor",
                 "roles/editor is a basic role", id="basic-role"),
    pytest.param(_role("roles/iam.serviceAccountTokenCreator", "{project: acme-agents}",
                       "Signs release blobs"),
                 "agents[0].gcp.roles[0].role", "serviceAccountTokenCreator",
                 "mints access and ID tokens", id="project-wide-key-minting"),
    pytest.param(_role("roles/iam.serviceAccountKeyAdmin", "{project: acme-agents}",
                       "Rotates keys"),
                 "agents[0].gcp.roles[0].role", "serviceAccountKeyAdmin",
                 "creates service account keys", id="project-wide-key-admin"),
    pytest.param(_role("roles/storage.admin"), "agents[0].gcp.roles[0].role", "storage.admin",
                 "includes setIamPolicy", id="service-admin"),
    pytest.param(variant("project_number: 987654321098, ", "", GCP), "defaults.gcp.project_number",
                 "gcp: {project_id", "required field is missing — add `project_number:`",
                 id="missing-project-number"),
    pytest.param(_role("storage.objectViewer"), "agents[0].gcp.roles[0].role",
                 "role: storage.objectViewer", "is not a role name", id="not-role-form"),
    pytest.param(_role("roles/Storage-ObjectViewer"), "agents[0].gcp.roles[0].role",
                 "Storage-ObjectViewer", "is not a role name", id="not-predefined-form"),
    pytest.param(_role("projects/other-project/roles/reader"), "agents[0].gcp.roles[0].role",
                 "other-project", "custom role of another project", id="foreign-custom"),
    pytest.param(_role("roles/cloudtrace.agent", "{project: acme-agents}"),
                 "agents[0].gcp.roles[0].resource", "{project: acme-agents}",
                 "a project-wide grant needs a `reason`", id="project-without-reason"),
    pytest.param(_role("roles/storage.objectViewer", "{bucket: acme-logs, secret: token}"),
                 "agents[0].gcp.roles[0].resource", "{bucket: acme-logs, secret: token}",
                 "name exactly one resource", id="two-resources"),
    pytest.param(GCP + '    must_never_hold: ["roles/storage.objectViewer"]\n',
                 "agents[0].gcp.roles[0]", "role: roles/storage.objectViewer",
                 "forbidden by must_never_hold", id="must-never-hold-role"),
    pytest.param(GCP + '    must_never_hold: ["storage.delete"]\n',
                 "agents[0].must_never_hold[0]", "storage.delete",
                 "neither a Google Cloud permission nor a role", id="must-never-hold-typo"),
    # Agent-owned infrastructure (AgentId-GcpAgentResource)
    pytest.param(_role("roles/secretmanager.secretAccessor",
                       "{secret: agents-docs-sync-deploy-keys-acme-docs}"),
                 "agents[0].gcp.roles[0].resource", "agents-docs-sync-deploy-keys-acme-docs",
                 "named like an agent's deploy-key secret", id="other-agents-secret"),
    pytest.param(_role("roles/secretmanager.secretAccessor", "{project: acme-agents}",
                       "Reads its config"),
                 "agents[0].gcp.roles[0].role", "role: roles/secretmanager.secretAccessor",
                 "on the whole project reaches every agent's deploy-key secrets",
                 id="project-wide-secret-accessor"),
    pytest.param(_role("roles/cloudkms.cryptoKeyDecrypter", "{project: acme-agents}",
                       "Decrypts its data"),
                 "agents[0].gcp.roles[0].role", "role: roles/cloudkms.cryptoKeyDecrypter",
                 "on the whole project reaches every agent's", id="project-wide-kms"),
    pytest.param(_role("roles/iam.workloadIdentityPoolViewer", "{project: acme-agents}",
                       "Reads the pool"),
                 "agents[0].gcp.roles[0].role", "role: roles/iam.workloadIdentityPoolViewer",
                 "on the whole project reaches every agent's", id="project-wide-iam"),
    # Widened name patterns (AgentId-GcpPrivilegedRole)
    pytest.param(_role("roles/bigquery.dataOwner", "{project: acme-agents}", "Owns a dataset"),
                 "agents[0].gcp.roles[0].role", "bigquery.dataOwner",
                 "includes setIamPolicy on what it owns", id="data-owner"),
    pytest.param(_role("roles/compute.securityAdmin", "{project: acme-agents}", "Firewalls"),
                 "agents[0].gcp.roles[0].role", "compute.securityAdmin",
                 "administers IAM or security policies", id="security-admin"),
    pytest.param(_role("roles/secretmanager.secretVersionAdmin"),
                 "agents[0].gcp.roles[0].role", "secretVersionAdmin",
                 "administers IAM policies, keys or secrets", id="secret-admin"),
]


@pytest.mark.parametrize(("text", "path", "marker", "message"), CASES)
def test_bad_gcp_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  text: str, path: str, marker: str, message: str) -> None:
    assert_refused(tmp_path, capsys, text, path, marker, message)
