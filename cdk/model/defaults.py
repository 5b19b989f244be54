"""The ``defaults`` section: organization, clouds, policy limits, state backend, and
the reviewed escalations both it and the agents carry."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, Strict

from .fields import (
    ACCOUNT_RE,
    AZURE_LOCATION_RE,
    AZURE_RG_RE,
    AZURE_UUID_RE,
    GCP_PROJECT_RE,
    GCP_REGION_RE,
    OWNER_RE,
    PRINCIPAL_RE,
    REGION_RE,
    REPO_RE,
    TEAM_RE,
    GcpPoolId,
    IsoDate,
    OneOf,
    Reason,
    Record,
    SubjectForm,
)


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


# Alert channels the organization already owns (docs/alerts.md). The account,
# project and subscription inside each id are checked against the file's own
# (cdk/checks), so the pattern only fixes the shape.
SNS_TOPIC_ARN_RE = (r"^arn:(?:aws|aws-us-gov|aws-cn):sns:[a-z0-9-]{1,30}:[0-9]{12}:"
                    r"[A-Za-z0-9_-]{1,256}(?:\.fifo)?$")
GCP_CHANNEL_RE = r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/notificationChannels/[0-9]{1,30}$"
AZURE_ACTION_GROUP_RE = (r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w._()]{1,90}/"
                         r"providers/[Mm]icrosoft\.[Ii]nsights/action[Gg]roups/"
                         r"[A-Za-z0-9_.-]{1,260}$")


class AwsAlerts(Record):
    """SNS topics that receive an agent's AWS alerts."""

    topics: Annotated[tuple[Annotated[str, Field(pattern=SNS_TOPIC_ARN_RE)], ...],
                      Field(min_length=1, max_length=5)]


class GcpAlerts(Record):
    """Cloud Monitoring notification channels for an agent's Google Cloud alerts."""

    channels: Annotated[tuple[Annotated[str, Field(pattern=GCP_CHANNEL_RE)], ...],
                        Field(min_length=1, max_length=16)]


class AzureAlerts(Record):
    """Azure Monitor action groups for an agent's Azure alerts."""

    action_groups: Annotated[
        tuple[Annotated[str, Field(pattern=AZURE_ACTION_GROUP_RE)], ...],
        Field(min_length=1, max_length=5)]


class Alerts(Record):
    """Where alerts go, per cloud: in ``defaults`` for every agent, in an agent for
    channels of its own (added to the file's)."""

    aws: AwsAlerts | None = None
    gcp: GcpAlerts | None = None
    azure: AzureAlerts | None = None


class Backend(OneOf):
    """Exactly one backend kind; each agent gets its own state in it."""

    KINDS = BACKEND_KINDS
    ONE_OF = ("choose exactly one backend kind — write `local: {}`, "
              "`s3: {bucket: ..., region: ...}`, `gcs: {bucket: ...}`, "
              "`azurerm: {storage_account: ..., container: ...}` or "
              "`cloud: {organization: ...}`")

    local: LocalBackend | None = None
    s3: S3Backend | None = None
    gcs: GcsBackend | None = None
    azurerm: AzurermBackend | None = None
    cloud: CloudBackend | None = None


class Defaults(Record):
    """Settings shared by every agent in the file."""

    github: GitHubDefaults
    aws: AwsDefaults | None = None
    gcp: GcpDefaults | None = None
    azure: AzureDefaults | None = None
    policy: PolicyDefaults = PolicyDefaults()
    backend: Backend = Backend(local=LocalBackend())
    alerts: Alerts | None = None
    escalations: Annotated[
        tuple[Escalation, ...],
        Field(description="File-level approvals: a change to `defaults` that weakens a "
                          "control (policy limits, backend, Azure time-bound assignments, "
                          "...) needs a new entry, with the same rules as an agent's.")] = ()
