"""Which Google Cloud roles an agent may be bound, on what, and the plan-time check of
every bound role's permissions.

There is no offline catalog of Google's ~2,000 roles here: the lists below catch the
known ways to change IAM or mint credentials by name, a Terraform postcondition
refuses any bound role by what it holds (:func:`postcondition_expression`), and the
deny policy (:mod:`cdk.gcp.denies`) blocks those permissions whatever role carries
them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Path
from ..model import GcpDefaults, GcpRole
from ..names import SECRETS_PREFIX
from .denies import ALERT_TAMPER_PERMISSIONS

WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"
# Predefined roles look like roles/storage.objectViewer; custom roles are named by
# their project or organization.
PREDEFINED_ROLE_RE = re.compile(r"^roles/[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$")
CUSTOM_ROLE_RE = re.compile(
    r"^(projects/(?P<project>[a-z][a-z0-9-]{4,28}[a-z0-9])|organizations/[0-9]{1,20})"
    r"/roles/[a-zA-Z0-9_.]{3,64}$")
BASIC_ROLES = ("roles/owner", "roles/editor", "roles/viewer")
BASIC_WHY = ("a basic role holds thousands of permissions across every service of the "
             "project; bind a predefined role on the one resource the agent needs")
# Roles refused by name, with the reason a reviewer reads. There is no offline catalog
# of Google's ~2,000 roles here: this list and the patterns below catch the known
# ways to change IAM or mint credentials, and the deny policy blocks those
# permissions whatever role carries them.
REFUSED_ROLES = {
    "roles/iam.serviceAccountTokenCreator": "mints access and ID tokens for service "
                                            "accounts (getAccessToken, signBlob, signJwt)",
    "roles/iam.serviceAccountUser": "lets the agent act as other service accounts (actAs)",
    "roles/iam.serviceAccountOpenIdTokenCreator": "mints ID tokens for service accounts",
    "roles/iam.serviceAccountKeyAdmin": "creates service account keys",
    "roles/iam.workloadIdentityUser": "impersonates service accounts",
    "roles/iam.securityAdmin": "sets IAM policy on any resource",
    "roles/iam.securityReviewer": "reads every IAM policy of the project",
}
# Role name patterns refused with their reason. Names only hint at content: every
# bound role is also looked up at plan time and refused by what it holds
# (``IAM_CHANGE_PERMISSIONS``), whatever it is called.
REFUSED_PATTERNS = (
    (re.compile(r"^roles/iam\.[a-zA-Z]*[aA]dmin$"), "administers IAM (roles, service "
     "accounts, keys or policies)"),
    (re.compile(r"^roles/(resourcemanager|orgpolicy|accesscontextmanager|"
                r"privilegedaccessmanager|cloudkms|secretmanager)\.[a-zA-Z]*[aA]dmin$"),
     "administers IAM policies, keys or secrets of the project"),
    (re.compile(r"^roles/[a-zA-Z]+\.admin$"), "a service's admin role includes "
     "setIamPolicy on its resources, so the agent could grant itself more"),
    (re.compile(r"^roles/[a-zA-Z]+\.([a-zA-Z]*[oO]wner)$"), "an owner role (such as "
     "roles/bigquery.dataOwner) includes setIamPolicy on what it owns"),
    (re.compile(r"^roles/[a-zA-Z]+\.[a-zA-Z]*([sS]ecurity|[iI]am|[pP]olicy)[aA]dmin$"),
     "administers IAM or security policies"),
    (re.compile(r"^roles/[a-zA-Z]+\.[a-zA-Z]*([tT]okenCreator|[kK]eyAdmin)$"),
     "mints tokens or keys"),
)
# Permissions that change IAM or mint credentials (v1 form), as regular expressions
# a plan-time postcondition matches against every bound role's included
# permissions: any hit fails the plan, whatever the role is called.
IAM_CHANGE_PERMISSIONS = (
    r".*\.setIamPolicy",
    r"iam\.serviceAccounts\.(actAs|getAccessToken|getOpenIdToken|implicitDelegation"
    r"|signBlob|signJwt|create|update|patch|delete|undelete|enable|disable)",
    r"iam\.serviceAccountKeys\..*",
    r".*\.keys\.create",
    r".*[hH]macKeys\.create",
    r"iam\.roles\.(create|update|delete|undelete)",
    r"iam\.workloadIdentityPool.*\.(create|update|delete|undelete)",
    r"iam\.googleapis\.com/.*",
    r"resourcemanager\.projects\.(setIamPolicy|createPolicyBinding|updatePolicyBinding)",
    r"orgpolicy\.policy\.set",
    r"iam\.denypolicies\..*",
)
# What a role bound on the whole project may not hold at all, on top of the above:
# the project holds every agent's deploy-key secrets, their keys, service accounts
# and the workload identity pool.
PROJECT_FORBIDDEN_PERMISSIONS = (
    r"secretmanager\..*",
    r"cloudkms\..*",
    r"iam\..*",
)
# Services whose roles reach agents' infrastructure when bound on the project.
AGENT_INFRA_SERVICES = ("secretmanager", "cloudkms", "iam")
# Prefix of every deploy-key secret id agentid creates (``gcp_secret_id``).
AGENT_SECRET_PREFIX = SECRETS_PREFIX.replace("/", "-")


def role_problem(role: str, gcp: GcpDefaults) -> tuple[str, str, str] | None:
    """Why a role may not be bound (rule id suffix, message, hint), or None."""
    if role in BASIC_ROLES:
        return ("GcpBasicRole", f"{role} is a basic role: {BASIC_WHY}",
                "use a predefined role such as roles/storage.objectViewer on a bucket")
    custom = CUSTOM_ROLE_RE.match(role)
    if not PREDEFINED_ROLE_RE.match(role) and custom is None:
        return ("GcpRoleName", f"{role!r} is not a role name",
                "write a predefined role as roles/<service>.<roleName> (e.g. "
                "roles/storage.objectViewer) or a custom role as "
                "projects/<project>/roles/<id> or organizations/<id>/roles/<id>")
    if custom is not None and custom.group("project") not in (None, gcp.project_id):
        return ("GcpRoleName", f"{role} is a custom role of another project",
                f"use a custom role of {gcp.project_id} (defaults.gcp.project_id)")
    why = REFUSED_ROLES.get(role) or next(
        (reason for pattern, reason in REFUSED_PATTERNS if pattern.match(role)), None)
    if why is not None:
        return ("GcpPrivilegedRole", f"{role} {why}",
                "changing IAM and minting credentials are human decisions; bind a role "
                "without them")
    return None


def resource_problem(entry: GcpRole, gcp: GcpDefaults) -> tuple[str, str] | None:
    """What is wrong with the resource of a role entry (message, hint), or None."""
    resource = entry.resource
    if resource.project is not None and resource.project != gcp.project_id:
        return (f"project {resource.project} is not {gcp.project_id} of defaults.gcp",
                "agents act only in their own project")
    if resource.project is not None and entry.reason is None:
        return ("a project-wide grant needs a `reason`",
                "bind the role on a bucket or secret, or add `reason:` saying why no "
                "narrower resource exists")
    return None


def agent_resource_problem(entry: GcpRole) -> tuple[str, str] | None:
    """Why a role entry reaches agent-owned infrastructure (message, hint), or None.

    Agents' deploy-key secrets (``agents-...``) are bound only by agentid, for their
    own agent; a Secret Manager, Cloud KMS or IAM role on the whole project reaches
    every agent's secrets, keys, service accounts and the workload identity pool.
    """
    resource = entry.resource
    if resource.kind == "secret" and resource.name.startswith(AGENT_SECRET_PREFIX):
        return (f"secret {resource.name} is named like an agent's deploy-key secret "
                f"({AGENT_SECRET_PREFIX}...), which only agentid binds, for its own agent",
                "remove the binding: an agent reads its own deploy keys through the "
                "binding agentid writes, and never another agent's")
    service = entry.role.removeprefix("roles/").split(".", 1)[0]
    if resource.kind == "project" and entry.role.startswith("roles/") \
            and service in AGENT_INFRA_SERVICES:
        return (f"{entry.role} on the whole project reaches every agent's deploy-key "
                "secrets, keys, service accounts or the workload identity pool",
                "bind it on the one secret or bucket the agent needs (not an agent's)")
    return None


def _refused_patterns(kind: str) -> tuple[str, ...]:
    """The permissions a role bound on a ``kind`` resource may not hold (v1 patterns)."""
    return IAM_CHANGE_PERMISSIONS + ALERT_TAMPER_PERMISSIONS + (
        PROJECT_FORBIDDEN_PERMISSIONS if kind == "project" else ())


def postcondition_expression(kind: str) -> str:
    """Terraform condition on a looked-up role: none of its included permissions
    changes IAM, mints credentials or mutes an alert (on the project: nor touches
    secrets, keys or IAM at all)."""
    alternatives = "|".join(_refused_patterns(kind)).replace("\\", "\\\\")
    return ("${length([for p in self.included_permissions : p "
            f'if can(regex("^({alternatives})$", p))]) == 0}}')


def refused_permissions(permissions: list[str], kind: str) -> list[str]:
    """What :func:`postcondition_expression` refuses among ``permissions`` (for tests
    and review: the same patterns, evaluated in Python)."""
    pattern = re.compile(f"^({'|'.join(_refused_patterns(kind))})$")
    return [p for p in permissions if pattern.match(p)]


@dataclass(frozen=True)
class Binding:
    """One role on one resource for the agent's service account, until expiry."""

    role: str
    kind: str
    resource: str
    path: Path = ()
    internal: bool = False

    @property
    def resource_name(self) -> str:
        """The resource as a reviewer reads it: ``bucket acme-artifacts``."""
        return f"{self.kind} {self.resource}"

    @property
    def construct_id(self) -> str:
        """Keyed by resource and role, not position: reordering changes nothing."""
        return f"{self.kind}_{self.resource}_{self.role}"
