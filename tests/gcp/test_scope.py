"""What a Google Cloud agent may touch: roles on exact resources, a deny policy, its secrets.

GIVEN tests/fixtures/gcp.yaml synthesized, WHEN the agent's stack is read, THEN each
role is bound on the resource the record names, the deny policy holds the always-on
denials and the record's must_never_hold permissions, and each deploy-key secret is
CMEK-encrypted and readable by the agent's service account alone.
"""

from __future__ import annotations

from typing import Any

import pytest

from cdk.gcp.denies import ALWAYS_DENIED, permission_v2

from ..conftest import Synthesized

MEMBER = "serviceAccount:agent-model-trainer@acme-agents.iam.gserviceaccount.com"
SECRET_ID = "agents-model-trainer-deploy-keys-acme-ranking-data"


def _only(out: Synthesized, stack: str, kind: str) -> dict[str, Any]:
    [resource] = out.resources(stack, kind)
    return resource


def test_roles_are_bound_on_the_resources_the_record_names(
        synthesized_gcp: Synthesized) -> None:
    buckets = {(b["bucket"], b["role"], b["member"]) for b in
               synthesized_gcp.resources("model-trainer", "google_storage_bucket_iam_member")}
    project = _only(synthesized_gcp, "model-trainer", "google_project_iam_member")
    secrets = {(s["secret_id"], s["role"]) for s in synthesized_gcp.resources(
        "model-trainer", "google_secret_manager_secret_iam_member")}

    assert buckets == {("acme-search-logs", "roles/storage.objectViewer", MEMBER),
                       ("acme-models", "roles/storage.objectCreator", MEMBER)}
    assert (project["project"], project["role"], project["member"]) == (
        "acme-agents", "roles/cloudtrace.agent", MEMBER)
    assert ("ranking-api-token", "roles/secretmanager.secretAccessor") in secrets


def test_deny_policy_targets_the_agent_principal_on_the_project(
        synthesized_gcp: Synthesized) -> None:
    deny = _only(synthesized_gcp, "model-trainer", "google_iam_deny_policy")
    [rule] = deny["rules"]

    assert deny["parent"] == "cloudresourcemanager.googleapis.com%2Fprojects%2Facme-agents"
    assert deny["name"] == "agent-model-trainer"
    assert rule["deny_rule"]["denied_principals"] == [
        "principal://iam.googleapis.com/projects/-/serviceAccounts/"
        "agent-model-trainer@acme-agents.iam.gserviceaccount.com"]
    denied = set(rule["deny_rule"]["denied_permissions"])
    assert set(ALWAYS_DENIED) <= denied
    assert {"iam.googleapis.com/serviceAccountKeys.create",
            "iam.googleapis.com/serviceAccounts.getAccessToken",
            "cloudresourcemanager.googleapis.com/projects.setIamPolicy"} <= denied
    # the isolation backstop: no service account lifecycle (its peers' included) and no
    # change to the workload identity pool or its provider
    assert {"iam.googleapis.com/serviceAccounts.delete",
            "iam.googleapis.com/serviceAccounts.disable",
            "iam.googleapis.com/workloadIdentityPools.update",
            "iam.googleapis.com/workloadIdentityPoolProviders.update"} <= denied
    # must_never_hold: the permission becomes a denial; the role is refused by a rule
    assert "storage.googleapis.com/objects.delete" in denied
    assert not any("roles/" in p for p in denied)


def test_permissions_are_written_in_the_deny_policy_form() -> None:
    assert permission_v2("storage.objects.delete") == "storage.googleapis.com/objects.delete"
    assert permission_v2("resourcemanager.projects.setIamPolicy") == (
        "cloudresourcemanager.googleapis.com/projects.setIamPolicy")
    assert permission_v2("secretmanager.versions.access") == (
        "secretmanager.googleapis.com/versions.access")
    assert permission_v2("roles/storage.admin") is None


def test_aws_entries_of_must_never_hold_stay_aws_and_gcp_ones_gcp() -> None:
    from cdk.loader import validate_schema
    from cdk.yamlsafe import parse

    from ..records import BASE

    text = BASE + '    must_never_hold: ["s3:DeleteObject", "storage.objects.delete"]\n'
    [agent] = validate_schema(parse("identities.yaml", text)).agents
    from cdk.aws.denies import must_never_hold_deny
    from cdk.plan import never_hold

    deny = must_never_hold_deny(agent)
    assert deny is not None and deny.actions == ("s3:DeleteObject",)
    assert never_hold(agent, "gcp") == ("storage.objects.delete",)


def test_deploy_key_secret_uses_the_agents_cmek_and_only_its_accessor(
        synthesized_gcp: Synthesized) -> None:
    secret = _only(synthesized_gcp, "model-trainer", "google_secret_manager_secret")
    key = _only(synthesized_gcp, "model-trainer", "google_kms_crypto_key")
    ring = _only(synthesized_gcp, "model-trainer", "google_kms_key_ring")
    [key_name] = synthesized_gcp.stack("model-trainer")["resource"]["google_kms_crypto_key"]
    [secret_name] = synthesized_gcp.stack("model-trainer")["resource"][
        "google_secret_manager_secret"]

    assert secret["secret_id"] == SECRET_ID
    assert secret["replication"] == {"user_managed": {"replicas": [{
        "location": "europe-west1",
        "customer_managed_encryption": {
            "kms_key_name": "${google_kms_crypto_key." + key_name + ".id}"}}]}}
    assert key["rotation_period"] == "2592000s"
    assert ring["name"] == "agent-model-trainer" and ring["location"] == "europe-west1"
    accessors = [b for b in synthesized_gcp.resources(
        "model-trainer", "google_secret_manager_secret_iam_member")
        if b["secret_id"] == "${google_secret_manager_secret." + secret_name + ".secret_id}"]
    assert [(b["role"], b["member"]) for b in accessors] == [
        ("roles/secretmanager.secretAccessor", MEMBER)]
    key_users = synthesized_gcp.resources("model-trainer", "google_kms_crypto_key_iam_member")
    assert [u["member"] for u in key_users] == [
        "serviceAccount:service-987654321098@gcp-sa-secretmanager.iam.gserviceaccount.com"]


def test_secret_version_is_write_only_from_the_tls_key(synthesized_gcp: Synthesized) -> None:
    version = _only(synthesized_gcp, "model-trainer", "google_secret_manager_secret_version")
    [tls] = synthesized_gcp.stack("model-trainer")["resource"]["tls_private_key"]

    assert version["secret_data_wo"] == "${tls_private_key." + tls + ".private_key_openssh}"
    assert "secret_data" not in version
    assert f"tls_private_key.{tls}" in version["lifecycle"]["replace_triggered_by"]


def test_scope_gains_exactly_the_accessor_of_its_own_secrets() -> None:
    from cdk.gcp.plan import role_bindings
    from cdk.validation import load

    from ..conftest import FIXTURES, TODAY

    identities = load(FIXTURES / "gcp.yaml", TODAY).identities
    internal = [b for b in role_bindings(identities.agents[0], identities) if b.internal]
    assert [(b.role, b.kind, b.resource) for b in internal] == [
        ("roles/secretmanager.secretAccessor", "secret", SECRET_ID)]


# ------------------------------------------------------------------ roles judged by content

ROLE_CASES = [
    (["storage.objects.get", "storage.objects.list"], "bucket", True),
    (["bigquery.datasets.get", "bigquery.datasets.setIamPolicy"], "bucket", False),
    (["iam.serviceAccounts.actAs"], "bucket", False),
    (["iam.serviceAccounts.getAccessToken"], "secret", False),
    (["iam.serviceAccounts.signBlob", "iam.serviceAccounts.signJwt"], "bucket", False),
    (["iam.serviceAccounts.getOpenIdToken"], "bucket", False),
    (["iam.serviceAccounts.implicitDelegation"], "bucket", False),
    (["iam.serviceAccountKeys.create"], "bucket", False),
    (["apikeys.keys.create"], "bucket", False),
    (["storage.hmacKeys.create"], "bucket", False),
    (["iam.roles.update"], "bucket", False),
    (["secretmanager.versions.access"], "secret", True),
    (["secretmanager.versions.access"], "project", False),
    (["cloudkms.cryptoKeyVersions.useToDecrypt"], "project", False),
    (["iam.serviceAccounts.get"], "project", False),
    (["cloudtrace.traces.patch", "resourcemanager.projects.get"], "project", True),
]


def test_every_bound_role_is_looked_up_and_judged_by_its_permissions_at_plan_time(
        synthesized_gcp: Synthesized) -> None:
    from ..hcl import evaluate

    # GIVEN the synthesized stack: one role lookup per binding the record asks for
    lookups = synthesized_gcp.stack("model-trainer")["data"]["google_iam_role"]
    assert sorted(d["name"] for d in lookups.values()) == [
        "roles/cloudtrace.agent", "roles/secretmanager.secretAccessor",
        "roles/storage.objectCreator", "roles/storage.objectViewer"]
    kinds = {"roles/cloudtrace.agent": "project", "roles/secretmanager.secretAccessor": "secret",
             "roles/storage.objectCreator": "bucket", "roles/storage.objectViewer": "bucket"}
    for lookup in lookups.values():
        [postcondition] = lookup["lifecycle"]["postcondition"]
        assert "agentid: role" in postcondition["error_message"]
        # WHEN Terraform evaluates the written condition over a role's permissions
        # THEN it fails exactly the roles that change IAM or mint credentials (and,
        # on the project, reach secrets, keys or IAM), whatever the role is called
        for permissions, kind, passes in ROLE_CASES:
            if kind != kinds[lookup["name"]]:
                continue
            assert evaluate(postcondition["condition"],
                            {"included_permissions": permissions}) is passes, permissions


@pytest.mark.parametrize(("permissions", "kind", "passes"), ROLE_CASES)
def test_refused_permissions_match_the_postcondition(
        permissions: list[str], kind: str, passes: bool) -> None:
    from cdk.gcp.roles import refused_permissions

    assert (refused_permissions(permissions, kind) == []) is passes
