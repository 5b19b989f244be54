"""Each cloud's audit queries for one agent, as plain data (pure).

The names come from the plan functions the stacks use (``cdk/names.py`` and each
target's ``plan.py``), never recomputed here, so a query filters on exactly the
principal the agent's stack creates: the role ``agent-<name>`` by its full ARN, the
service account by its email, the managed identity by its name and resource id,
the deploy keys by their repositories and title. Nothing here loads a provider
binding or reaches a network. Which clouds an agent uses is asked of the target
registry by :func:`cdk.audit.plan.clouds_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..aws.plan import oidc_provider_arn, role_arn
from ..azure.names import identity_id, identity_name
from ..gcp.plan import service_account_email
from ..model import Agent, IdentitiesFile
from ..names import deploy_key_title, role_name
from ..plan import environment_of


@dataclass(frozen=True)
class Query:
    """One ready-to-run query: where to run it, in which language, and what it lists."""

    id: str
    title: str
    language: str
    runs_in: str
    shows: str
    template: str
    refused: bool = False


@dataclass(frozen=True)
class CloudAudit:
    """The queries of one cloud, the inputs they are rendered from, and what they need."""

    cloud: str
    principal: str
    inputs: dict[str, object]
    queries: tuple[Query, ...]
    needs: tuple[str, ...]
    notes: tuple[str, ...]



def aws_audit(agent: Agent, identities: IdentitiesFile, since: date,
              since_ts: str) -> CloudAudit:
    """AWS: CloudTrail (Athena) and Security Lake queries on the role ``agent-<name>``."""
    aws = identities.defaults.aws
    if aws is None:  # pragma: no cover - clouds_of admits aws only with defaults.aws
        raise ValueError("an AWS audit needs defaults.aws")
    region = aws.region.replace("-", "_")
    arn = role_arn(aws, agent.name)
    inputs: dict[str, object] = {
        "role_arn": arn,
        "session_prefix": f"{role_name(agent.name)}-",
        "oidc_provider_arn": oidc_provider_arn(aws),
        "account_id": aws.account_id,
        "since_ts": since_ts,
        "since_day": since.strftime("%Y%m%d"),
        "lake_database": f"amazon_security_lake_glue_db_{region}",
        "lake_table": f"amazon_security_lake_table_{region}_cloud_trail_mgmt_2_0",
    }
    athena = "Athena, over the table of your CloudTrail trail (named cloudtrail_logs here)"
    queries = (
        Query("aws-cloudtrail", "Every API call of the agent's role sessions", "Athena SQL",
              athena, "everything it did; refused calls carry an errorcode (AccessDenied, "
              "UnauthorizedOperation, ...)", "aws_cloudtrail.sql.j2"),
        Query("aws-cloudtrail-refused", "Refused API calls of the agent's role sessions",
              "Athena SQL", athena, "everything it was refused", "aws_cloudtrail.sql.j2",
              refused=True),
        Query("aws-assume-role", "Every attempt to assume the role, refused ones included",
              "Athena SQL", athena, "which GitHub subject got (or was refused) a session, and "
              "the run id it named", "aws_assume_role.sql.j2"),
        Query("aws-security-lake", "Every API call of the role's sessions, in Security Lake "
              "(OCSF)", "Athena SQL", "Athena, over Security Lake's CloudTrail management "
              "events table (source version 2)", "everything it did; refused calls carry "
              "error_code", "aws_security_lake.sql.j2"),
    )
    return CloudAudit(
        cloud="aws", principal=arn, inputs=inputs, queries=queries,
        needs=(
            "A CloudTrail trail delivering management events to S3 (event history alone is "
            "not queryable with SQL, and keeps 90 days), with an Athena table over it "
            "(CloudTrail console: Event history -> Create Athena table). Replace "
            "cloudtrail_logs with its name; with partition projection, add its partition "
            "column to the WHERE clause to scan less.",
            "Data events (S3 object reads and writes, Lambda invokes) only when the trail "
            "records them: management events alone do not show GetObject or PutObject.",
            "For the Security Lake query: Security Lake collecting CloudTrail management "
            "events (source version 2) in this account; its database and table are named "
            "after the rollup region, taken here as defaults.aws.region.",
        ),
        notes=(
            f"Sessions (arn:{aws.partition}:sts::{aws.account_id}:assumed-role/"
            f"{role_name(agent.name)}/<session name>) are matched on their issuer, the role's "
            f"exact ARN {arn}, never on a name prefix: no other agent's role matches.",
            "The run id is read from the session name. The example workflow names sessions "
            f"{role_name(agent.name)}-<run id> (role-session-name in "
            "examples/agent-workflow.yml); a workflow that leaves it unset gets "
            "configure-aws-credentials' default GitHubActions, which holds no run id, and "
            "run_id is then empty. The workflow chooses the name and the role's trust does "
            "not pin it: confirm a run against GitHub's deployments of the environment.",
        ))


def gcp_audit(agent: Agent, identities: IdentitiesFile, since: date,
              since_ts: str) -> CloudAudit:
    """Google Cloud: Cloud Logging queries on the service account's exact email."""
    gcp = identities.defaults.gcp
    if gcp is None:  # pragma: no cover - clouds_of admits gcp only with defaults.gcp
        raise ValueError("a Google Cloud audit needs defaults.gcp")
    email = service_account_email(gcp, agent.name)
    inputs: dict[str, object] = {
        "email": email,
        "service_account_name": f"projects/-/serviceAccounts/{email}",
        "project_id": gcp.project_id,
        "since_ts": since_ts,
    }
    explorer = f"Logs Explorer of project {gcp.project_id}, or the gcloud command under it"
    queries = (
        Query("gcp-audit-logs", "Every call the service account made", "Cloud Logging query",
              explorer, "everything it did; refused calls have protoPayload.status.code 7 "
              "(PERMISSION_DENIED)", "gcp_audit_logs.logging.j2"),
        Query("gcp-audit-logs-refused", "Calls refused to the service account",
              "Cloud Logging query", explorer, "everything it was refused (PERMISSION_DENIED)",
              "gcp_audit_logs.logging.j2", refused=True),
        Query("gcp-token-grants", "Access tokens issued for the service account",
              "Cloud Logging query", explorer, "which federated GitHub principal impersonated "
              "it, and when", "gcp_token_grants.logging.j2"),
    )
    return CloudAudit(
        cloud="gcp", principal=email, inputs=inputs, queries=queries,
        needs=(
            "Admin Activity audit logs: always on, kept 400 days (_Required bucket).",
            "Data Access audit logs (DATA_READ, DATA_WRITE) for the services it uses (Cloud "
            "Storage, Secret Manager, ...) and for the IAM Service Account Credentials API "
            "(token grants): off by default (IAM & Admin -> Audit Logs); without them reads, "
            "writes and refused reads do not appear. The _Default bucket keeps them 30 days.",
        ),
        notes=(
            f"Matched on the service account's exact email {email}, never a substring: no "
            "other agent's service account matches.",
            "A call made with an impersonated token shows the GitHub principal (repository "
            "id and environment) under protoPayload.authenticationInfo."
            "serviceAccountDelegationInfo.",
        ))


def azure_audit(agent: Agent, identities: IdentitiesFile, since: date,
                since_ts: str) -> CloudAudit:
    """Azure: KQL queries on the managed identity's sign-ins and operations."""
    azure = identities.defaults.azure
    if azure is None:  # pragma: no cover - clouds_of admits azure only with defaults.azure
        raise ValueError("an Azure audit needs defaults.azure")
    name = identity_name(agent.name)
    resource_id = identity_id(azure, agent.name)
    inputs: dict[str, object] = {
        "identity_name": name,
        "identity_id": resource_id,
        "since_ts": since_ts,
    }
    workspace = "Log Analytics workspace that receives the Entra ID and activity logs"
    queries = (
        Query("azure-sign-ins", "Every sign-in of the managed identity, failed ones included",
              "KQL", workspace, "each token it obtained from a GitHub run; failed sign-ins "
              "have a ResultType other than 0", "azure_sign_ins.kql.j2"),
        Query("azure-activity", "Every control-plane operation of the managed identity", "KQL",
              workspace, "everything it did through Azure Resource Manager; refused "
              "operations have ActivityStatusValue Failure", "azure_activity.kql.j2"),
        Query("azure-activity-refused", "Operations refused to the managed identity", "KQL",
              workspace, "everything it was refused (AuthorizationFailed and other failures)",
              "azure_activity.kql.j2", refused=True),
    )
    return CloudAudit(
        cloud="azure", principal=resource_id, inputs=inputs, queries=queries,
        needs=(
            "Entra ID diagnostic settings sending ManagedIdentitySignInLogs to the workspace "
            "(table AADManagedIdentitySignInLogs; needs Entra ID P1 or P2).",
            f"A subscription diagnostic setting sending the Activity log of subscription "
            f"{azure.subscription_id} to the same workspace (table AzureActivity).",
            "Data-plane operations (blob reads and writes, Key Vault secret reads) are only "
            "in each resource's own diagnostic logs (StorageBlobLogs, AzureDiagnostics), "
            "matched on the identity's principal id.",
        ),
        notes=(
            "The record does not know the identity's principal or client id (Azure assigns "
            f"them at deploy time), so sign-ins are matched by the name {name}, exactly; an "
            "identity with that name in another resource group of the tenant would match "
            "too. Pin it with the principal id `az identity show --ids "
            f"{resource_id} --query principalId` prints (ServicePrincipalId), once the "
            "identity exists.",
            "Operations are matched on the ids those sign-ins carry, or on the identity's "
            "resource id in the token's xms_mirid claim.",
        ))


def github_audit(agent: Agent, identities: IdentitiesFile, since: date,
                 since_ts: str) -> CloudAudit:
    """GitHub: audit-log searches on the agent's deploy keys and environments."""
    owner = identities.defaults.github.owner
    title = deploy_key_title(agent.name)
    key_repos = tuple(sorted({key.repo for key in agent.github.deploy_keys}))
    environments = tuple(sorted({(run.repo, environment_of(agent, run))
                                 for run in agent.runs_on}))
    inputs: dict[str, object] = {
        "owner": owner,
        "title": title,
        "since_day": since.isoformat(),
        "key_repos": key_repos,
        "run_repos": tuple(sorted({repo for repo, _ in environments})),
        "environments": environments,
    }
    audit_log = f"the audit log of organization {owner} (Settings -> Audit log), or the gh " \
                "command under it"
    queries = []
    if key_repos:
        queries.append(Query(
            "github-deploy-keys", "Deploy key events on the agent's repositories",
            "GitHub audit-log search", audit_log, "every deploy key added, removed or changed "
            f"there; the agent's keys are titled {title}", "github_deploy_keys.j2"))
    queries.append(Query(
        "github-approvals", "Approvals, rejections and bypasses of the agent's environments",
        "GitHub audit-log search", audit_log, "every job approved, rejected or let through "
        "a bypass in these repositories; each entry names the environment and the workflow "
        "run id", "github_approvals.j2"))
    queries.append(Query(
        "github-deployments", "Runs that entered the agent's environments",
        "shell (gh, GitHub REST API)", "a shell with gh logged in to the organization",
        "each deployment (one per job that entered the environment)"
        + (", and the agent's deploy keys now on each repository" if key_repos else ""),
        "github_deployments.sh.j2"))
    return CloudAudit(
        cloud="github", principal=title, inputs=inputs, queries=tuple(queries),
        needs=(
            "The organization audit log: the web search works on every plan; the REST API "
            "(GET /orgs/{org}/audit-log) needs GitHub Enterprise Cloud. It keeps 180 days "
            "(git events 7): stream it (audit log streaming) to keep more.",
            "Read access to each repository's deployments and deploy keys for the gh "
            "commands.",
        ),
        notes=(
            "The audit-log search cannot filter on a key's title or an environment's name: "
            "it is narrowed to the agent's repositories, and each entry names the key or "
            "the environment (env_name) to check.",
        ))
