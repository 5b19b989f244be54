"""Federation on Azure: one managed identity, one exact credential per subject, in a chain.

GIVEN tests/fixtures/azure.yaml synthesized, WHEN the agent's stack is read, THEN
the identity is agent-<name> with the usual tags, each runs_on entry is one
federated credential with GitHub's issuer, Azure's token-exchange audience and the
exact subject, and the credentials are written one at a time (each depends on the
previous one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cdk.azure.plan import MAX_FEDERATED_CREDENTIALS, credential_name, federated_credentials
from cdk.loader import validate_schema
from cdk.yamlsafe import parse

from ..conftest import FIXTURES, Synthesized, synthesize
from ..records import AZURE, variant

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
        "repo:acme/costs:environment:agent-cost-analyst",
        "repo:acme/costs:environment:monthly-close",
        "repo:acme/dashboards:environment:publish",
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
    names = [credential_name(agent, run) for run in agent.runs_on]

    for name in names:
        assert 3 <= len(name) <= 120
        assert name.replace("-", "").replace("_", "").isalnum()


def test_twenty_subjects_are_allowed_and_the_plan_keeps_one_credential_each() -> None:
    runs = "".join(f"      - repo: acme/api\n        repo_id: 123456\n"
                   f"        environment: env-{n}\n" for n in range(MAX_FEDERATED_CREDENTIALS))
    text = variant("      - repo: acme/api\n        repo_id: 123456\n"
                   "        environment: agent-release-bot\n", runs, AZURE)
    identities = validate_schema(parse("identities.yaml", text))

    assert len(federated_credentials(identities.agents[0])) == MAX_FEDERATED_CREDENTIALS


@pytest.mark.synth
def test_a_revoked_azure_agent_keeps_its_provider_and_holds_nothing(tmp_path: Path) -> None:
    text = (FIXTURES / "azure.yaml").read_text() + (
        '    revoked: {on: 2026-11-25, by: "@acme/finops", reason: Retired}\n')
    (tmp_path / "identities.yaml").write_text(text)

    out = synthesize(tmp_path / "identities.yaml", tmp_path / "cdktf.out")

    assert out.resource_count(STACK) == 0
    assert "data" not in out.stack(STACK)
    assert "azurerm" in out.stack(STACK)["provider"]
