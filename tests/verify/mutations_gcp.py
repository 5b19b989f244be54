"""The corruptions of a synthesized stack that the Google Cloud invariants must catch (MUTATIONS).

tests/verify/test_gcp.py runs each; test_verify.py checks every invariant has one.
"""

from __future__ import annotations

from cdk.verify import gcp

from .helpers import Documents, Mutation, add_resource, resource

SA = "serviceAccount:agent-model-trainer@acme-agents.iam.gserviceaccount.com"
POOL = ("principal://iam.googleapis.com/projects/987654321098/locations/global/"
        "workloadIdentityPools/agentid-github")


def _drop_condition(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_storage_bucket_iam_member")
    body.pop("condition")
    return address


def _later_expiry(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_service_account_iam_member")
    body["condition"]["expression"] = 'request.time < timestamp("2099-01-01T00:00:00Z")'
    return address


def _pool_set(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_service_account_iam_member")
    body["member"] = f"principalSet://{POOL.removeprefix('principal://')}/*"
    return address


def _widen_subject(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_service_account_iam_member")
    body["member"] = f"{POOL}/subject/repo:acme/ranking:environment:other::55501"
    return address


def _another_member(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_storage_bucket_iam_member")
    body["member"] = "user:someone@acme.example"
    return address


def _bind_another_agents_secret(documents: Documents) -> str:
    _, template = resource(documents, "search-indexer", "google_secret_manager_secret_iam_member")
    return add_resource(documents, "search-indexer", "google_secret_manager_secret_iam_member",
                        "another", {**template, "secret_id":
                                    "agents-report-builder-deploy-keys-acme-reports"})


def _bind_a_retired_agents_secret(documents: Documents) -> str:
    _, template = resource(documents, "model-trainer", "google_storage_bucket_iam_member")
    body = {key: value for key, value in template.items() if key != "bucket"}
    return add_resource(documents, "model-trainer", "google_secret_manager_secret_iam_member",
                        "retired", {**body, "project": "acme-agents",
                                    "role": "roles/secretmanager.secretAccessor",
                                    "secret_id": "agents-gone-deploy-keys-acme-x"})


def _project_secret_accessor(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_project_iam_member")
    body["role"] = "roles/secretmanager.secretAccessor"
    return address


def _drop_deny(documents: Documents) -> str:
    documents["model-trainer"]["resource"].pop("google_iam_deny_policy")
    return "model-trainer"


def _deny_less(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_iam_deny_policy")
    body["rules"][0]["deny_rule"]["denied_permissions"].remove(
        "iam.googleapis.com/serviceAccounts.getAccessToken")
    return address


def _pool_changes_allowed(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_iam_deny_policy")
    body["rules"][0]["deny_rule"]["denied_permissions"].remove(
        "iam.googleapis.com/workloadIdentityPoolProviders.update")
    return address


def _deny_never_hold(documents: Documents) -> str:
    address, body = resource(documents, "model-trainer", "google_iam_deny_policy")
    body["rules"][0]["deny_rule"]["denied_permissions"].remove(
        "storage.googleapis.com/objects.delete")
    return address


def _unpin_owner(documents: Documents) -> str:
    address, body = resource(documents, "foundation", "google_iam_workload_identity_pool_provider")
    body["attribute_condition"] = body["attribute_condition"].replace("1342004", "1")
    return address


def _accept_more(documents: Documents) -> str:
    address, body = resource(documents, "foundation", "google_iam_workload_identity_pool_provider")
    body["attribute_condition"] = body["attribute_condition"][:-1] + " || true)"
    return address


def _subject_by_name(documents: Documents) -> str:
    address, body = resource(documents, "foundation", "google_iam_workload_identity_pool_provider")
    body["attribute_mapping"]["google.subject"] = "assertion.sub"
    return address


def _unreadable_condition(documents: Documents) -> str:
    address, body = resource(documents, "foundation", "google_iam_workload_identity_pool_provider")
    body["attribute_condition"] = 'assertion.sub.startsWith("repo:acme/")'
    return address


def _locked_account_enabled(documents: Documents) -> str:
    address, body = resource(documents, "incident-bot", "google_service_account")
    body.pop("disabled")
    return address


def _locked_account_enabled_explicitly(documents: Documents) -> str:
    address, body = resource(documents, "archive-bot", "google_service_account")
    body["disabled"] = False
    return address


def _locked_secret_kept(documents: Documents) -> str:
    return add_resource(documents, "archive-bot", "google_secret_manager_secret", "kept", {
        "project": "acme-agents", "secret_id": "agents-archive-bot-acme-archive"})


MUTATIONS = [
    Mutation("a binding without expiry", "gcp", "model-trainer", _drop_condition,
             gcp.BINDING_EXPIRY.id),
    Mutation("a later expiry", "gcp", "model-trainer", _later_expiry, gcp.BINDING_EXPIRY.id),
    Mutation("a pool-wide principal set", "gcp", "model-trainer", _pool_set,
             gcp.BINDING_PRINCIPAL.id),
    Mutation("a widened subject", "gcp", "model-trainer", _widen_subject,
             gcp.BINDING_PRINCIPAL.id),
    Mutation("another member", "gcp", "model-trainer", _another_member,
             gcp.BINDING_PRINCIPAL.id),
    Mutation("another agent's secret", "example", "search-indexer",
             _bind_another_agents_secret, gcp.NO_GRANT_ON_OTHER_AGENTS.id),
    Mutation("a secret in agentid's namespace not the agent's", "gcp", "model-trainer",
             _bind_a_retired_agents_secret, gcp.NO_GRANT_ON_OTHER_AGENTS.id),
    Mutation("secret access on the whole project", "gcp", "model-trainer",
             _project_secret_accessor, gcp.NO_GRANT_ON_OTHER_AGENTS.id),
    Mutation("no deny policy", "gcp", "model-trainer", _drop_deny, gcp.DENY_POLICY.id),
    Mutation("token minting no longer denied", "gcp", "model-trainer", _deny_less,
             gcp.DENY_POLICY.id),
    Mutation("pool provider changes no longer denied", "gcp", "model-trainer",
             _pool_changes_allowed, gcp.DENY_POLICY.id),
    Mutation("must_never_hold no longer denied", "gcp", "model-trainer", _deny_never_hold,
             gcp.DENY_POLICY.id),
    Mutation("the owner id unpinned", "gcp", "foundation", _unpin_owner,
             gcp.POOL_CONDITION.id),
    Mutation("google.subject without the repository id", "gcp", "foundation",
             _subject_by_name, gcp.POOL_CONDITION.id),
    Mutation("a prefix match on the subject", "gcp", "foundation", _unreadable_condition,
             gcp.POOL_CONDITION.id),
    Mutation("the provider accepts any subject", "gcp", "foundation", _accept_more,
             gcp.POOL_CONDITION.id),
    Mutation("a locked agent's account enabled", "locked", "incident-bot",
             _locked_account_enabled, gcp.LOCKED.id),
    Mutation("a locked agent's account enabled explicitly", "locked", "archive-bot",
             _locked_account_enabled_explicitly, gcp.LOCKED.id),
    Mutation("a locked agent's secret kept", "locked", "archive-bot", _locked_secret_kept,
             gcp.LOCKED.id),
]
