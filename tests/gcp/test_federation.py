"""Federation on Google Cloud: the pool's provider, exact principals, expiring bindings.

GIVEN tests/fixtures/gcp.yaml (immutable subjects, the default) and
tests/fixtures/subject-forms.yaml (legacy, immutable and both) synthesized, WHEN the
foundation and agent stacks are read, THEN the provider pins the organization and
every live (repository id, environment, subject in its stated forms), google.subject
is built from numeric claims only, each runs_on entry is one principal:// subject on
the agent's own service account, and every binding expires with the agent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cdk.gcp.names import federated_principal
from cdk.gcp.plan import attribute_condition, plan_pool
from cdk.loader import validate_schema
from cdk.validation import load
from cdk.yamlsafe import parse

from ..conftest import FIXTURES, TODAY, Synthesized, synthesize
from ..records import GCP, assert_refused, variant, write

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
        '(assertion.repository_id == "55501" && assertion.environment == '
        '"agent-model-trainer" && assertion.sub == '
        '"repo:acme@1342004/ranking@55501:environment:agent-model-trainer") || '
        '(assertion.repository_id == "55502" && assertion.environment == "training" '
        '&& assertion.sub == "repo:acme@1342004/ranking-data@55502:environment:training"))')
    assert provider["oidc"] == {"issuer_uri": "https://token.actions.githubusercontent.com"}
    assert provider["workload_identity_pool_provider_id"] == "github"


def test_provider_maps_subject_with_repository_id_and_the_pinning_attributes(
        synthesized_gcp: Synthesized) -> None:
    mapping = _only(synthesized_gcp, "foundation",
                    "google_iam_workload_identity_pool_provider")["attribute_mapping"]

    # google.subject is built from numeric claims only: a re-created repository of
    # the same name has a new id, so its tokens map to a subject no binding names,
    # and no binding depends on a name or on the subject form.
    assert mapping["google.subject"] == (
        '"repository_id:" + assertion.repository_id + ":environment:" + assertion.environment')
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
    assert "assertion.sub" not in plan_pool(identities).attribute_mapping["google.subject"]


def test_each_run_is_one_exact_principal_never_a_pool_set(synthesized_gcp: Synthesized) -> None:
    members = synthesized_gcp.resources("model-trainer", "google_service_account_iam_member")

    assert sorted(m["member"] for m in members) == [
        POOL + "repository_id:55501:environment:agent-model-trainer",
        POOL + "repository_id:55502:environment:training",
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
        POOL + "repository_id:55501:environment:agent-model-trainer")


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
    # The provider's CEL uses only ==, &&, ||, + on strings, parentheses and `false`: Python
    # reads the same expression once the operators and claim lookups are spelled its way.
    text = expression.replace("&&", " and ").replace("||", " or ").replace("false", "False")
    return eval(text, {"__builtins__": {}}, {"assertion": type("A", (), claims)})  # noqa: S307


def test_a_recreated_repository_of_the_same_name_matches_no_binding(
        synthesized_gcp: Synthesized) -> None:
    provider = _only(synthesized_gcp, "foundation", "google_iam_workload_identity_pool_provider")
    members = {m["member"] for m in
               synthesized_gcp.resources("model-trainer", "google_service_account_iam_member")}
    genuine = {"sub": "repo:acme@1342004/ranking@55501:environment:agent-model-trainer",
               "repository_id": "55501", "repository_owner_id": "1342004",
               "environment": "agent-model-trainer"}
    # same name, new repository (its immutable subject names the new id too)
    recreated = {**genuine, "repository_id": "99999",
                 "sub": "repo:acme@1342004/ranking@99999:environment:agent-model-trainer"}
    foreign = {**genuine, "repository_owner_id": "666"}  # another organization
    legacy = {**genuine, "sub": "repo:acme/ranking:environment:agent-model-trainer"}

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
    # AND the entry states the immutable form: a legacy-spelt token is refused
    assert _evaluate(provider["attribute_condition"], legacy) is False


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


# --------------------------------------------------------------------------- subject forms

def _principal(repo_id: int, environment: str) -> str:
    return POOL + f"repository_id:{repo_id}:environment:{environment}"


def test_legacy_immutable_and_mixed_agents_bind_numeric_principals_and_pin_their_forms(
        synthesized_forms: Synthesized) -> None:
    # GIVEN an organization whose default is legacy, a legacy-only agent and a mixed
    # agent (legacy, immutable, both)
    legacy = {m["member"] for m in
              synthesized_forms.resources("gcp-legacy", "google_service_account_iam_member")}
    mixed = {m["member"] for m in
             synthesized_forms.resources("gcp-mixed", "google_service_account_iam_member")}
    provider = _only(synthesized_forms, "foundation",
                     "google_iam_workload_identity_pool_provider")

    # THEN every binding names a principal built from the repository id and the
    # environment, whatever form the entry states
    assert legacy == {_principal(80001, "agent-gcp-legacy")}
    assert mixed == {_principal(80001, "agent-gcp-mixed"), _principal(80002, "agent-gcp-mixed"),
                     _principal(80003, "agent-gcp-mixed")}
    # AND the pool's condition requires exactly the stated form(s) of each entry
    assert provider["attribute_condition"] == (
        'assertion.repository_owner_id == "1342004" && ('
        '(assertion.repository_id == "80001" && assertion.environment == "agent-gcp-legacy" '
        '&& assertion.sub == "repo:acme/old-ml:environment:agent-gcp-legacy") || '
        '(assertion.repository_id == "80001" && assertion.environment == "agent-gcp-mixed" '
        '&& assertion.sub == "repo:acme/old-ml:environment:agent-gcp-mixed") || '
        '(assertion.repository_id == "80002" && assertion.environment == "agent-gcp-mixed" '
        '&& assertion.sub == "repo:acme@1342004/new-ml@80002:environment:agent-gcp-mixed") || '
        '(assertion.repository_id == "80003" && assertion.environment == "agent-gcp-mixed" '
        '&& (assertion.sub == "repo:acme/moving-ml:environment:agent-gcp-mixed" || '
        'assertion.sub == "repo:acme@1342004/moving-ml@80003:environment:agent-gcp-mixed")))')


def test_each_form_admits_its_own_tokens_only_and_both_admits_the_two(
        synthesized_forms: Synthesized) -> None:
    provider = _only(synthesized_forms, "foundation",
                     "google_iam_workload_identity_pool_provider")
    mixed = {m["member"] for m in
             synthesized_forms.resources("gcp-mixed", "google_service_account_iam_member")}

    def token(repo: str, repo_id: str, immutable: bool) -> dict[str, str]:
        owner = "acme@1342004" if immutable else "acme"
        name = f"{repo}@{repo_id}" if immutable else repo
        return {"sub": f"repo:{owner}/{name}:environment:agent-gcp-mixed",
                "repository_id": repo_id, "repository_owner_id": "1342004",
                "environment": "agent-gcp-mixed"}

    cases = [  # (repository, id, immutable token?, admitted?)
        ("old-ml", "80001", False, True), ("old-ml", "80001", True, False),
        ("new-ml", "80002", True, True), ("new-ml", "80002", False, False),
        ("moving-ml", "80003", False, True), ("moving-ml", "80003", True, True),
    ]
    for repo, repo_id, immutable, admitted in cases:
        claims = token(repo, repo_id, immutable)
        assert _evaluate(provider["attribute_condition"], claims) is admitted, claims
        # AND an admitted token maps to a principal a binding names
        subject = _evaluate(provider["attribute_mapping"]["google.subject"], claims)
        assert (POOL + str(subject) in mixed) is True


def test_an_environment_name_cannot_forge_another_repositorys_principal() -> None:
    # The id is digits only: the first ':' after the prefix ends it, so no environment
    # name of repository 1 maps to a principal of repository 12.
    from cdk.gcp.names import ATTRIBUTE_MAPPING

    claims = {"repository_id": "1", "environment": "2:environment:x"}
    subject = _evaluate(ATTRIBUTE_MAPPING["google.subject"], claims)
    assert subject == "repository_id:1:environment:2:environment:x"
    assert subject != "repository_id:12:environment:x"


def test_google_subject_over_127_bytes_is_refused_at_the_entry(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "repository_id:123456:environment:" is 33 bytes: 94 more fit, 95 do not
    (tmp_path / "fits").mkdir()
    (tmp_path / "long").mkdir()
    fits = variant("environment: agent-release-bot", "environment: e" + "x" * 93, GCP)
    assert load(write(tmp_path / "fits", fits), TODAY).identities.agents

    too_long = variant("environment: agent-release-bot", "environment: e" + "x" * 94, GCP)
    assert_refused(tmp_path / "long", capsys, too_long, "agents[0].runs_on[0]", "- repo: acme/api",
                   "is 128 bytes, over Google's 127")
