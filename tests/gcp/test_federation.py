"""Federation on Google Cloud: the pool's provider, exact principals, expiring bindings.

GIVEN tests/fixtures/gcp.yaml synthesized, WHEN the foundation and agent stacks are
read, THEN the provider pins the organization and every live (subject, repository
id), each runs_on entry is one principal:// subject on the agent's own service
account, and every binding expires with the agent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cdk.gcp.plan import attribute_condition, federated_principal, plan_pool
from cdk.loader import load, validate_schema
from cdk.yamlsafe import parse

from ..conftest import FIXTURES, TODAY, Synthesized, synthesize

POOL = ("principal://iam.googleapis.com/projects/987654321098/locations/global/"
        "workloadIdentityPools/agentid-github/subject/")
EXPIRY = 'request.time < timestamp("2027-01-31T00:00:00Z")'
SA = "agent-model-trainer@acme-agents.iam.gserviceaccount.com"


def _only(out: Synthesized, stack: str, kind: str) -> dict[str, Any]:
    [resource] = out.resources(stack, kind)
    return resource


def test_provider_condition_pins_owner_and_each_subject_with_its_repository_id(
        synthesized_gcp: Synthesized) -> None:
    provider = _only(synthesized_gcp, "foundation", "google_iam_workload_identity_pool_provider")

    assert provider["attribute_condition"] == (
        'assertion.repository_owner_id == "1342004" && ('
        '(assertion.sub == "repo:acme/ranking-data:environment:training" '
        '&& assertion.repository_id == "55502") || '
        '(assertion.sub == "repo:acme/ranking:environment:agent-model-trainer" '
        '&& assertion.repository_id == "55501"))')
    assert provider["oidc"] == {"issuer_uri": "https://token.actions.githubusercontent.com"}
    assert provider["workload_identity_pool_provider_id"] == "github"


def test_provider_maps_subject_with_repository_id_and_the_pinning_attributes(
        synthesized_gcp: Synthesized) -> None:
    mapping = _only(synthesized_gcp, "foundation",
                    "google_iam_workload_identity_pool_provider")["attribute_mapping"]

    # google.subject carries the repository id: a re-created repository of the same
    # name has a new id, so its tokens map to a subject no binding names.
    assert mapping["google.subject"] == 'assertion.sub + "::" + assertion.repository_id'
    assert {k: mapping[k] for k in mapping if k.startswith("attribute.")} == {
        "attribute.repository_id": "assertion.repository_id",
        "attribute.repository_owner_id": "assertion.repository_owner_id",
        "attribute.environment": "assertion.environment",
        "attribute.job_workflow_ref": "assertion.job_workflow_ref",
    }
    pool = _only(synthesized_gcp, "foundation", "google_iam_workload_identity_pool")
    assert pool["workload_identity_pool_id"] == "agentid-github"


def test_a_revoked_agent_leaves_the_condition_and_none_left_accepts_nothing() -> None:
    # GIVEN the fixture with its only agent revoked
    text = (FIXTURES / "gcp.yaml").read_text() + (
        '    revoked: {on: 2026-11-25, by: "@acme/ml", reason: Retired}\n')
    identities = validate_schema(parse("identities.yaml", text))

    # THEN the provider's condition accepts no token at all
    assert attribute_condition(identities) == 'assertion.repository_owner_id == "1342004" && false'
    assert plan_pool(identities).attribute_mapping["google.subject"].startswith("assertion.sub")


def test_each_run_is_one_exact_principal_never_a_pool_set(synthesized_gcp: Synthesized) -> None:
    members = synthesized_gcp.resources("model-trainer", "google_service_account_iam_member")

    assert sorted(m["member"] for m in members) == [
        POOL + "repo:acme/ranking-data:environment:training::55502",
        POOL + "repo:acme/ranking:environment:agent-model-trainer::55501",
    ]
    assert {m["role"] for m in members} == {"roles/iam.workloadIdentityUser"}
    [account] = synthesized_gcp.stack("model-trainer")["resource"]["google_service_account"]
    assert {m["service_account_id"] for m in members} == {
        "${google_service_account." + account + ".name}"}
    stack_text = str(synthesized_gcp.stack("model-trainer"))
    assert "principalSet" not in stack_text


def test_principal_uri_matches_the_plan() -> None:
    identities = load(FIXTURES / "gcp.yaml", TODAY).identities
    agent = identities.agents[0]
    assert identities.defaults.gcp is not None
    assert federated_principal(identities.defaults.gcp, agent, agent.runs_on[0]) == (
        POOL + "repo:acme/ranking:environment:agent-model-trainer::55501")


def test_every_binding_carries_the_expiry_condition(synthesized_gcp: Synthesized) -> None:
    kinds = ["google_service_account_iam_member", "google_project_iam_member",
             "google_storage_bucket_iam_member", "google_secret_manager_secret_iam_member"]
    bindings = [b for kind in kinds for b in synthesized_gcp.resources("model-trainer", kind)]

    assert len(bindings) == 2 + 1 + 2 + 2
    for binding in bindings:
        assert binding["condition"]["expression"] == EXPIRY
        assert binding["condition"]["title"] == "expires-2027-01-31"


def test_service_account_is_named_after_the_agent_and_says_owner_and_expiry(
        synthesized_gcp: Synthesized) -> None:
    account = _only(synthesized_gcp, "model-trainer", "google_service_account")

    assert account["account_id"] == "agent-model-trainer"
    assert account["project"] == "acme-agents"
    assert "owner @acme/ml" in account["description"]
    assert "expires 2027-01-31" in account["description"]


def test_longest_agent_name_fits_a_service_account_id() -> None:
    from cdk.model import NAME_RE
    from cdk.names import service_account_id

    longest = "a" * 24
    assert __import__("re").match(NAME_RE, longest)
    assert len(service_account_id(longest)) == 30  # Google's limit for account ids


def test_environments_carry_what_google_github_actions_auth_needs(
        synthesized_gcp: Synthesized) -> None:
    variables = {v["variable_name"]: v["value"] for v in
                 synthesized_gcp.resources("model-trainer",
                                           "github_actions_environment_variable")}

    assert variables["GCP_WORKLOAD_IDENTITY_PROVIDER"] == (
        "projects/987654321098/locations/global/workloadIdentityPools/agentid-github/"
        "providers/github")
    assert variables["GCP_SERVICE_ACCOUNT"] == SA
    assert variables["AGENT_DEPLOY_KEY_SECRET_RANKING_DATA"] == (
        "projects/acme-agents/secrets/agents-model-trainer-deploy-keys-acme-ranking-data")


def _evaluate(expression: str, claims: dict[str, str]) -> object:
    # The provider's CEL uses only ==, &&, ||, + on strings and `false`: Python
    # reads the same expression once the operators and claim lookups are spelled its way.
    text = expression.replace("&&", " and ").replace("||", " or ").replace("false", "False")
    return eval(text, {"__builtins__": {}}, {"assertion": type("A", (), claims)})  # noqa: S307


def test_a_recreated_repository_of_the_same_name_matches_no_binding(
        synthesized_gcp: Synthesized) -> None:
    provider = _only(synthesized_gcp, "foundation", "google_iam_workload_identity_pool_provider")
    members = {m["member"] for m in
               synthesized_gcp.resources("model-trainer", "google_service_account_iam_member")}
    genuine = {"sub": "repo:acme/ranking:environment:agent-model-trainer",
               "repository_id": "55501", "repository_owner_id": "1342004"}
    recreated = {**genuine, "repository_id": "99999"}   # same name, new repository
    foreign = {**genuine, "repository_owner_id": "666"}  # another organization

    # THEN the genuine token passes the condition and maps to a bound principal
    assert _evaluate(provider["attribute_condition"], genuine) is True
    subject = _evaluate(provider["attribute_mapping"]["google.subject"], genuine)
    assert POOL + str(subject) in members
    # AND a re-created repository of the same name is refused by the condition, and
    # even past it would map to a subject no binding names
    assert _evaluate(provider["attribute_condition"], recreated) is False
    subject = _evaluate(provider["attribute_mapping"]["google.subject"], recreated)
    assert POOL + str(subject) not in members
    assert _evaluate(provider["attribute_condition"], foreign) is False


@pytest.mark.synth
def test_a_revoked_gcp_agent_keeps_its_provider_and_holds_nothing(tmp_path: Path) -> None:
    text = (FIXTURES / "gcp.yaml").read_text() + (
        '    revoked: {on: 2026-11-25, by: "@acme/ml", reason: Retired}\n')
    (tmp_path / "identities.yaml").write_text(text)

    out = synthesize(tmp_path / "identities.yaml", tmp_path / "cdktf.out")

    assert out.resource_count("model-trainer") == 0
    assert "google" in out.stack("model-trainer")["provider"]
    provider = _only(out, "foundation", "google_iam_workload_identity_pool_provider")
    assert provider["attribute_condition"].endswith("&& false")
