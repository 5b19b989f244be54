"""Google Cloud as a target (docs/architecture.md §8): a service account per agent,
the project's workload identity pool in the foundation, Secret Manager as a store."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ..lifecycle import state
from ..model import Agent, IdentitiesFile
from ..policy import PolicyDocument, allowed, as_list, statements
from ..targets import CardLines, Content, Target, identity_content, plan_data
from .alerts_plan import plan_alerts
from .plan import (
    plan_pool,
    plan_secret_store,
    plan_service_account,
    policy_documents,
    role_bindings,
    service_account_email,
    uses_gcp,
)


def _used_by(agent: Agent, identities: IdentitiesFile) -> bool:
    """A ``gcp`` scope or deploy keys in Secret Manager, with ``defaults.gcp`` set."""
    return identities.defaults.gcp is not None and uses_gcp(agent)


def _in_foundation(identities: IdentitiesFile) -> bool:
    # The pool exists once some agent uses Google Cloud: a file that only declares
    # defaults.gcp does not make every deploy load the Google bindings.
    return any(_used_by(a, identities) for a in identities.agents)


# The document of who may impersonate the service account (cdk/gcp/plan.py
# policy_documents): each row's condition carries the ``sub`` the pool requires.
IMPERSONATION = "gcp-impersonation"


def _subjects(documents: Mapping[str, PolicyDocument]) -> set[str]:
    return {sub for s in allowed(documents.get(IMPERSONATION, {}))
            for sub in as_list(s.get("Condition", {}).get("sub"))}


def _without_subjects(documents: dict[str, PolicyDocument]) -> dict[str, PolicyDocument]:
    if IMPERSONATION not in documents:
        return documents
    return {**documents, IMPERSONATION: {"Statement": [
        {**s, "Condition": {k: v for k, v in s.get("Condition", {}).items() if k != "sub"}}
        for s in statements(documents[IMPERSONATION])]}}


def _planned_content(agent: Agent, identities: IdentitiesFile) -> Content:
    content = identity_content(agent, identities, TARGET.name,
                               {"plan.gcp_service_account": plan_service_account},
                               plan_secret_store)
    if (alerts := plan_alerts(agent, identities)) is not None:
        content["plan.gcp_alerts"] = plan_data(alerts)
    return content


def _planned_foundation(identities: IdentitiesFile) -> Content:
    return {"plan.gcp_pool": plan_data(plan_pool(identities))}


def _card(agent: Agent, identities: IdentitiesFile, today: date) -> CardLines:
    gcp = identities.defaults.gcp
    assert gcp is not None
    email = service_account_email(gcp, agent.name)
    lock = None
    if state(agent) == "locked":
        lock = (f"Google Cloud: service account {email} is disabled, so Google refuses "
                "its existing tokens and issues no new ones (within minutes of the apply)")
    return CardLines(
        credential=(f"GitHub Actions OIDC token, exchanged through workload identity pool "
                    f"{gcp.pool_id} for service account "
                    f"{email} (short-lived tokens; no keys)",),
        scope=tuple(f"GCP {b.role} on {b.resource_name} (until {agent.expires})"
                    for b in role_bindings(agent, identities)),
        lock=lock, alerts=_alert_lines(agent, identities))


def _alert_lines(agent: Agent, identities: IdentitiesFile) -> tuple[str, ...]:
    plan = plan_alerts(agent, identities)
    if plan is None:
        return ()
    return tuple(f"Google Cloud notification channel {channel}: calls by service account "
                 f"{plan.service_account} that Google Cloud refused with PERMISSION_DENIED "
                 f"(log-based metric {plan.metric_name})" for channel in plan.channels)


TARGET = Target(
    name="gcp",
    builder="cdk.gcp.build",
    bindings=("cdktn_provider_google",),
    used_by=_used_by,
    in_foundation=_in_foundation,
    documents=policy_documents,
    subjects=_subjects,
    without_subjects=_without_subjects,
    planned_content=_planned_content,
    planned_foundation=_planned_foundation,
    card=_card,
    plan_secret_store=plan_secret_store,
    force_new={
        "google_service_account": frozenset({"account_id", "project"}),
        "google_service_account_iam_member": frozenset({"service_account_id", "role",
                                                        "member", "condition"}),
        "google_project_iam_member": frozenset({"project", "role", "member", "condition"}),
        "google_storage_bucket_iam_member": frozenset({"bucket", "role", "member",
                                                       "condition"}),
        "google_secret_manager_secret_iam_member": frozenset({"project", "secret_id", "role",
                                                              "member", "condition"}),
        "google_iam_deny_policy": frozenset({"name", "parent"}),
        "google_iam_workload_identity_pool": frozenset({"project",
                                                        "workload_identity_pool_id"}),
        "google_iam_workload_identity_pool_provider": frozenset({
            "project", "workload_identity_pool_id", "workload_identity_pool_provider_id"}),
        "google_kms_key_ring": frozenset({"project", "name", "location"}),
        "google_kms_crypto_key": frozenset({"key_ring", "name", "purpose"}),
        "google_kms_crypto_key_iam_member": frozenset({"crypto_key_id", "role", "member"}),
        "google_secret_manager_secret": frozenset({"project", "secret_id", "replication"}),
        "google_logging_metric": frozenset({"project", "name"}),
        "google_monitoring_alert_policy": frozenset({"project"}),
    },
    rules=("cdk.gcp.rules",),
)
