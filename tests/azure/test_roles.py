"""Role assignments on Azure: exact scopes, PIM with an end at expiry or plain, and the
plan-time check against Azure's own role definitions.

GIVEN the Azure fixture (time_bound_assignments on) and the example (off), WHEN
synthesized, THEN the fixture's agent gets PIM active assignments ending at its
expiry and no plain ones, the example's Azure agent plain ones and no PIM, each at
exactly the scope its record names, and every role definition carries a
postcondition refusing role-assignment writes.
"""

from __future__ import annotations

import re

import pytest

from cdk.azure.plan import assignment_summary
from cdk.azure.roles import ROLE_ASSIGNMENT_WRITE_ACTIONS
from cdk.loader import validate_schema
from cdk.yamlsafe import parse

from ..conftest import Synthesized
from ..records import AZURE, AZURE_DEFAULTS, variant

SUB = "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"
ROLE_ID = re.compile(
    rf"^{SUB}/providers/Microsoft\.Authorization/roleDefinitions/\$\{{data\.azurerm_role_"
    r"definition\.[A-Za-z0-9_-]+\.role_definition_id\}$")


def test_time_bound_assignments_are_pim_ending_at_expiry(
        synthesized_azure: Synthesized) -> None:
    pim = synthesized_azure.resources("cost-analyst", "azurerm_pim_active_role_assignment")
    plain = synthesized_azure.resources("cost-analyst", "azurerm_role_assignment")

    assert plain == []
    # three roles of the record plus one Secrets User per deploy key
    assert len(pim) == 5
    for assignment in pim:
        assert assignment["schedule"] == {
            "expiration": {"end_date_time": "2027-01-31T00:00:00Z"}}
        assert assignment["principal_id"].endswith(".principal_id}")


def test_each_role_is_assigned_at_exactly_its_scope(synthesized_azure: Synthesized) -> None:
    pim = synthesized_azure.resources("cost-analyst", "azurerm_pim_active_role_assignment")
    scopes = sorted(a["scope"] for a in pim if "secret" not in a["scope"])

    assert scopes == [
        SUB,
        f"{SUB}/resourceGroups/finops-dashboards",
        f"{SUB}/resourceGroups/finops/providers/Microsoft.Storage/storageAccounts/acmecosts",
    ]
    for assignment in pim:
        if "secret" not in assignment["scope"]:
            assert ROLE_ID.match(assignment["role_definition_id"]), assignment


def test_plain_assignments_without_time_bound(synthesized_example: Synthesized) -> None:
    plain = synthesized_example.resources("report-builder", "azurerm_role_assignment")
    pim = synthesized_example.resources("report-builder", "azurerm_pim_active_role_assignment")

    assert pim == []
    assert len(plain) == 3
    for assignment in plain:
        assert assignment["principal_type"] == "ServicePrincipal"
        assert "schedule" not in assignment


def test_every_role_definition_is_checked_for_role_assignment_writes_at_plan_time(
        synthesized_azure: Synthesized) -> None:
    definitions = synthesized_azure.stack("cost-analyst")["data"]["azurerm_role_definition"]

    assert {d.get("name") or d.get("role_definition_id") for d in definitions.values()} == {
        "Storage Blob Data Reader", "Cost Management Reader",
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"}
    for definition in definitions.values():
        [condition] = definition["lifecycle"]["postcondition"]
        for action in ROLE_ASSIGNMENT_WRITE_ACTIONS:
            assert f'"{action}"' in condition["condition"]
        assert "self.permissions" in condition["condition"]
        assert definition["scope"] == SUB


def test_the_summary_says_which_kind_of_assignment_an_agent_got() -> None:
    plain = validate_schema(parse("identities.yaml", AZURE))
    pim = validate_schema(parse("identities.yaml", variant(
        "location: westeurope}", "location: westeurope, time_bound_assignments: true}",
        AZURE)))
    assert AZURE_DEFAULTS in AZURE

    assert "plain role assignments" in assignment_summary(plain, plain.agents[0])
    assert "PIM" in assignment_summary(pim, pim.agents[0])
    assert "2027-02-15T00:00:00Z" in assignment_summary(pim, pim.agents[0])


SUBSCRIPTION_CASES = [
    ({"actions": ["Microsoft.CostManagement/*/read"], "data_actions": []}, True),
    ({"actions": ["Microsoft.KeyVault/vaults/write"], "data_actions": []}, False),
    ({"actions": ["Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"],
      "data_actions": []}, False),
    ({"actions": [], "data_actions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action"]},
     False),
    ({"actions": [], "data_actions": ["*"]}, False),
    ({"actions": ["Microsoft.Authorization/roleAssignments/write"], "data_actions": []}, False),
]


def test_a_subscription_wide_role_is_refused_at_plan_time_if_it_reaches_agents_vaults(
        synthesized_azure: Synthesized) -> None:
    from ..hcl import evaluate

    # GIVEN the synthesized lookup of the subscription-wide role
    definitions = synthesized_azure.stack("cost-analyst")["data"]["azurerm_role_definition"]
    [subscription] = [d for d in definitions.values() if d.get("name") == "Cost Management Reader"]
    [postcondition] = subscription["lifecycle"]["postcondition"]
    # WHEN Terraform evaluates it over a definition's permissions THEN a role that reads
    # Key Vault secrets, changes vaults or acts on identities fails the plan
    for permissions, passes in SUBSCRIPTION_CASES:
        assert evaluate(postcondition["condition"],
                        {"permissions": [permissions]}) is passes, permissions
    # AND a role on one resource is judged only for role-assignment writes
    [resource] = [d for d in definitions.values() if d.get("name") == "Storage Blob Data Reader"]
    [narrow] = resource["lifecycle"]["postcondition"]
    assert evaluate(narrow["condition"], {"permissions": [
        {"actions": [], "data_actions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action"]}]})
    assert not evaluate(narrow["condition"], {"permissions": [
        {"actions": ["*"], "data_actions": []}]})


@pytest.mark.parametrize(("permissions", "passes"), SUBSCRIPTION_CASES)
def test_refused_at_subscription_matches_the_postcondition(
        permissions: dict[str, list[str]], passes: bool) -> None:
    from cdk.azure.roles import refused_at_subscription

    found = refused_at_subscription(permissions["actions"], permissions["data_actions"])
    role_writes = "Microsoft.Authorization/roleAssignments/write" in permissions["actions"]
    assert (found == [] and not role_writes) is passes
