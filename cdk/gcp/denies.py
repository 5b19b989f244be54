"""The deny policy on an agent's service account: what no role can give it.

Deny policies take permissions in the v2 form ``SERVICE_FQDN/RESOURCE.VERB``; roles
in ``must_never_hold`` cannot be denied this way, so the rules refuse any binding of
them instead (:func:`never_hold_roles`).
"""

from __future__ import annotations

import re

from ..model import Agent
from ..plan import never_hold

# A permission as IAM v1 names it: service.resource.verb (resource may be dotted).
PERMISSION_RE = re.compile(r"^([a-z][a-z0-9]*)\.([a-zA-Z][a-zA-Z0-9.]*)\.([a-zA-Z][a-zA-Z0-9]*)$")
# Services whose deny-policy FQDN is not `<service>.googleapis.com`.
SERVICE_FQDN = {"resourcemanager": "cloudresourcemanager.googleapis.com"}
# Denied to the agent's service account always, whatever its roles say (deny
# policies take the v2 form SERVICE_FQDN/RESOURCE.VERB): no credential minting,
# no impersonation, no IAM changes, no writes to its own deploy-key secrets, and
# (the isolation backstop) no creating, deleting, disabling or enabling service
# accounts, its peers' included, no changes to the workload identity pool, and
# nothing that mutes an alert (ALERT_TAMPER).
ALWAYS_DENIED = (
    "cloudkms.googleapis.com/cryptoKeys.setIamPolicy",
    "cloudresourcemanager.googleapis.com/projects.setIamPolicy",
    "iam.googleapis.com/roles.create",
    "iam.googleapis.com/roles.delete",
    "iam.googleapis.com/roles.update",
    "iam.googleapis.com/serviceAccountKeys.create",
    "iam.googleapis.com/serviceAccounts.actAs",
    "iam.googleapis.com/serviceAccounts.create",
    "iam.googleapis.com/serviceAccounts.delete",
    "iam.googleapis.com/serviceAccounts.disable",
    "iam.googleapis.com/serviceAccounts.enable",
    "iam.googleapis.com/serviceAccounts.getAccessToken",
    "iam.googleapis.com/serviceAccounts.getOpenIdToken",
    "iam.googleapis.com/serviceAccounts.implicitDelegation",
    "iam.googleapis.com/serviceAccounts.setIamPolicy",
    "iam.googleapis.com/serviceAccounts.signBlob",
    "iam.googleapis.com/serviceAccounts.signJwt",
    "iam.googleapis.com/serviceAccounts.undelete",
    "iam.googleapis.com/workloadIdentityPoolProviders.create",
    "iam.googleapis.com/workloadIdentityPoolProviders.delete",
    "iam.googleapis.com/workloadIdentityPoolProviders.undelete",
    "iam.googleapis.com/workloadIdentityPoolProviders.update",
    "iam.googleapis.com/workloadIdentityPools.create",
    "iam.googleapis.com/workloadIdentityPools.delete",
    "iam.googleapis.com/workloadIdentityPools.undelete",
    "iam.googleapis.com/workloadIdentityPools.update",
    "logging.googleapis.com/sinks.delete",
    "logging.googleapis.com/sinks.update",
    "secretmanager.googleapis.com/secrets.setIamPolicy",
    "secretmanager.googleapis.com/versions.add",
    "storage.googleapis.com/buckets.setIamPolicy",
)

# The part of ALWAYS_DENIED that keeps an agent from muting alerts (docs/alerts.md):
# deleting or rewriting a sink (the _Default sink's filter and exclusions decide what
# is stored, so what the log-based metric can count). Every agent's, not only its own:
# deny policies name permissions, not resources. Only permissions that IAM deny
# policies are known to accept are listed (an unsupported one would fail every GCP
# agent's apply); the metric, alert policy, channel, exclusion and snooze writes are
# kept from the agent by the plan-time role check below and AgentId-GcpAlertTamperRole,
# and docs/alerts.md says the deny does not cover them.
ALERT_TAMPER = tuple(p for p in ALWAYS_DENIED
                     if p.split("/", 1)[0] in ("logging.googleapis.com",
                                               "monitoring.googleapis.com"))
# The same in the v1 form a role lists (regular expressions), plus snoozes, which
# silence an alert policy's notifications: a bound role holding any of them is refused
# at plan time (cdk/gcp/roles.py), whatever it is called.
ALERT_TAMPER_PERMISSIONS = (
    r"logging\.(logMetrics|sinks)\.(delete|update)",
    r"logging\.exclusions\.(create|update)",
    r"monitoring\.(alertPolicies|notificationChannels)\.(delete|update)",
    r"monitoring\.snoozes\.(create|update)",
)
# Predefined roles that hold them, refused by name (AgentId-GcpAlertTamperRole);
# roles/logging.admin and roles/monitoring.admin are refused as admin roles already.
ALERT_TAMPER_ROLES = {
    "roles/logging.configWriter": "writes log-based metrics, sinks and exclusions",
    "roles/monitoring.editor": "writes alert policies, notification channels and snoozes",
    "roles/monitoring.alertPolicyEditor": "writes alert policies",
    "roles/monitoring.notificationChannelEditor": "writes notification channels",
    "roles/monitoring.snoozeEditor": "silences alert policies (snoozes)",
}


def permission_v2(permission: str) -> str | None:
    """``storage.objects.delete`` -> ``storage.googleapis.com/objects.delete`` (None if
    not a permission)."""
    match = PERMISSION_RE.match(permission)
    if match is None:
        return None
    service, resource, verb = match.groups()
    return f"{SERVICE_FQDN.get(service, f'{service}.googleapis.com')}/{resource}.{verb}"


def never_hold_roles(agent: Agent) -> tuple[str, ...]:
    """GCP ``must_never_hold`` entries that are roles (checked against the bindings)."""
    return tuple(e for e in never_hold(agent, "gcp") if "/" in e)


def denied_permissions(agent: Agent) -> tuple[str, ...]:
    """Everything the deny policy denies: always-on plus ``must_never_hold`` permissions.

    Roles in ``must_never_hold`` cannot be denied (deny policies take permissions); the
    rules refuse any binding of them instead.
    """
    extra = {v2 for e in never_hold(agent, "gcp") if (v2 := permission_v2(e)) is not None}
    return tuple(sorted(set(ALWAYS_DENIED) | extra))
