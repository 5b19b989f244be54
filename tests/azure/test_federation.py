"""Federation on Azure: one managed identity, one exact credential per subject, in a chain.

GIVEN tests/fixtures/azure.yaml (immutable subjects, the default) and
tests/fixtures/subject-forms.yaml (legacy and mixed agents) synthesized, WHEN the
agent's stack is read, THEN the identity is agent-<name> with the usual tags, each
runs_on entry is one federated credential with GitHub's issuer, Azure's
token-exchange audience and the exact subject of the entry's stated form, and the
credentials are written one at a time (each depends on the previous one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cdk.azure.federation import MAX_FEDERATED_CREDENTIALS, federated_credentials
from cdk.azure.names import credential_name
from cdk.loader import validate_schema
from cdk.yamlsafe import parse

from ..conftest import FIXTURES, TODAY_ARG, Synthesized, synthesize
from ..records import AZURE, assert_refused, variant

STACK = "cost-analyst"
CREDENTIAL = "azurerm_federated_identity_credential"


def _credentials(out: Synthesized) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = out.stack(STACK)["resource"][CREDENTIAL]
    return resources


def test_identity_is_agent_name_with_the_tags_every_resource_carries(
        synthesized_azure: Synthesized) -> None:
    [identity] = synthesized_azure.resources(STACK, "azurerm_user_assigned_identity")

    assert identity["name"] == "agent-cost-analyst"
    assert identity["resource_group_name"] == "agents"
    assert identity["location"] == "westeurope"
    assert identity["tags"] == {"agent": "cost-analyst", "owner": "@acme/finops",
                                "expires": "2027-01-31", "managed-by": "agentid"}


def test_each_runs_on_entry_is_one_credential_with_the_exact_subject(
        synthesized_azure: Synthesized) -> None:
    credentials = list(_credentials(synthesized_azure).values())

    assert sorted(c["subject"] for c in credentials) == [
        "repo:acme@1342004/costs@66601:environment:agent-cost-analyst",
        "repo:acme@1342004/costs@66601:environment:monthly-close",
        "repo:acme@1342004/dashboards@66602:environment:publish",
    ]
    for credential in credentials:
        assert credential["issuer"] == "https://token.actions.githubusercontent.com"
        assert credential["audience"] == ["api://AzureADTokenExchange"]
        # Exact: no wildcard, no ref or pull_request subject, always an environment.
        assert "*" not in credential["subject"]
        assert ":environment:" in credential["subject"]
        assert credential["user_assigned_identity_id"].startswith(
            "${azurerm_user_assigned_identity.")


def test_credentials_are_chained_so_azure_writes_them_one_at_a_time(
        synthesized_azure: Synthesized) -> None:
    credentials = _credentials(synthesized_azure)

    # THEN exactly one credential depends on no other, and following depends_on from
    # each reaches every credential once: a chain, not a fan.
    depends = {name: c.get("depends_on", []) for name, c in credentials.items()}
    heads = [name for name, after in depends.items() if not after]
    assert len(heads) == 1
    assert all(len(after) <= 1 for after in depends.values())
    order = heads
    while len(order) < len(credentials):
        [follower] = [name for name, after in depends.items()
                      if after == [f"{CREDENTIAL}.{order[-1]}"]]
        order.append(follower)
    assert sorted(order) == sorted(credentials)
    # and in subject order, so adding one subject moves few links
    subjects = [credentials[name]["subject"] for name in order]
    assert subjects == sorted(subjects)


def test_credential_names_fit_azure_and_differ_per_subject() -> None:
    identities = validate_schema(parse("identities.yaml", AZURE))
    agent = identities.agents[0]
    names = [credential_name(identities.defaults.github, agent, run) for run in agent.runs_on]

    for name in names:
        assert 3 <= len(name) <= 120
        assert name.replace("-", "").replace("_", "").isalnum()


def test_twenty_subjects_are_allowed_and_the_plan_keeps_one_credential_each() -> None:
    runs = "".join(f"      - repo: acme/api\n        repo_id: 123456\n"
                   f"        environment: env-{n}\n" for n in range(MAX_FEDERATED_CREDENTIALS))
    text = variant("      - repo: acme/api\n        repo_id: 123456\n"
                   "        environment: agent-release-bot\n", runs, AZURE)
    identities = validate_schema(parse("identities.yaml", text))

    assert len(federated_credentials(identities.agents[0], identities.defaults.github)) == (
        MAX_FEDERATED_CREDENTIALS)


@pytest.mark.synth
def test_a_revoked_azure_agent_keeps_its_provider_and_holds_nothing(tmp_path: Path) -> None:
    text = (FIXTURES / "azure.yaml").read_text() + (
        '    revoked: {on: 2026-11-25, by: "@acme/finops", reason: Retired}\n')
    (tmp_path / "identities.yaml").write_text(text)

    out = synthesize(tmp_path / "identities.yaml", tmp_path / "cdktf.out")

    assert out.resource_count(STACK) == 0
    assert "data" not in out.stack(STACK)
    assert "azurerm" in out.stack(STACK)["provider"]


# --------------------------------------------------------------------------- subject forms


def _subjects(out: Synthesized, agent: str) -> list[str]:
    return sorted(c["subject"] for c in out.resources(agent, CREDENTIAL))


def test_legacy_and_mixed_agents_get_one_exact_credential_per_entry_in_its_form(
        synthesized_forms: Synthesized) -> None:
    # GIVEN an organization whose default is legacy: a legacy-only agent and one
    # with a legacy and an immutable entry
    assert _subjects(synthesized_forms, "az-legacy") == [
        "repo:acme/old-costs:environment:agent-az-legacy"]
    assert _subjects(synthesized_forms, "az-mixed") == [
        "repo:acme/old-costs:environment:agent-az-mixed",
        "repo:acme@1342004/new-costs@90002:environment:agent-az-mixed",
    ]
    for credential in synthesized_forms.resources("az-mixed", CREDENTIAL):
        assert credential["audience"] == ["api://AzureADTokenExchange"]
        assert credential["issuer"] == "https://token.actions.githubusercontent.com"


def test_both_forms_on_azure_are_refused_at_the_entry_or_the_organization(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = variant("        environment: agent-release-bot\n",
                    "        environment: agent-release-bot\n        subject_form: both\n",
                    AZURE)
    (tmp_path / "entry").mkdir()
    assert_refused(tmp_path / "entry", capsys, entry, "agents[0].runs_on[0].subject_form",
                   "subject_form: both", "Azure cannot pin the repository id beside a legacy")

    org = variant("github: {owner: acme, owner_id: 1342004}",
                  "github: {owner: acme, owner_id: 1342004, subject_form: both}", AZURE)
    (tmp_path / "org").mkdir()
    assert_refused(tmp_path / "org", capsys, org, "agents[0].runs_on[0]", "- repo: acme/api",
                   "defaults.github.subject_form is `both`")


def test_the_card_says_which_azure_entries_are_rename_proof(
        capsys: pytest.CaptureFixture[str]) -> None:
    from cdk.cli import main

    capsys.readouterr()
    assert main(["card", "az-mixed", "-f", str(FIXTURES / "subject-forms.yaml"),
                 "--today", TODAY_ARG]) == 0
    # (the Markdown escapes `@` with a word joiner so no subject reads as a mention)
    card = capsys.readouterr().out.replace("\u2060", "")

    assert ("acme/new-costs (id 90002), environment agent-az-mixed; immutable subject "
            "repo:acme@1342004/new-costs@90002:environment:agent-az-mixed (rename-proof") in card
    assert ("acme/old-costs (id 90001), environment agent-az-mixed; legacy subject "
            "repo:acme/old-costs:environment:agent-az-mixed (names only; on Azure a "
            "repository re-created under this name would be accepted)") in card
