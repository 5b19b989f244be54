"""Rules about what an agent may touch in AWS (``aws.access``, ``aws.statements``,
``must_never_hold``) and the documents they compile into."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from ..aws import catalog
from ..aws.alerts_plan import alert_topics
from ..aws.arns import arn_problem, glob_name_problem
from ..aws.denies import (
    ALERT_TAMPER_WHY,
    CREDENTIAL_CHANGE_WHY,
    Deny,
    agent_owned_patterns,
    alert_rule_deny,
    alert_topic_deny,
    always_denies,
    must_never_hold_deny,
    overlap,
)
from ..aws.document import INLINE_POLICY_MAX_CHARS, MANAGED_POLICY_MAX_CHARS
from ..aws.grants import all_grants
from ..aws.scope import document_sizes
from ..checks.common import live_users
from ..checks.engine import Problem, rule
from ..errors import Path
from ..model import Agent, AwsDefaults, IdentitiesFile
from ..plan import is_gcp_entry


def _scoped(identities: IdentitiesFile) -> Iterator[tuple[int, Agent, AwsDefaults]]:
    return live_users(identities, identities.defaults.aws, lambda agent: agent.aws is not None)


def _arns(agent: Agent) -> Iterator[tuple[Path, str, bool]]:
    """Every ARN of the scope: (path inside the agent, ARN, from access?)."""
    assert agent.aws is not None
    for level, arns in agent.aws.access.levels().items():
        for j, arn in enumerate(arns):
            yield ("aws", "access", level, j), arn, True
    for k, statement in enumerate(agent.aws.statements):
        for r, resource in enumerate(statement.resources):
            if resource != "*":
                yield ("aws", "statements", k, "resources", r), resource, False


def _statement_actions(identities: IdentitiesFile) -> Iterator[tuple[Path, str]]:
    """Every action written in a statement, with its path."""
    for i, agent, _ in _scoped(identities):
        assert agent.aws is not None
        for k, statement in enumerate(agent.aws.statements):
            for m, action in enumerate(statement.actions):
                yield ("agents", i, "aws", "statements", k, "actions", m), action


@rule("AgentId-AwsArnInvalid")
def arn_invalid(identities: IdentitiesFile) -> Iterator[Problem]:
    """A scope names exact resources in the agent's own account: an ARN elsewhere, or one
    whose wildcard stands for every bucket or every role, is the wide grant a reviewer
    misses."""
    for i, agent, aws in _scoped(identities):
        for path, arn, _ in _arns(agent):
            if (problem := arn_problem(arn, aws)) is not None:
                yield Problem(("agents", i, *path), *problem)


@rule("AgentId-AwsAgentResource")
def agent_resource(identities: IdentitiesFile) -> Iterator[Problem]:
    """What agentid creates for agents (deploy-key secrets under `agents/`, key aliases,
    roles and boundaries named `agent-*`, the OIDC provider) is reached only through the
    grants agentid itself writes: a scope that names them, or a glob that covers them,
    would let one agent read another's deploy keys or act on its role; its own are
    reached only through agentid's grants, never a wider scope. The boundary also
    denies every resource tagged for another agent."""
    for i, agent, aws in _scoped(identities):
        owned = agent_owned_patterns(aws)
        for path, arn, _ in _arns(agent):
            hit = next((what for pattern, what in owned
                        if catalog.globs_overlap(arn, pattern, casefold=True)), None)
            if hit is not None:
                yield Problem(("agents", i, *path),
                              f"{arn} names or covers {hit}, which agentid manages",
                              "remove it: an agent reads its own deploy keys through the "
                              "grants agentid writes, and never another agent's resources")


@rule("AgentId-AwsArnGlobName")
def arn_glob_name(identities: IdentitiesFile) -> Iterator[Problem]:
    """A wildcard in a resource's own name (`arn:aws:s3:::a*`, `role/deploy-*`) is not a
    narrowing of one resource but a pattern over everybody's names: 36 such ARNs cover
    every bucket. It is refused under `access:`, and in a statement only carries with
    a `reason:` the reviewer can judge."""
    for i, agent, aws in _scoped(identities):
        assert agent.aws is not None
        for path, arn, from_access in _arns(agent):
            if arn_problem(arn, aws) is not None:
                continue
            if not from_access and agent.aws.statements[int(path[2])].reason is not None:
                continue
            if (problem := glob_name_problem(arn)) is not None:
                yield Problem(("agents", i, *path), *problem)


@rule("AgentId-AwsArnUnknownType")
def arn_unknown_type(identities: IdentitiesFile) -> Iterator[Problem]:
    """Access levels expand into the actions of a resource type; an ARN that matches no
    type in the catalog would silently grant nothing, or be a typo."""
    for i, agent, aws in _scoped(identities):
        for path, arn, from_access in _arns(agent):
            if from_access and arn_problem(arn, aws) is None \
                    and not catalog.resource_types_of_arn(arn):
                yield Problem(("agents", i, *path),
                              f"{arn} matches no resource type in the AWS catalog",
                              "check the service and the resource part, e.g. "
                              "arn:aws:s3:::bucket/prefix/* or "
                              "arn:aws:dynamodb:eu-west-1:123456789012:table/name")


@rule("AgentId-AwsAccessGrantsNothing")
def access_grants_nothing(identities: IdentitiesFile) -> Iterator[Problem]:
    """An access level with no actions on the ARN's resource type grants nothing: the
    record would claim an access the agent does not have."""
    for i, agent, aws in _scoped(identities):
        assert agent.aws is not None
        for level, arns in agent.aws.access.levels().items():
            for j, arn in enumerate(arns):
                types = catalog.resource_types_of_arn(arn)
                if arn_problem(arn, aws) is None and types and not any(
                        catalog.actions_at_level(t, level) for t in types):
                    kinds = ", ".join(f"{t.service} {t.name}" for t in types)
                    yield Problem(("agents", i, "aws", "access", level, j),
                                  f"`{level}` has no actions on {arn} ({kinds})",
                                  "use another access level, or list exact actions "
                                  "under `statements:`")


@rule("AgentId-AwsWildcardAction")
def wildcard_action(identities: IdentitiesFile) -> Iterator[Problem]:
    """`s3:*` or `s3:Get*` hides what is granted, and grows with every action AWS adds;
    access levels give the same convenience with a reviewable expansion."""
    for path, action in _statement_actions(identities):
        if "*" in action or "?" in action:
            yield Problem(path,
                          f"action {action!r} has a wildcard; statements take exact actions",
                          "use `access:` (read, write, list, tagging, "
                          "permissions-management) on exact ARNs instead")


@rule("AgentId-AwsUnknownAction")
def unknown_action(identities: IdentitiesFile) -> Iterator[Problem]:
    """An action the catalog does not know is a typo or a service that does not exist:
    IAM accepts it silently and the agent fails at run time."""
    for path, action in _statement_actions(identities):
        if "*" in action or "?" in action or catalog.canonical_action(action):
            continue
        close = catalog.closest_actions(action)
        yield Problem(path, f"unknown action {action!r}",
                      f"did you mean {', '.join(close)}?" if close
                      else "check the service prefix and the action name")


@rule("AgentId-AwsWildcardResource")
def wildcard_resource(identities: IdentitiesFile) -> Iterator[Problem]:
    """`*` as a resource is allowed only where AWS offers nothing narrower (actions with
    no resource-level permissions), and only with a reason the reviewer can read."""
    for i, agent, _ in _scoped(identities):
        assert agent.aws is not None
        for k, statement in enumerate(agent.aws.statements):
            if "*" not in statement.resources:
                continue
            path = ("agents", i, "aws", "statements", k)
            at = (*path, "resources", statement.resources.index("*"))
            if len(statement.resources) > 1:
                yield Problem(at,
                              "`*` already stands for every resource",
                              "list `*` alone, or exact ARNs without it")
            if statement.reason is None:
                yield Problem(at,
                              "resource `*` needs a `reason`",
                              "add `reason:` saying why no narrower resource exists")
            known = {catalog.canonical_action(a) for a in statement.actions}
            for action in sorted(a for a in known
                                 if a is not None and catalog.action_resource_types(a)):
                kinds = ", ".join(t.name for t in catalog.action_resource_types(action))
                yield Problem(at,
                              f"{action} can be limited to resources ({kinds}); `*` is "
                              "only for actions without resource-level permissions",
                              "name the exact ARNs, in a statement of their own")


@rule("AgentId-AwsResourceMismatch")
def resource_mismatch(identities: IdentitiesFile) -> Iterator[Problem]:
    """An action paired only with resources it cannot act on grants nothing; the record
    would claim a permission the agent does not have."""
    for i, agent, aws in _scoped(identities):
        assert agent.aws is not None
        for k, statement in enumerate(agent.aws.statements):
            arns = [r for r in statement.resources
                    if r != "*" and arn_problem(r, aws) is None]
            if len(arns) != len(statement.resources):
                continue
            for m, action in enumerate(statement.actions):
                name = catalog.canonical_action(action) if "*" not in action else None
                if name is None:
                    continue
                types = catalog.action_resource_types(name)
                required = catalog.required_resource_types(name)
                missing = [t for t in required
                           if not any(catalog.arn_fits(arn, t) for arn in arns)]
                joined = " and "
                if not required and not any(catalog.arn_fits(arn, t)
                                            for arn in arns for t in types):
                    missing, joined = list(types), " or "
                if missing or not types:
                    kinds = joined.join(t.name for t in missing) or "only `*`"
                    yield Problem(("agents", i, "aws", "statements", k, "actions", m),
                                  f"{name} acts on {kinds}, and none of this statement's "
                                  "resources is one",
                                  "add the matching ARN, or move the action to a "
                                  "statement that has one")


@rule("AgentId-AwsCredentialChange")
def credential_change(identities: IdentitiesFile) -> Iterator[Problem]:
    """Credential creation, scope changes and grants are human decisions: an agent that
    can write IAM, pass or assume roles, or change key or secret policies can widen
    itself past every review. The boundary denies these whatever the scope says; a
    scope that asks for them is refused so nobody believes it was granted."""
    for i, agent, aws in _scoped(identities):
        denies = always_denies(agent, aws)
        for grant in all_grants(agent, identities):
            for deny in denies:
                if hit := overlap(grant, deny):
                    yield Problem(("agents", i, *grant.path),
                                  f"{grant.source} grants {', '.join(hit)}, and "
                                  f"{CREDENTIAL_CHANGE_WHY}",
                                  "remove it from the scope")


@rule("AgentId-AwsAlertTamper")
def alert_tamper(identities: IdentitiesFile) -> Iterator[Problem]:
    """An alert is worth something only if the principal it watches cannot switch it
    off. No scope may delete, disable, rewrite, retarget or retag any agent's
    EventBridge alert rules (`rule/agent-*`), or delete, re-permission or reconfigure
    an SNS topic any agent of the file alerts to. The boundary also denies the rule
    writes; the topic writes are held by this rule alone, so that an agent's boundary
    does not follow its alert channels."""
    file_topics = tuple(sorted({topic for agent in identities.agents
                                if agent.revoked is None
                                for topic in alert_topics(agent, identities)}))
    for i, agent, aws in _scoped(identities):
        denies = (alert_rule_deny(aws), *((alert_topic_deny(file_topics),)
                                          if file_topics else ()))
        for grant in all_grants(agent, identities):
            for deny in denies:
                if hit := overlap(grant, deny):
                    yield Problem(("agents", i, *grant.path),
                                  f"{grant.source} grants {', '.join(hit)} on an agent's "
                                  f"alert rules or topics, and {ALERT_TAMPER_WHY}",
                                  "remove it from the scope, or narrow its resources so they "
                                  "name no `rule/agent-*` rule and no alert topic")


@rule("AgentId-MustNeverHold")
def must_never_hold(identities: IdentitiesFile) -> Iterator[Problem]:
    """`must_never_hold` is a promise the boundary keeps with an explicit deny; a scope
    that grants such an action contradicts it, and one of the two is a mistake."""
    for i, agent, _ in _scoped(identities):
        deny = must_never_hold_deny(agent)
        if deny is None:
            continue
        for grant in all_grants(agent, identities):
            for entry in deny.actions:
                if hit := overlap(grant, _forbidding(entry)):
                    hint = ("list only the actions you need under `statements:`"
                            if grant.path[:2] == ("aws", "access")
                            else "remove the action")
                    yield Problem(("agents", i, *grant.path),
                                  f"{grant.source} grants {', '.join(hit)}, which "
                                  f"must_never_hold entry {entry!r} forbids",
                                  f"{hint}, or drop the entry in a reviewed change")


@functools.lru_cache(maxsize=4096)
def _forbidding(entry: str) -> Deny:
    # One must_never_hold entry as a deny of its own, so a finding names it.
    return Deny("MustNeverHold", (entry,))


@rule("AgentId-MustNeverHoldUnknown")
def must_never_hold_unknown(identities: IdentitiesFile) -> Iterator[Problem]:
    """A `must_never_hold` entry that matches no action protects nothing: a typo there
    reads like a safeguard in review."""
    for i, agent in enumerate(identities.agents):
        if agent.revoked is not None:
            continue
        for m, entry in enumerate(agent.must_never_hold):
            if is_gcp_entry(entry) or ":" in entry and catalog.actions_matching(entry):
                continue
            close = catalog.closest_actions(entry)
            yield Problem(("agents", i, "must_never_hold", m),
                          f"{entry!r} matches no AWS action",
                          f"did you mean {', '.join(close)}?" if close
                          else "write service:Action, e.g. s3:DeleteObject or s3:Delete*, "
                          "or a Google Cloud permission or role, e.g. storage.objects.delete")


@rule("AgentId-AwsPolicyTooLarge")
def policy_too_large(identities: IdentitiesFile) -> Iterator[Problem]:
    """IAM refuses inline policies over 10,240 and managed policies (the boundary) over
    6,144 characters; better to hear it in review than halfway through an apply."""
    for i, agent, _ in _scoped(identities):
        sizes = document_sizes(agent, identities)
        checks = [("boundary", sizes["boundary"], MANAGED_POLICY_MAX_CHARS)]
        if "permissions" in sizes:
            checks.append(("inline policy", sizes["permissions"], INLINE_POLICY_MAX_CHARS))
        for kind, size, limit in checks:
            if size > limit:
                yield Problem(("agents", i, "aws"),
                              f"the {kind} would be {size} characters, over IAM's {limit}",
                              "group ARNs under fewer resource types (a prefix/* per "
                              "bucket), drop access levels the agent does not use, or "
                              "split the agent")
