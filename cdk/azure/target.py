"""Azure as a target (docs/architecture.md §8): a managed identity per agent with
exact federated credentials, Key Vault as a secret store; no foundation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ..lifecycle import state
from ..model import Agent, IdentitiesFile
from ..plan import uses_store
from ..policy import PolicyDocument, allowed, as_list, statements
from ..subjects import parse_subject
from ..targets import CardLines, Content, Target, identity_content, plan_data
from .alerts_plan import plan_alerts
from .plan import (
    LOCK_TOKEN_LIFETIME,
    assignment_kind,
    assignment_summary,
    plan_identity,
    plan_secret_store,
    policy_documents,
    role_assignments,
    uses_azure,
)


def _used_by(agent: Agent, identities: IdentitiesFile) -> bool:
    """An ``azure`` scope or deploy keys in Key Vault, with ``defaults.azure`` set."""
    return identities.defaults.azure is not None and uses_azure(agent)


# The document of the identity's federated credentials (cdk/azure/plan.py
# policy_documents): one row per credential, its subjects as resources.
FEDERATION = "azure-federation"


def _subjects(documents: Mapping[str, PolicyDocument]) -> set[str]:
    return {sub for s in allowed(documents.get(FEDERATION, {}))
            for sub in as_list(s.get("Resource"))}


def _without_subjects(documents: dict[str, PolicyDocument]) -> dict[str, PolicyDocument]:
    if FEDERATION not in documents:
        return documents
    return {**documents, FEDERATION: {"Statement": [
        {**s, "Resource": [_job(r) for r in as_list(s.get("Resource"))]}
        for s in statements(documents[FEDERATION])]}}


def _job(subject: str) -> str:
    parsed = parse_subject(subject)
    return subject if parsed is None else parsed.legacy


def _planned_content(agent: Agent, identities: IdentitiesFile) -> Content:
    content = identity_content(agent, identities, TARGET.name,
                               {"plan.azure_identity": plan_identity}, plan_secret_store)
    if (alerts := plan_alerts(agent, identities)) is not None:
        content["plan.azure_alerts"] = plan_data(alerts)
    return content


def _card(agent: Agent, identities: IdentitiesFile, today: date) -> CardLines:
    azure = identities.defaults.azure
    assert azure is not None
    credential = (
        f"GitHub Actions OIDC token, exchanged with Entra ID through an exact federated "
        f"credential for managed identity agent-{agent.name} in subscription "
        f"{azure.subscription_id} (short-lived tokens; no secrets; Azure checks the "
        "exact subject only: rename-proof where the subject is immutable, by name "
        "alone where it is legacy); "
        f"{assignment_summary(identities, agent)}")
    until = (f"PIM, ends {agent.expires}" if assignment_kind(identities) == "pim"
             else "plain assignment, no end date in Azure")
    scope = [f"Azure {a.role} at {a.scope_name} ({until})"
             for a in role_assignments(agent, identities)]
    if uses_store(agent, TARGET.name):
        store = plan_secret_store(agent, identities)
        scope.extend(f"Azure {store.reader_role} on Key Vault secret {s.name} ({until})"
                     for s in store.secrets)
    if assignment_kind(identities) == "plain":
        expiry = ("its AWS or Google Cloud identities, if any, are refused from that date; "
                  "Azure's federated credentials and plain role assignments have no end "
                  "date, so the expiry rules block the file and the agent must be revoked "
                  "(or defaults.azure.time_bound_assignments turned on)")
    else:
        expiry = ("the cloud refuses the identity from that date; on Azure, PIM ends its "
                  "role assignments, while its federated credentials (which have no end "
                  "date) go with revocation")
    lock = None
    if state(agent) == "locked":
        lock = (f"Azure: managed identity agent-{agent.name} has no federated credential "
                "and no role assignment, so no new token is issued; a managed-identity "
                f"token issued before the lock may stay cached and usable for up to "
                f"{LOCK_TOKEN_LIFETIME}")
    return CardLines(credential=(credential,), scope=tuple(scope), expiry=expiry,
                     legacy_subject="; on Azure a repository re-created under this name "
                                    "would be accepted", lock=lock,
                     alerts=_alert_lines(agent, identities))


def _alert_lines(agent: Agent, identities: IdentitiesFile) -> tuple[str, ...]:
    plan = plan_alerts(agent, identities)
    if plan is None:
        return ()
    return tuple(f"Azure action group {group}: failed operations of managed identity "
                 f"{plan.caller_identity} in the activity log (control plane only; "
                 f"activity log alert {plan.name})" for group in plan.action_groups)


TARGET = Target(
    name="azure",
    builder="cdk.azure.build",
    bindings=("cdktn_provider_azurerm",),
    used_by=_used_by,
    documents=policy_documents,
    subjects=_subjects,
    without_subjects=_without_subjects,
    planned_content=_planned_content,
    card=_card,
    plan_secret_store=plan_secret_store,
    force_new={
        "azurerm_user_assigned_identity": frozenset({"name", "resource_group_name",
                                                     "location"}),
        "azurerm_federated_identity_credential": frozenset({"name",
                                                            "user_assigned_identity_id"}),
        "azurerm_role_assignment": frozenset({"scope", "role_definition_id", "principal_id",
                                              "principal_type", "description"}),
        "azurerm_pim_active_role_assignment": frozenset({"scope", "role_definition_id",
                                                         "principal_id", "schedule",
                                                         "justification"}),
        "azurerm_key_vault": frozenset({"name", "resource_group_name", "location"}),
        "azurerm_key_vault_secret": frozenset({"name", "key_vault_id"}),
        "azurerm_monitor_activity_log_alert": frozenset({"name", "resource_group_name"}),
    },
    rules=("cdk.azure.rules",),
)
