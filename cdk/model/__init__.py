"""Records of ``identities.yaml``, schema version 1.

Every model is frozen and forbids unknown keys: a typo is an error, never a
silently ignored setting. Field-level shape lives here; rules that need the
whole file or today's date (expiry windows, owner consistency, duplicates) live
in :mod:`cdk.checks`, one pure function each.

Deliberately absent: any field for a personal access token, a long-lived access
key, or an identity without owner team, approvers or expiry. They cannot be
expressed, so they cannot be merged.

This package is the public schema: every record type and identifier pattern is
importable from ``cdk.model``. Its parts: :mod:`.fields` (patterns, validators,
field types, the :class:`Record` base), :mod:`.defaults` (the ``defaults``
section) and :mod:`.agent` (one agent record); the whole file is defined here.
"""

from __future__ import annotations

from typing import Literal

# Imported in the order they build on each other, so no part is imported from
# inside another's import (tests/test_hostile.py runs at a low recursion limit).
from .fields import (
    ACCOUNT_RE,
    AZURE_LOCATION_RE,
    AZURE_RESOURCE_ID_RE,
    AZURE_RG_RE,
    AZURE_UUID_RE,
    DESCRIPTION_RE,
    ENVIRONMENT_RE,
    GCP_BUCKET_RE,
    GCP_POOL_RE,
    GCP_PROJECT_RE,
    GCP_REGION_RE,
    GCP_SECRET_RE,
    ISO_DATE_RE,
    NAME_RE,
    OWNER_RE,
    PRINCIPAL_RE,
    REF_RE,
    REGION_RE,
    REPO_RE,
    SUBJECT_FORM_HELP,
    SUBJECT_FORMS,
    TEAM_RE,
    WORKFLOW_RE,
    GcpPoolId,
    IsoDate,
    Reason,
    Record,
    RepoId,
    SubjectForm,
    Text,
)

# isort: split
from .agent import (
    AZURE_SCOPE_KINDS,
    GCP_RESOURCE_KINDS,
    Agent,
    AwsAccess,
    AwsScope,
    AwsStatement,
    AzureAccess,
    AzureRole,
    AzureScopeTarget,
    DeployKey,
    GcpResource,
    GcpRole,
    GcpScope,
    GitHubApp,
    GitHubScope,
    Locked,
    Revoked,
    RotationRequest,
    RunsOn,
    Secrets,
)
from .defaults import (
    BACKEND_KINDS,
    Alerts,
    AwsAlerts,
    AwsDefaults,
    AzureAlerts,
    AzureDefaults,
    AzurermBackend,
    Backend,
    CloudBackend,
    Defaults,
    Escalation,
    GcpAlerts,
    GcpDefaults,
    GcsBackend,
    GitHubDefaults,
    IdentitiesRepository,
    LocalBackend,
    PolicyDefaults,
    S3Backend,
)

__all__ = [
    "Alerts",
    "AwsAlerts",
    "AzureAlerts",
    "GcpAlerts",
    "ACCOUNT_RE",
    "AZURE_LOCATION_RE",
    "AZURE_RESOURCE_ID_RE",
    "AZURE_RG_RE",
    "AZURE_SCOPE_KINDS",
    "AZURE_UUID_RE",
    "Agent",
    "AwsAccess",
    "AwsDefaults",
    "AwsScope",
    "AwsStatement",
    "AzureAccess",
    "AzureDefaults",
    "AzureRole",
    "AzureScopeTarget",
    "AzurermBackend",
    "BACKEND_KINDS",
    "Backend",
    "CloudBackend",
    "DESCRIPTION_RE",
    "Defaults",
    "DeployKey",
    "ENVIRONMENT_RE",
    "Escalation",
    "GCP_BUCKET_RE",
    "GCP_POOL_RE",
    "GCP_PROJECT_RE",
    "GCP_REGION_RE",
    "GCP_RESOURCE_KINDS",
    "GCP_SECRET_RE",
    "GcpDefaults",
    "GcpPoolId",
    "GcpResource",
    "GcpRole",
    "GcpScope",
    "GcsBackend",
    "GitHubDefaults",
    "GitHubApp",
    "GitHubScope",
    "ISO_DATE_RE",
    "IdentitiesFile",
    "IdentitiesRepository",
    "IsoDate",
    "LocalBackend",
    "Locked",
    "NAME_RE",
    "OWNER_RE",
    "PRINCIPAL_RE",
    "PolicyDefaults",
    "REF_RE",
    "REGION_RE",
    "REPO_RE",
    "Reason",
    "Record",
    "RepoId",
    "Revoked",
    "RotationRequest",
    "RunsOn",
    "S3Backend",
    "SUBJECT_FORMS",
    "SUBJECT_FORM_HELP",
    "Secrets",
    "SubjectForm",
    "TEAM_RE",
    "Text",
    "WORKFLOW_RE",
]


class IdentitiesFile(Record):
    """The whole ``identities.yaml``."""

    version: Literal[1]
    defaults: Defaults
    agents: tuple[Agent, ...] = ()
