"""Fail closed: every difference in what a stack holds is classified, or it needs approval.

A stack's content is ``address -> attribute -> value``: the synthesized
``cdk.tf.json`` (every resource, data source, provider and the backend, without
``//`` metadata) when review synthesizes, or the plans the stack is built from
with ``--no-synth`` (:mod:`cdk.review.plans`). Each attribute that differs
between base and head is judged by the one rule :data:`RULES` holds for its
kind and name: a *narrowing*, a *broadening* (named), or *harmless* (each rule
says why). A difference no rule classifies is *unclassified*: like a broadening,
it passes only with a new escalation, and the packet names its stack, resource
and attribute. Values that differ only by the agent's ``expires`` date are
judged by the expiry gate (against the base's limit), not here.

This module is the one list of those rules; the judges are in
:mod:`cdk.review.verdicts`, the comparison that applies them in
:mod:`cdk.review.changes`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..github.rotation_plan import rotation_triggers
from ..names import AGENT_TAG, MANAGED_BY_TAG
from .verdicts import (
    BROADENING,
    EXPIRY,
    HARMLESS,
    NARROWING,
    NEEDS_APPROVAL,
    UNCLASSIFIED,
    Judge,
    LockForm,
    Verdict,
    admits_no_branch,
    app_permissions,
    assignment_kind,
    branch_policy_admits_nothing,
    broadens,
    credentials,
    denies,
    denies_everything,
    deny_policy,
    grants,
    harmless,
    holds_no_secret,
    longer_broadens,
    pin,
    policy,
    pool_condition,
    read_only,
    repositories,
    service_account_disabled,
    set_id,
    stored_secrets,
    trust,
    trust_admits_nothing,
    unpinned_admitting_nothing,
)

__all__ = ["BROADENING", "EXPIRY", "HARMLESS", "NARROWING", "NEEDS_APPROVAL", "UNCLASSIFIED"]


@dataclass(frozen=True)
class Rule:
    """How differences of ``attributes`` of resources of ``kinds`` are judged, and why."""

    kinds: tuple[str, ...]
    attributes: tuple[str, ...]
    judge: Judge
    reason: str


_EVERY_KIND = ("*",)
# Tags the isolation denies read (aws:ResourceTag/agent, aws:ResourceTag/managed-by):
# a change to them changes which resources another agent is denied.
_GUARD_TAGS = (AGENT_TAG, MANAGED_BY_TAG)
_METADATA = ("metadata for people and inventories (owner, expires); a change to a tag the "
             f"isolation denies read ({', '.join(_GUARD_TAGS)}) is unclassified")


def _tags(old: Any, new: Any) -> Verdict | None:
    before = old if isinstance(old, dict) else {}
    after = new if isinstance(new, dict) else {}
    if any(before.get(tag) != after.get(tag) for tag in _GUARD_TAGS):
        return None
    return HARMLESS, _METADATA

def _rotation(old: Any, new: Any) -> Verdict | None:
    """A deploy key's ``time_static`` triggers (:mod:`cdk.github.rotation_plan`)."""
    if not (_is_schedule(old) and _is_schedule(new)):
        return None
    before, after = int(old["every_days"]), int(new["every_days"])
    if after > before:
        return BROADENING, f"deploy key rotation days {before} -> {after}"
    return NARROWING, (f"keys replaced at the next deploy (schedule from {new['anchor']} "
                       f"every {after} days)")


def _is_schedule(value: Any) -> bool:
    if not isinstance(value, dict) or not str(value.get("every_days", "")).isdigit():
        return False
    requested = value.get("requested")
    return isinstance(requested, str) and value == rotation_triggers(
        int(value["every_days"]), requested)


_EXPIRY_RE = re.compile(
    r'\$\{timeadd\("\d{4}-\d\d-\d\dT00:00:00Z", format\("%dh", 24 \* \d+ \* '
    r"\(max\(floor\(\(local\.agentid_plan_day - \d+\) / \d+\), 0\) \+ 1\)\)\)\}")


def _rotation_expiry(old: Any, new: Any) -> Verdict | None:
    if all(isinstance(v, str) and _EXPIRY_RE.fullmatch(v) for v in (old, new)):
        return HARMLESS, "the end of the key's rotation period moves with its schedule"
    return None


# Alerts (docs/alerts.md): resources of the agent's stack that watch it and tell
# people; adding, changing or removing them grants nothing and takes nothing away.
ALERT_KINDS = ("aws_cloudwatch_event_rule", "aws_cloudwatch_event_target", "plan.aws_alerts",
               "google_logging_metric", "google_monitoring_alert_policy", "plan.gcp_alerts",
               "azurerm_monitor_activity_log_alert", "plan.azure_alerts")
_ALERTS = ("alerts watch the agent and tell people; adding, changing or removing them "
           "neither broadens nor narrows access")

RULES: tuple[Rule, ...] = (
    # Harmless: what no access decision depends on.
    Rule(_EVERY_KIND, ("tags", "tags_all", "labels"), _tags, _METADATA),
    Rule(_EVERY_KIND, ("description", "display_name", "justification"),
         harmless("human-readable text; grants nothing"), "human-readable text; grants nothing"),
    Rule(("github_actions_environment_variable", "plan.environment"), ("value", "variables"),
         harmless("names the identity a run uses; what it may do is compared on its own "
                  "resources"),
         "environment variables name the identity a run uses (role ARN, region, client id); "
         "what that identity may do is compared on its own resources"),
    Rule(ALERT_KINDS, _EVERY_KIND, harmless(_ALERTS), _ALERTS),
    # Policy documents, compared as statement rows.
    Rule(("aws_iam_role", "plan.aws_role"), ("assume_role_policy", "trust_policy"), trust,
         "trust: a new subject, repository id or a lifted pin broadens; removed ones narrow; "
         "any other condition or principal change is unclassified"),
    Rule(("aws_iam_role_policy", "aws_iam_policy", "aws_kms_key",
          "aws_secretsmanager_secret_policy", "plan.aws_scope"),
         ("policy", "permissions", "boundary"), policy,
         "policy documents: an allow added or a deny removed broadens; the reverse narrows"),
    # Weakened controls.
    Rule(("aws_iam_role", "plan.aws_role"), ("max_session_duration",),
         longer_broadens("session seconds"), "a longer session outlives a revocation longer"),
    Rule(("plan.deploy_key",), ("rotation_days",),
         longer_broadens("deploy key rotation days"), "a key that lives longer is a wider "
         "exposure"),
    Rule(("time_static",), ("triggers",), _rotation,
         "a deploy key's schedule: more days between rotations broadens; any other change "
         "(a rotate request, fewer days) replaces the keys at the next deploy and narrows; "
         "triggers that are not the schedule's are unclassified"),
    Rule(("plan.deploy_key",), ("requested",),
         lambda old, new: (NARROWING, f"keys rotated on request: {old or '(none)'} -> "
                                      f"{new or '(none)'}"),
         "a rotate request replaces the keys at the next deploy and restarts the schedule"),
    Rule(("azurerm_key_vault_secret",), ("expiration_date",), _rotation_expiry,
         "a stored key expires at the end of its rotation period, which moves with the "
         "schedule (judged on the time_static's triggers); any other expiry is "
         "unclassified"),
    Rule(("github_repository_deploy_key", "plan.deploy_key"), ("read_only",), read_only,
         "write access to a repository is a grant"),
    Rule(("github_repository_environment", "plan.environment"),
         ("reviewers", "reviewer_teams", "reviewer_users"), broadens("required reviewers"),
         "fewer or different approvers change who may release a run's credentials; any "
         "change needs an approval"),
    Rule(("github_repository_environment",), ("deployment_branch_policy",),
         broadens("deployment branch policy"), "which branches may deploy is the run's pin"),
    Rule(("github_repository_environment_deployment_policy", "plan.environment"),
         ("branch_pattern", "tag_pattern"), pin,
         "a dropped or moved workflow pin lets other code obtain the credentials"),
    Rule(("terraform.backend",), _EVERY_KIND, broadens("state backend"),
         "state holds deploy keys' private halves: writing it elsewhere is a grant to "
         "whoever reads there"),
    Rule(("plan.gcp_service_account",), ("bindings", "workload_identity_members"),
         grants("Google Cloud grants"), "bindings and impersonation members are grants"),
    Rule(("plan.gcp_service_account",), ("denied_permissions",),
         denies("denied on Google Cloud"), "deny policy permissions guard the agent"),
    Rule(("plan.azure_identity",), ("credentials",), credentials,
         "federated credentials are grants: a new subject broadens, unless it is the "
         "immutable subject of a job whose legacy subject it replaces (a respelling that "
         "pins the ids); removed ones narrow"),
    Rule(("plan.azure_identity",), ("assignments",), grants("Azure grants"),
         "role assignments are grants"),
    Rule(("plan.azure_identity", "plan.secret_store"), ("assignment_kind",), assignment_kind,
         "time-bound assignments make Azure end access at expiry"),
    Rule(("google_iam_workload_identity_pool_provider", "plan.gcp_pool"),
         ("attribute_condition",), pool_condition,
         "the pool's condition lists the exact repository ids, environments and subjects "
         "it admits: a new job or a second subject form broadens, a legacy subject "
         "respelled immutable with the same ids or one removed narrows; any other change "
         "is unclassified"),
    Rule(("google_iam_deny_policy",), ("rules",), deny_policy,
         "a permission no longer denied broadens; one newly denied narrows; a change to "
         "whom the rules deny is unclassified"),
    # The agent's GitHub App (docs/review.md, "The agent's GitHub App").
    Rule(("plan.github_app",), ("permissions",), app_permissions,
         "the agent's GitHub App: a new permission or a higher level (read -> write) "
         "broadens; one removed or lowered narrows; any other value is unclassified"),
    Rule(("plan.github_app",), ("repositories",), repositories("GitHub App repositories"),
         "the repositories the agent's GitHub App is installed on: one added broadens, "
         "one removed narrows"),
    Rule(("github_app_installation_repositories",), ("selected_repositories",),
         repositories("App installation repositories"),
         "the repositories the App's installation may act on: one added broadens, one "
         "removed narrows"),
    Rule(("plan.github_app",), ("app_id",), set_id("GitHub App id"),
         "which App the agent's environment names: set or changed broadens (an App whose "
         "key mints the agent's tokens); removed narrows"),
    Rule(("plan.github_app", "github_app_installation_repositories"), ("installation_id",),
         set_id("GitHub App installation"),
         "the installation makes the App's access real: set or changed broadens, even "
         "when its permissions were reviewed before; removed narrows"),
    Rule(("plan.secret_store",), ("secrets",), stored_secrets,
         "the secrets the agent's identity reads (deploy keys' private halves, its GitHub "
         "App's key): one added or changed broadens, one removed narrows"),
    Rule(("terraform",), ("required_providers",),
         harmless("provider versions the code pins; they change with providers added or "
                  "removed, whose resources are judged on their own"),
         "provider versions the code pins; they change with providers added or removed, "
         "whose resources are judged on their own"),
)

_INDEX: dict[tuple[str, str], Rule] = {
    (kind, attribute): rule for rule in RULES for kind in rule.kinds
    for attribute in rule.attributes}


def rule_for(kind: str, attribute: str) -> Rule | None:
    """The rule for ``attribute`` of resources of ``kind`` (most specific first)."""
    return _INDEX.get((kind, attribute)) or _INDEX.get((kind, "*")) or _INDEX.get(
        ("*", attribute))


@dataclass(frozen=True)
class LockRule:
    """The value a lock writes into ``attributes`` of resources of ``kinds``: for a
    locked head, that value narrows whatever the base held; for an unlocked head whose
    base was locked, leaving it broadens. Any other value is judged by :data:`RULES`."""

    kinds: tuple[str, ...]
    attributes: tuple[str, ...]
    form: LockForm
    reason: str


LOCK_RULES: tuple[LockRule, ...] = (
    LockRule(("aws_iam_role", "plan.aws_role"), ("assume_role_policy", "trust_policy"),
             trust_admits_nothing,
             "the lock's trust: exactly one statement, a deny of "
             "sts:AssumeRoleWithWebIdentity to the federated provider, nothing allowed"),
    LockRule(("aws_iam_role_policy", "aws_iam_policy", "plan.aws_scope"),
             ("policy", "permissions", "boundary"), denies_everything,
             "the lock's inline policy and boundary: exactly one statement, a deny of every "
             "action on every resource without a condition"),
    LockRule(("github_repository_environment",), ("deployment_branch_policy",),
             branch_policy_admits_nothing,
             "the lock's environment: custom branch policies on, protected branches off "
             "(its deployment policies are removed, each judged on its own)"),
    LockRule(("google_service_account", "plan.gcp_service_account"), ("disabled",),
             service_account_disabled,
             "the lock's service account: disabled (Google rejects its tokens)"),
    LockRule(("plan.environment",), ("admits_no_branch",), admits_no_branch,
             "the lock's environment plan: it admits no branch"),
    LockRule(("plan.environment",), ("branch_pattern", "tag_pattern"),
             unpinned_admitting_nothing,
             "the pin leaves an environment plan that admits no branch at all"),
    LockRule(("plan.secret_store",), ("secrets",), holds_no_secret,
             "the lock's secret store: the container stays (unlocking writes only new "
             "secrets), holding no secret"),
)

_LOCK_INDEX: dict[tuple[str, str], LockRule] = {
    (kind, attribute): rule for rule in LOCK_RULES for kind in rule.kinds
    for attribute in rule.attributes}


def lock_rule_for(kind: str, attribute: str) -> LockRule | None:
    """The lock's form for ``attribute`` of resources of ``kind``, if the lock writes one."""
    return _LOCK_INDEX.get((kind, attribute))

def _app_created(body: Mapping[str, Any]) -> Verdict:
    """A GitHub App declared on an agent that had none: what it may do, and on what."""
    permissions = body.get("permissions")
    names = body.get("repositories")
    if not (isinstance(permissions, dict) and isinstance(names, (list, tuple))):
        return UNCLASSIFIED, "a GitHub App whose plan is not recognised"
    note = ("new GitHub App: " + ", ".join(f"{k}: {v}" for k, v in sorted(permissions.items()))
            + " on " + ", ".join(str(n) for n in names))
    if body.get("app_id") is not None:
        note += f" (App id {body['app_id']})"
    if body.get("installation_id") is not None:
        note += f" (installation {body['installation_id']})"
    return BROADENING, note


def _installation_created(body: Mapping[str, Any]) -> Verdict:
    names = body.get("selected_repositories")
    if not isinstance(names, (list, tuple)):
        return UNCLASSIFIED, "an App installation whose repositories are not recognised"
    return BROADENING, (f"App installation {body.get('installation_id')} may act on "
                        + ", ".join(str(n) for n in names))


# Kinds whose creation broadens with a note read from the created resource.
CREATED: dict[str, tuple[Callable[[Mapping[str, Any]], Verdict], str]] = {
    "plan.github_app": (_app_created, "a GitHub App declared on an agent that had none "
                                      "(its permissions and repositories are named); an "
                                      "unrecognised plan is unclassified"),
    "github_app_installation_repositories": (
        _installation_created, "the App's installation may now act on its repositories"),
}

# Kinds whose creation is harmless or narrows, and whose removal narrows; every
# other creation broadens and every other removal is unclassified.
_PROVIDER = ("a provider block only configures how resources are managed; the resources "
             "it manages are judged on their own")
# The plan day of a stack with deploy keys (cdk/github/rotation_plan.py).
_LOCALS = ("a local value only computes (the plan's day, for the rotation schedule); it is "
           "judged where it is used")
CREATION: dict[str, Verdict] = {
    "data": (HARMLESS, "a data source only reads; its value is judged where it is used"),
    "provider": (HARMLESS, _PROVIDER),
    "locals": (HARMLESS, _LOCALS),
    "github_repository_ruleset": (NARROWING, "GitHub now enforces the review of this file"),
    "plan.identities_ruleset": (NARROWING, "GitHub now enforces the review of this file"),
    **{kind: (HARMLESS, _ALERTS) for kind in ALERT_KINDS},
}
# Kinds whose removal is harmless (neither a narrowing nor a broadening).
REMOVAL_HARMLESS: dict[str, str] = {kind: _ALERTS for kind in ALERT_KINDS}
REMOVAL_NARROWS: dict[str, str] = {
    "data": "a data source only reads",
    "provider": _PROVIDER,
    "locals": _LOCALS,
    **{kind: "a grant or credential removed" for kind in (
        "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policies_exclusive",
        "aws_iam_role_policy_attachments_exclusive", "github_repository_deploy_key",
        "tls_private_key", "time_rotating", "time_static", "aws_secretsmanager_secret",
        "aws_secretsmanager_secret_version", "google_service_account",
        "google_service_account_iam_member", "google_project_iam_member",
        "google_storage_bucket_iam_member", "google_secret_manager_secret_iam_member",
        "google_secret_manager_secret", "google_secret_manager_secret_version",
        "azurerm_user_assigned_identity", "azurerm_federated_identity_credential",
        "azurerm_role_assignment", "azurerm_pim_active_role_assignment",
        "azurerm_key_vault_secret", "plan.aws_role", "plan.aws_scope", "plan.deploy_key",
        "plan.secret_store", "plan.gcp_service_account", "plan.azure_identity",
        "plan.github_app", "github_app_installation_repositories")},
    **{kind: "an environment goes with its runs_on entry, whose subject leaves the trust "
             "in the same change" for kind in (
        "github_repository_environment", "github_repository_environment_deployment_policy",
        "github_actions_environment_variable", "plan.environment")},
}


# (created kind, removed kind, attributes that must match, verdict): one resource
# replacing another that grants the same thing, judged as a pair.
REPLACEMENTS: tuple[tuple[str, str, tuple[str, ...], Verdict], ...] = (
    ("azurerm_pim_active_role_assignment", "azurerm_role_assignment",
     ("scope", "role_definition_id", "principal_id"),
     (NARROWING, "the same role assignment, now time-bound: Azure ends it at expiry")),
    ("azurerm_role_assignment", "azurerm_pim_active_role_assignment",
     ("scope", "role_definition_id", "principal_id"),
     (BROADENING, "the same role assignment, no longer time-bound: Azure no longer ends it "
                  "at expiry")),
)


# The identity a cloud's resources guard or serve: once it is gone from a stack,
# removing the rest of that cloud's resources there takes nothing from anyone.
PRINCIPALS = {"aws_": "aws_iam_role", "google_": "google_service_account",
              "azurerm_": "azurerm_user_assigned_identity", "plan.aws_": "plan.aws_role"}


def explain_rules() -> list[tuple[str, str, str]]:
    """(kinds, attributes, reason) of every rule, for docs/review.md's gate list."""
    rows = [(", ".join(r.kinds), ", ".join(r.attributes), r.reason) for r in RULES]
    rows += [(kind, "(created)", f"{verdict}: {reason}")
             for kind, (verdict, reason) in sorted(CREATION.items())]
    rows += [(kind, "(created)", f"{BROADENING}: {reason}")
             for kind, (_, reason) in sorted(CREATED.items())]
    by_reason: dict[str, list[str]] = {}
    for kind, reason in REMOVAL_NARROWS.items():
        by_reason.setdefault(reason, []).append(kind)
    rows += [(", ".join(sorted(kinds)), "(removed)", f"{NARROWING}: {reason}")
             for reason, kinds in sorted(by_reason.items())]
    rows += [(kind, "(removed)", f"{HARMLESS}: {reason}")
             for kind, reason in sorted(REMOVAL_HARMLESS.items())]
    rows += [(f"{prefix}* without a {principal} left in the stack", "(removed)",
              f"{NARROWING}: nothing is left for it to guard or serve")
             for prefix, principal in PRINCIPALS.items()]
    rows.append(("*", "(removed together with a narrowing removal it references, or that "
                      "references it)", f"{NARROWING}: a guard goes with what it guards"))
    rows += [(f"{created} replacing {removed}", ", ".join(keys), f"{verdict}: {reason}")
             for created, removed, keys, (verdict, reason) in REPLACEMENTS]
    rows += [(", ".join(r.kinds), ", ".join(r.attributes),
              f"agent locked: {NARROWING} (unlocked: {BROADENING}): {r.reason}")
             for r in LOCK_RULES]
    rows.append(("* of an agent locked in the base or the head",
                 "(its record, judged as if unlocked)",
                 "every rule above, on the plans of both records without their lock: what "
                 "unlocking would grant is judged in the change that writes it"))
    rows.append(("*", "(any value that differs only by `expires`)",
                 "judged by AgentId-Review-ExpiryBeyondPolicy against the base's limit"))
    return rows
