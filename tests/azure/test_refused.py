"""Bad Azure input is refused with a clear message, at its line, writing nothing.

GIVEN the base record with an Azure identity and one thing wrong, WHEN it is
synthesized, THEN agentid exits 1 naming the field, its line and what to do.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.azure.roles import REFUSED_ROLES

from ..records import AZURE, AZURE_ROLE, assert_refused, variant

SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-111122223333"
ACCOUNT = (f"/subscriptions/{SUBSCRIPTION}/resourceGroups/releases/providers/"
           "Microsoft.Storage/storageAccounts/acmeartifacts")


def _role(role: str, scope: str = f"{{resource: {ACCOUNT}}}", reason: str = "") -> str:
    entry = f"        - role: {role}\n          scope: {scope}\n"
    if reason:
        entry += f"          reason: {reason}\n"
    return variant(AZURE_ROLE, entry, AZURE)


def _runs(count: int) -> str:
    runs = "".join(f"      - repo: acme/api\n        repo_id: 123456\n"
                   f"        environment: env-{n}\n" for n in range(count))
    return variant("      - repo: acme/api\n        repo_id: 123456\n"
                   "        environment: agent-release-bot\n", runs, AZURE)


CASES = [
    pytest.param(_role("Owner"), "agents[0].azure.roles[0].role", "role: Owner",
                 "Owner holds every action", id="owner"),
    pytest.param(_role("Contributor", "{resource_group: releases}"),
                 "agents[0].azure.roles[0].role", "role: Contributor",
                 "holds every action of every service", id="contributor"),
    pytest.param(_role("user access administrator"), "agents[0].azure.roles[0].role",
                 "role: user access administrator", "writes role assignments",
                 id="user-access-administrator-any-case"),
    pytest.param(_role("Role Based Access Control Administrator"),
                 "agents[0].azure.roles[0].role", "Role Based Access Control",
                 "Microsoft.Authorization/roleAssignments/write", id="rbac-administrator"),
    pytest.param(_role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
                 "agents[0].azure.roles[0].role", "8e3af657", "is Owner",
                 id="owner-by-role-definition-id"),
    pytest.param(_role("Managed Identity Operator"), "agents[0].azure.roles[0].role",
                 "Managed Identity Operator", "acting as other identities",
                 id="managed-identity-operator"),
    pytest.param(_role("Reader", f"{{subscription: {SUBSCRIPTION}}}"),
                 "agents[0].azure.roles[0].scope", "subscription:",
                 "a subscription-wide assignment needs a `reason`", id="subscription-no-reason"),
    pytest.param(_role("Reader", "{subscription: 11111111-1111-1111-1111-111111111111}",
                       "Reads everything"),
                 "agents[0].azure.roles[0].scope", "subscription:",
                 "is not 0b1f6471", id="other-subscription"),
    pytest.param(_role("Reader", "{resource: /subscriptions/*/resourceGroups/x/providers/"
                                 "Microsoft.Storage/storageAccounts/a}"),
                 "agents[0].azure.roles[0].scope.resource", "resource: /subscriptions/*",
                 "must be one exact resource id", id="wildcard-resource"),
    pytest.param(_role("Reader", "{resource_group: a, subscription: " + SUBSCRIPTION + "}"),
                 "agents[0].azure.roles[0].scope", "{resource_group: a,",
                 "name exactly one scope", id="two-scopes"),
    pytest.param(_runs(21), "agents[0].runs_on", "- repo: acme/api",
                 "at most 20 federated credentials", id="twenty-one-subjects"),
    pytest.param(variant("environment: agent-release-bot",
                         "environment: agent-release-bot\n"
                         "        workflow: .github/workflows/x.yml\n"
                         "        ref: refs/heads/main", AZURE),
                 "agents[0].runs_on[0].workflow", "workflow: .github",
                 "cannot enforce a workflow pin", id="workflow-pin"),
    pytest.param(AZURE + '    must_never_hold: ["Microsoft.Storage/storageAccounts/delete"]\n',
                 "agents[0].must_never_hold[0]", "must_never_hold: [\"Microsoft",
                 "an Azure action, which agentid cannot deny", id="must-never-hold-action"),
    # Agent-owned infrastructure (AgentId-AzureAgentResource)
    pytest.param(_role("Key Vault Secrets User", "{resource_group: agents}"),
                 "agents[0].azure.roles[0].scope", "{resource_group: agents}",
                 "holds every agent's managed identity and Key Vault",
                 id="agents-resource-group"),
    pytest.param(_role("Key Vault Administrator", "{resource_group: Agents}"),
                 "agents[0].azure.roles[0].scope", "{resource_group: Agents}",
                 "holds every agent's managed identity and Key Vault",
                 id="agents-resource-group-any-case"),
    pytest.param(_role("Key Vault Secrets User",
                       f"{{resource: /subscriptions/{SUBSCRIPTION}/resourceGroups/agents/"
                       "providers/Microsoft.KeyVault/vaults/agent-docs-sync-1a2b3c4d}"),
                 "agents[0].azure.roles[0].scope", "vaults/agent-docs-sync-1a2b3c4d",
                 "is in the agents' resource group agents", id="other-agents-vault"),
    pytest.param(_role("Reader",
                       f"{{resource: /subscriptions/{SUBSCRIPTION}/resourceGroups/agents/"
                       "providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
                       "agent-docs-sync}"),
                 "agents[0].azure.roles[0].scope", "userAssignedIdentities/agent-docs-sync",
                 "is in the agents' resource group agents", id="other-agents-identity"),
    pytest.param(_role("Key Vault Secrets User", f"{{subscription: {SUBSCRIPTION}}}",
                       "Reads every vault"),
                 "agents[0].azure.roles[0].scope", f"{{subscription: {SUBSCRIPTION}}}",
                 "on the whole subscription reaches every agent's Key Vault",
                 id="subscription-key-vault-role"),
]


@pytest.mark.parametrize(("text", "path", "marker", "message"), CASES)
def test_bad_azure_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    text: str, path: str, marker: str, message: str) -> None:
    assert_refused(tmp_path, capsys, text, path, marker, message)


def test_the_refusal_list_names_the_roles_the_issue_names() -> None:
    assert {"owner", "contributor", "user access administrator",
            "role based access control administrator"} <= set(REFUSED_ROLES)
