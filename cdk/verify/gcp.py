"""Google Cloud invariants: bindings, the deny policy, and the pool's provider condition.

What the checks share (the always-denied permissions, reading bindings and the pool's
subject mapping) is in :mod:`.gcp_common`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from ..model import Agent, GcpDefaults
from ..names import FOUNDATION, gcp_secret_id, principal
from . import cel, expect
from .core import Finding, Reporter, Stack, listed
from .gcp_common import (
    AGENT_INFRA_SERVICES,
    ALWAYS_DENIED,
    BASIC_ROLES,
    GCP,
    IMPERSONATE,
    PERMISSION_RE,
    SERVICE_FQDN,
    _bindings,
    _email,
    _federated,
    _is_key_service_binding,
    _members,
    _providers,
)


def binding_expiry(stack: Stack, report: Reporter,
                   agent: Agent, gcp: GcpDefaults) -> Iterator[Finding]:
    """Every binding of the agent carries ``request.time < timestamp("<expires>")``."""
    want = f'request.time < timestamp("{expect.expiry(agent)}")'
    for binding in _bindings(stack):
        if _is_key_service_binding(stack, binding, gcp):
            continue
        condition = binding.get("condition")
        expression = condition.get("expression") if isinstance(condition, dict) else None
        if expression != want:
            yield report(binding.address, f"condition {expression!r} is not the expiry "
                                          f"{want!r}")


def binding_principal(stack: Stack, report: Reporter,
                      agent: Agent, gcp: GcpDefaults) -> Iterator[Finding]:
    """Every binding names exactly one principal of the agent: its own service account, or
    one exact federated subject impersonating it; never a pool set or another member."""
    email = _email(gcp, agent.name)
    accounts = stack.resources("google_service_account")
    if [(a.get("account_id"), a.get("project")) for a in accounts] != [
            (principal(agent.name), gcp.project_id)]:
        yield report(stack.name, f"the stack does not hold exactly service account {email}")
    federated = _federated(stack, agent, gcp)
    if federated is None:
        yield report(stack.name, "the pool's google.subject mapping (foundation stack) "
                                 "cannot be read: nobody can tell who impersonates the agent")
        federated = set()
    impersonators: set[str] = set()
    for binding in _bindings(stack):
        if _is_key_service_binding(stack, binding, gcp):
            continue
        if binding.kind.endswith("_iam_policy"):
            yield report(binding.address, "an authoritative IAM policy: agentid only adds "
                                          "members")
            continue
        members = _members(binding)
        if len(members) != 1:
            yield report(binding.address, f"names {len(members)} principals, not one")
            continue
        member = members[0]
        if binding.kind == "google_service_account_iam_member":
            if binding.get("role") != IMPERSONATE or member not in federated:
                yield report(binding.address, f"lets {member!r} use the service account as "
                                              f"{binding.get('role')!r}: only the record's "
                                              "subjects may impersonate it")
            impersonators.add(str(member))
        elif member != f"serviceAccount:{email}":
            yield report(binding.address, f"grants {binding.get('role')!r} to {member!r}, "
                                          f"not the agent's service account")
    if impersonators != federated:
        yield report(stack.name, f"impersonation subjects differ from the record's: extra "
                                 f"{sorted(impersonators - federated)}, missing "
                                 f"{sorted(federated - impersonators)}")


def _secret_id(value: Any) -> str:
    return str(value).rsplit("/", 1)[-1]


def no_grant_on_other_agents(stack: Stack, report: Reporter,
                             agent: Agent, gcp: GcpDefaults) -> Iterator[Finding]:
    """No binding on another agent's secret, key or service account, the workload identity
    pool, or the whole project through a secret, key or IAM role."""
    # agentid owns the `agents-` namespace of secrets: an agent is bound on its own only.
    own = {gcp_secret_id(agent.name, key.repo) for key in agent.github.deploy_keys
           } if expect.uses_store(agent, "gcp") and expect.holds_deploy_keys(agent) else set()
    if expect.uses_store(agent, "gcp") and expect.holds_app(agent):
        own.add(expect.gcp_app_key_secret_id(agent))
    for binding in _bindings(stack):
        kind, role = binding.kind, str(binding.get("role"))
        if kind.startswith("google_secret_manager_secret_iam"):
            secret = binding.get("secret_id")
            if isinstance(secret, str) and secret.startswith("${"):
                if stack.reference(secret, "google_secret_manager_secret") is None:
                    yield report(binding.address, f"is on {secret}, not a secret of this stack")
            elif _secret_id(secret).startswith("agents-") and _secret_id(secret) not in own:
                yield report(binding.address, f"is on {secret}, a deploy-key secret not the "
                                              "agent's own")
        elif kind.startswith("google_kms_"):
            key = binding.get("crypto_key_id") or binding.get("key_ring_id")
            if stack.reference(key, "google_kms_crypto_key", "google_kms_key_ring") is None:
                yield report(binding.address, f"is on key {key!r}, not the agent's own")
        elif kind.startswith("google_service_account_iam"):
            account = binding.get("service_account_id")
            if stack.reference(account, "google_service_account") is None:
                yield report(binding.address, f"is on service account {account!r}, not the "
                                              "agent's own")
        elif kind.startswith("google_iam_workload_identity_pool"):
            yield report(binding.address, "is on the workload identity pool every agent "
                                          "shares")
        elif kind.startswith(("google_project_iam", "google_folder_iam",
                              "google_organization_iam")) and (
                role in BASIC_ROLES or any(role.startswith(f"roles/{service}.")
                                           for service in AGENT_INFRA_SERVICES)):
            yield report(binding.address, f"grants {role} on the whole project, which holds "
                                          "every agent's secrets, keys and accounts")


def _v2(permission: str) -> str | None:
    match = PERMISSION_RE.match(permission)
    if match is None:
        return None
    service, resource, verb = match.groups()
    return f"{SERVICE_FQDN.get(service, f'{service}.googleapis.com')}/{resource}.{verb}"


def deny_policy(stack: Stack, report: Reporter,
                agent: Agent, gcp: GcpDefaults) -> Iterator[Finding]:
    """A deny policy on the agent's service account denies every always-denied permission
    and each ``must_never_hold`` permission, without condition or exception."""
    who = f"principal://iam.googleapis.com/projects/-/serviceAccounts/{_email(gcp, agent.name)}"
    parent = quote(f"cloudresourcemanager.googleapis.com/projects/{gcp.project_id}", safe="")
    never = {v2 for e in agent.must_never_hold if ":" not in e and (v2 := _v2(e))}
    want = set(ALWAYS_DENIED) | never
    policies = stack.resources("google_iam_deny_policy")
    if not policies:
        yield report(stack.name, "no google_iam_deny_policy: nothing backs the refusals")
    denied: set[str] = set()
    for resource in policies:
        if resource.get("parent") != parent:
            yield report(resource.address, f"parent {resource.get('parent')!r} is not the "
                                           f"project {parent}")
        for rule in listed(resource.get("rules")):
            deny = rule.get("deny_rule") if isinstance(rule, dict) else None
            if not isinstance(deny, dict):
                continue
            if listed(deny.get("denied_principals")) != [who]:
                yield report(resource.address, f"denies {deny.get('denied_principals')!r}, "
                                               f"not the agent {who}")
                continue
            if deny.get("denial_condition") or deny.get("exception_permissions") or \
                    deny.get("exception_principals"):
                yield report(resource.address, "the deny rule has a condition or exceptions")
                continue
            denied |= {str(p) for p in listed(deny.get("denied_permissions"))}
    missing = sorted(want - denied)
    if policies and missing:
        yield report(policies[0].address, f"does not deny {', '.join(missing)}")


# What a locked agent's stack no longer holds: its deploy-key secrets and their versions.
LOCKED_AWAY = ("google_secret_manager_secret", "google_secret_manager_secret_version")


def locked_account(stack: Stack, report: Reporter,
                   agent: Agent, gcp: GcpDefaults) -> Iterator[Finding]:
    """A locked agent's service account is disabled (Google refuses its tokens) and its
    deploy-key secrets are gone."""
    if not expect.locked(agent):
        return
    accounts = stack.resources("google_service_account")
    if not accounts:
        yield report(stack.name, "no google_service_account: a locked agent keeps its "
                                 "service account, disabled")
    for account in accounts:
        if account.get("disabled") is not True:
            yield report(account.address, f"disabled is {account.get('disabled')!r}, not "
                                          "true: the locked agent's tokens still work")
    for resource in stack.resources(*LOCKED_AWAY):
        yield report(resource.address, "a deploy-key secret of a locked agent: its keys are "
                                       "deleted")


def pool_condition(stack: Stack, report: Reporter) -> Iterator[Finding]:
    """The pool's GitHub provider pins the organization's owner id in every token it
    accepts, maps each token to a subject that carries its numeric repository id, and
    accepts only the live agents' exact subjects with their repository ids."""
    identities, gcp = stack.identities, stack.identities.defaults.gcp
    if stack.name != FOUNDATION or gcp is None or not any(
            expect.uses_gcp(identities, a) for a in identities.agents):
        return
    providers = _providers(stack)
    if len(providers) != 1:
        yield report(stack.name, f"{len(providers)} workload identity pool providers, not "
                                 "one for GitHub")
    owner = str(identities.defaults.github.owner_id)
    want = {(sub, str(run.repo_id)) for agent in identities.agents
            if expect.live(agent) and expect.uses_gcp(identities, agent)
            for run in agent.runs_on for sub in expect.subjects(identities, agent, run)}
    for provider in providers:
        oidc = provider.get("oidc")
        if not isinstance(oidc, dict) or oidc.get("issuer_uri") != expect.GITHUB_ISSUER:
            yield report(provider.address, f"the issuer is not {expect.GITHUB_ISSUER}")
        mapping = provider.get("attribute_mapping")
        subject = mapping.get("google.subject") if isinstance(mapping, dict) else None
        if not isinstance(subject, str) or "assertion.repository_id" not in subject or \
                cel.evaluate(subject, {"sub": "s", "repository_id": "1", "environment": "e",
                                       "repository_owner_id": "1"}) is None:
            yield report(provider.address, f"google.subject {subject!r} is not built from "
                                           "the token's claims with its repository id")
        clauses = cel.accepted(str(provider.get("attribute_condition") or ""))
        if clauses is None:
            yield report(provider.address, "the condition is not one verify can read (== "
                                           "on claims, &&, ||): nor can a reviewer")
            continue
        loose = [c for c in clauses if c.get("repository_owner_id") != owner
                 or "repository_id" not in c or "sub" not in c]
        if loose:
            yield report(provider.address, f"the condition accepts tokens without pinning "
                                           f"repository_owner_id == {owner}, repository_id "
                                           f"and sub: {loose[0]}")
        got = {(c["sub"], c["repository_id"]) for c in clauses
               if "sub" in c and "repository_id" in c}
        if got != want:
            yield report(provider.address, f"the condition accepts {sorted(got - want)} "
                                           f"beyond the records, misses {sorted(want - got)}")


BINDING_EXPIRY = GCP.per_agent(
    "GcpBindingExpiry", "Every binding of the agent carries the IAM Condition that ends it "
    "at `expires`.", binding_expiry)
BINDING_PRINCIPAL = GCP.per_agent(
    "GcpBindingPrincipal", "Every binding names exactly one principal of the agent (its "
    "service account, or one exact subject impersonating it); no pool-wide set.",
    binding_principal)
NO_GRANT_ON_OTHER_AGENTS = GCP.per_agent(
    "GcpNoGrantOnOtherAgents", "No binding on another agent's secret, key or service "
    "account, on the pool, or project-wide through a secret, key or IAM role.",
    no_grant_on_other_agents)
DENY_POLICY = GCP.per_agent(
    "GcpDenyPolicy", "A deny policy on the agent's service account denies every "
    "always-denied permission and each `must_never_hold` permission.", deny_policy)
LOCKED = GCP.per_agent(
    "GcpLocked", "A locked agent's service account is disabled and holds no deploy-key "
    "secret.", locked_account)
POOL_CONDITION = GCP.invariant(
    "GcpPoolCondition", "The pool's GitHub provider pins the organization's owner id and "
    "accepts only the live agents' exact subjects with their repository ids.",
    pool_condition)

INVARIANTS = (BINDING_EXPIRY, BINDING_PRINCIPAL, NO_GRANT_ON_OTHER_AGENTS, DENY_POLICY,
              LOCKED, POOL_CONDITION)
