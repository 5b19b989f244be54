"""Invariants of the output as a whole: stacks match records, resources match what the
records use, and carry the agent's tags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..names import FOUNDATION, gcp_labels, tags
from . import expect
from .core import Finding, Invariant, Reporter, Stack

TARGET = "Stacks"
GITHUB = {"github_repository_environment", "github_repository_environment_deployment_policy",
          "github_actions_environment_variable"}
DEPLOY_KEY = {"github_repository_deploy_key", "tls_private_key", "time_static"}
# The installation of the agent's GitHub App, once the record says it is installed.
GITHUB_APP = {"github_app_installation_repositories"}
AWS = {"aws_iam_role", "aws_iam_role_policy", "aws_iam_policy",
       "aws_iam_role_policies_exclusive", "aws_iam_role_policy_attachments_exclusive",
       "aws_kms_key", "aws_kms_alias", "aws_secretsmanager_secret",
       "aws_secretsmanager_secret_policy", "aws_secretsmanager_secret_version"}
# An agent's AWS alerts, when the record names topics for them (docs/alerts.md).
AWS_ALERTS = {"aws_cloudwatch_event_rule", "aws_cloudwatch_event_target"}
GCP = {"google_service_account", "google_service_account_iam_member",
       "google_project_iam_member", "google_storage_bucket_iam_member",
       "google_secret_manager_secret_iam_member", "google_iam_deny_policy",
       "google_kms_key_ring", "google_kms_crypto_key", "google_kms_crypto_key_iam_member",
       "google_secret_manager_secret", "google_secret_manager_secret_version"}
# Alerts (docs/alerts.md): only where the record names channels for that cloud.
GCP_ALERTS = {"google_logging_metric", "google_monitoring_alert_policy"}
AZURE_ALERTS = {"azurerm_monitor_activity_log_alert"}
AZURE = {"azurerm_user_assigned_identity", "azurerm_federated_identity_credential",
         "azurerm_role_assignment", "azurerm_pim_active_role_assignment",
         "azurerm_key_vault", "azurerm_key_vault_secret"}
# What a locked agent's stack never holds: what admits a branch or a token, grants a
# role, or holds a deploy key (its role, account, identity, environments, variables and
# the stores themselves stay).
LOCKED_AWAY = {"github_repository_environment_deployment_policy",
               "aws_secretsmanager_secret", "aws_secretsmanager_secret_policy",
               "aws_secretsmanager_secret_version", "google_secret_manager_secret",
               "google_secret_manager_secret_version", "azurerm_federated_identity_credential",
               "azurerm_role_assignment", "azurerm_pim_active_role_assignment",
               "azurerm_key_vault_secret", "github_app_installation_repositories"}
# Resource types agentid tags (AWS, Azure) or labels (Google Cloud) with the agent's
# tags: who it belongs to, who owns it, when it expires.
TAGGED = {"aws_iam_role", "aws_iam_policy", "aws_kms_key", "aws_secretsmanager_secret",
          "aws_cloudwatch_event_rule",
          "azurerm_user_assigned_identity", "azurerm_key_vault", "azurerm_key_vault_secret",
          "azurerm_monitor_activity_log_alert"}
LABELLED = {"google_kms_crypto_key", "google_secret_manager_secret"}
FOUNDATION_TYPES = {"aws_iam_openid_connect_provider", "google_iam_workload_identity_pool",
                    "google_iam_workload_identity_pool_provider"}


def stack_matches_record(stack: Stack, report: Reporter) -> Iterator[Finding]:
    """A stack with no record is an orphan; a tombstone's stack holds no resources.

    Live records without a stack are reported by :func:`missing_stacks`, which needs
    every stack at once.
    """
    if stack.name == FOUNDATION:
        return
    if stack.agent is None:
        yield report(stack.name, "no record in the identities file has this name: an "
                                 "orphan stack (revoke the agent with a tombstone instead)")
        return
    if not expect.live(stack.agent):
        for resource in stack.resources():
            yield report(resource.address, "the agent is revoked: its stack must hold no "
                                           "resources")


def missing_stacks(names: set[str], identities: Any) -> Iterator[Finding]:
    """A finding per record (and the foundation) whose stack is not in the output."""
    for name in sorted(expect.record_names(identities) - names):
        yield Finding(STACK_MATCHES_RECORD.id, name, name,
                      "the record calls for this stack but the output has none (synthesize "
                      "the whole file)")


def resources_from_record(stack: Stack, report: Reporter) -> Iterator[Finding]:
    """Every resource is of a type agentid writes for what the record uses (a locked
    agent's: none that admits a branch or token, grants a role or holds a key)."""
    identities, agent = stack.identities, stack.agent
    if stack.name == FOUNDATION:
        allowed = set(FOUNDATION_TYPES)
        if identities.defaults.github.identities is not None:
            allowed.add("github_repository_ruleset")
    elif agent is None or not expect.live(agent):
        return  # orphans and tombstones: see stack_matches_record
    else:
        allowed = set(GITHUB)
        if expect.holds_deploy_keys(agent):
            allowed |= DEPLOY_KEY
        if expect.app_selected_repositories(agent) is not None:
            allowed |= GITHUB_APP
        for uses, types in ((expect.uses_aws, AWS), (expect.uses_gcp, GCP),
                            (expect.uses_azure, AZURE)):
            if uses(identities, agent):
                allowed |= types
        if expect.aws_alert_topics(identities, agent):
            allowed |= AWS_ALERTS
        if expect.uses_gcp(identities, agent) and expect.gcp_channels(identities, agent):
            allowed |= GCP_ALERTS
        if expect.uses_azure(identities, agent) and expect.azure_action_groups(identities,
                                                                               agent):
            allowed |= AZURE_ALERTS
        if expect.locked(agent):
            allowed -= LOCKED_AWAY
    for resource in stack.resources():
        if resource.kind not in allowed:
            yield report(resource.address, f"a {resource.kind} is nothing agentid writes "
                                           "for this record")


def resources_tagged(stack: Stack, report: Reporter) -> Iterator[Finding]:
    """Every taggable resource carries the agent's ``agent``, ``owner``, ``expires`` and
    ``managed-by`` tags (labels on Google Cloud)."""
    agent = stack.agent
    if agent is None or not expect.live(agent):
        return
    for resource in stack.resources(*TAGGED, *LABELLED):
        key, want = ("labels", gcp_labels(agent)) if resource.kind in LABELLED else (
            "tags", tags(agent))
        got = resource.get(key)
        got = got if isinstance(got, dict) else {}
        wrong = sorted(k for k, v in want.items() if got.get(k) != v)
        if wrong:
            yield report(resource.address, f"{key} {', '.join(wrong)} are not the agent's "
                                           f"({', '.join(f'{k}={want[k]}' for k in wrong)})")


STACK_MATCHES_RECORD = Invariant(
    "AgentId-Verify-StackMatchesRecord", TARGET, "Every stack matches a record and every "
    "record has its stack; a revoked agent's stack holds no resources.",
    stack_matches_record)
RESOURCES_FROM_RECORD = Invariant(
    "AgentId-Verify-ResourcesFromRecord", TARGET, "Every resource is of a type agentid "
    "writes for what the record uses.", resources_from_record)

RESOURCES_TAGGED = Invariant(
    "AgentId-Verify-ResourcesTagged", TARGET, "Every taggable resource carries the agent's "
    "`agent`, `owner`, `expires` and `managed-by` tags (labels on Google Cloud).",
    resources_tagged)

INVARIANTS = (STACK_MATCHES_RECORD, RESOURCES_FROM_RECORD, RESOURCES_TAGGED)
