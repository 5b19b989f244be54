"""The identity card: who an agent is and what it may do, in plain words (pure).

The same card heads an agent's section in a review packet and is the block a
run record carries (``agentid card NAME --run-id ID``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..aws.plan import has_role
from ..azure.plan import assignment_kind, assignment_summary, role_assignments, uses_azure
from ..azure.plan import plan_secret_store as plan_azure_store
from ..gcp.plan import role_bindings, service_account_email, uses_gcp
from ..model import Agent, IdentitiesFile
from ..names import principal, role_name
from ..plan import environment_of, job_workflow_ref, uses_store
from ..subjects import BOTH, IMMUTABLE, accepted_subjects, form_of


@dataclass(frozen=True)
class IdentityCard:
    """Everything a reviewer or a run record needs to know about one identity."""

    name: str
    principal: str
    description: str
    owner: str
    rotation_owner: str
    approvers: tuple[str, ...]
    expires: date
    days_left: int
    credential_source: str
    runs_on: tuple[str, ...]
    scope: tuple[str, ...]
    deploy_keys: tuple[str, ...]
    must_never_hold: tuple[str, ...]
    escalations: tuple[str, ...]
    revoked: str | None
    revocation: str
    revocation_command: str
    expiry_enforcement: str = "the cloud refuses the identity from that date"


def revocation_command(name: str) -> str:
    """The exact command that applies a tombstone: a deploy of the emptied stack."""
    return f"npx cdktn deploy {name}"


def identity_card(agent: Agent, identities: IdentitiesFile, today: date) -> IdentityCard:
    """The card of ``agent`` as of ``today``."""
    aws = identities.defaults.aws
    minutes = identities.defaults.policy.max_session_minutes
    if has_role(agent, identities) and aws is not None:
        source = (f"GitHub Actions OIDC token, exchanged with AWS STS "
                  f"(AssumeRoleWithWebIdentity) for role {role_name(agent.name)} in account "
                  f"{aws.account_id}; sessions last at most {minutes} minutes; no long-lived "
                  "keys")
    else:
        source = ""
    gcp = identities.defaults.gcp
    if uses_gcp(agent) and gcp is not None:
        source += ("; " if source else "") + (
            f"GitHub Actions OIDC token, exchanged through workload identity pool "
            f"{gcp.pool_id} for service account {service_account_email(gcp, agent.name)} "
            "(short-lived tokens; no keys)")
    azure = identities.defaults.azure
    if uses_azure(agent) and azure is not None:
        source += ("; " if source else "") + (
            f"GitHub Actions OIDC token, exchanged with Entra ID through an exact federated "
            f"credential for managed identity agent-{agent.name} in subscription "
            f"{azure.subscription_id} (short-lived tokens; no secrets; Azure checks the "
            "exact subject only: rename-proof where the subject is immutable, by name "
            "alone where it is legacy); "
            f"{assignment_summary(identities, agent)}")
    source = source or "GitHub Actions OIDC token; no cloud role"
    runs = []
    github = identities.defaults.github
    for run in agent.runs_on:
        where = f"{run.repo} (id {run.repo_id}), environment {environment_of(agent, run)}"
        pin = job_workflow_ref(run)
        runs.append(where + (f", only workflow {pin}" if pin else "")
                    + _subject_line(form_of(github, run), accepted_subjects(github, agent, run),
                                    uses_azure(agent)))
    scope: list[str] = []
    if agent.aws is not None:
        for level, arns in agent.aws.access.levels().items():
            scope.extend(f"AWS {level} access on {arn}" for arn in arns)
        for statement in agent.aws.statements:
            line = f"AWS {', '.join(statement.actions)} on {', '.join(statement.resources)}"
            scope.append(line + (f" ({statement.reason})" if statement.reason else ""))
    scope.extend(f"GCP {b.role} on {b.resource_name} (until {agent.expires})"
                 for b in role_bindings(agent, identities))
    until = (f"PIM, ends {agent.expires}" if assignment_kind(identities) == "pim"
             else "plain assignment, no end date in Azure")
    scope.extend(f"Azure {a.role} at {a.scope_name} ({until})"
                 for a in role_assignments(agent, identities))
    if uses_azure(agent) and azure is not None and uses_store(agent, "azure"):
        store = plan_azure_store(agent, identities)
        scope.extend(f"Azure {store.reader_role} on Key Vault secret {s.name} ({until})"
                     for s in store.secrets)
    keys = tuple(f"{key.access} deploy key on {key.repo}" for key in agent.github.deploy_keys)
    escalations = tuple(f"{e.on}: {e.reason} (approved by {e.approved_by})"
                        for e in agent.escalations)
    revoked = (None if agent.revoked is None else
               f"on {agent.revoked.on} by {agent.revoked.by}: {agent.revoked.reason}")
    return IdentityCard(
        name=agent.name,
        principal=principal(agent.name),
        description=agent.description,
        owner=agent.owner,
        rotation_owner=agent.rotation_owner,
        approvers=agent.approvers,
        expires=agent.expires,
        days_left=(agent.expires - today).days,
        credential_source=source,
        runs_on=tuple(runs),
        scope=tuple(scope) or ("no cloud permissions",),
        deploy_keys=keys,
        must_never_hold=agent.must_never_hold,
        escalations=escalations,
        revoked=revoked,
        revocation=(f"add `revoked: {{on: {today}, by: \"{agent.owner}\", reason: ...}}` "
                    f"to the record, merge, then run `{revocation_command(agent.name)}`"),
        revocation_command=revocation_command(agent.name),
        expiry_enforcement=_expiry_enforcement(agent, identities),
    )


def _subject_line(form: str, subjects: tuple[str, ...], azure: bool) -> str:
    """How the entry's tokens must name it, and whether that survives a re-created
    repository of the same name."""
    exact = " or ".join(subjects)
    if form == IMMUTABLE:
        return (f"; immutable subject {exact} (rename-proof: the owner and repository ids "
                "are in the subject)")
    if form == BOTH:
        return (f"; accepts BOTH subject forms, {exact} (the repository id is pinned by "
                "the trust's other conditions; not allowed on Azure)")
    note = ("; on Azure a repository re-created under this name would be accepted"
            if azure else "; the repository id is pinned by the trust's other conditions")
    return f"; legacy subject {exact} (names only{note})"


def _expiry_enforcement(agent: Agent, identities: IdentitiesFile) -> str:
    """Who stops honouring the identity at expiry, honestly per cloud."""
    if uses_azure(agent) and assignment_kind(identities) == "plain":
        return ("its AWS or Google Cloud identities, if any, are refused from that date; "
                "Azure's federated credentials and plain role assignments have no end "
                "date, so the expiry rules block the file and the agent must be revoked "
                "(or defaults.azure.time_bound_assignments turned on)")
    if uses_azure(agent):
        return ("the cloud refuses the identity from that date; on Azure, PIM ends its role "
                "assignments, while its federated credentials (which have no end date) go "
                "with revocation")
    return "the cloud refuses the identity from that date"
