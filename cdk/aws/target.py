"""AWS as a target (docs/architecture.md §8): an IAM role per agent, the account's
GitHub OIDC provider in the foundation, Secrets Manager as a secret store."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ..model import Agent, IdentitiesFile
from ..names import REPOSITORY_ID_KEY, SUB_KEY, role_name
from ..policy import TRUST, PolicyDocument, allowed, as_list
from ..targets import CardLines, Content, Target, identity_content, plan_data
from .alerts_plan import plan_alerts
from .plan import has_role, plan_role
from .scope import boundary_document, permissions_document, plan_scope
from .secret_plan import plan_secret_store


def _in_foundation(identities: IdentitiesFile) -> bool:
    # The OIDC provider is the account's, whether or not an agent has a role yet.
    return identities.defaults.aws is not None


def _trust_conditions(documents: Mapping[str, PolicyDocument]) -> list[dict[str, Any]]:
    return [s.get("Condition", {}).get("StringEquals", {})
            for s in allowed(documents.get(TRUST, {}))]


def _subjects(documents: Mapping[str, PolicyDocument]) -> set[str]:
    return {sub for equals in _trust_conditions(documents)
            for sub in as_list(equals.get(SUB_KEY))}


def _pinned_ids(documents: Mapping[str, PolicyDocument]) -> set[str] | None:
    # The trust policy pins the numeric repository ids beside every subject.
    conditions = _trust_conditions(documents)
    if not conditions:
        return None
    return {i for equals in conditions for i in as_list(equals.get(REPOSITORY_ID_KEY))}


def _documents(agent: Agent, identities: IdentitiesFile) -> dict[str, PolicyDocument]:
    documents = {TRUST: plan_role(agent, identities).trust_policy,
                 "boundary": boundary_document(agent, identities)}
    if (permissions := permissions_document(agent, identities)) is not None:
        documents["permissions"] = permissions
    return documents


def _planned_content(agent: Agent, identities: IdentitiesFile) -> Content:
    content = identity_content(agent, identities, TARGET.name,
                               {"plan.aws_role": plan_role, "plan.aws_scope": plan_scope},
                               plan_secret_store)
    if (alerts := plan_alerts(agent, identities)) is not None:
        content["plan.aws_alerts"] = plan_data(alerts)
    return content


def _planned_foundation(identities: IdentitiesFile) -> Content:
    assert identities.defaults.aws is not None
    return {"plan.aws_oidc": identities.defaults.aws.model_dump(mode="json")}


def _card(agent: Agent, identities: IdentitiesFile, today: date) -> CardLines:
    aws = identities.defaults.aws
    assert aws is not None
    minutes = identities.defaults.policy.max_session_minutes
    credential = (f"GitHub Actions OIDC token, exchanged with AWS STS "
                  f"(AssumeRoleWithWebIdentity) for role {role_name(agent.name)} in account "
                  f"{aws.account_id}; sessions last at most {minutes} minutes; no long-lived "
                  "keys")
    scope: list[str] = []
    if agent.aws is not None:
        for level, arns in agent.aws.access.levels().items():
            scope.extend(f"AWS {level} access on {arn}" for arn in arns)
        for statement in agent.aws.statements:
            line = f"AWS {', '.join(statement.actions)} on {', '.join(statement.resources)}"
            scope.append(line + (f" ({statement.reason})" if statement.reason else ""))
    return CardLines(credential=(credential,), scope=tuple(scope),
                     alerts=_alert_lines(agent, identities))


def _alert_lines(agent: Agent, identities: IdentitiesFile) -> tuple[str, ...]:
    plan = plan_alerts(agent, identities)
    if plan is None:
        return ()
    return tuple(f"AWS SNS topic {topic}: calls by role {role_name(agent.name)} that AWS "
                 "denied, and GitHub tokens AWS refused for it (EventBridge rules "
                 f"{' and '.join(rule.name for rule in plan.rules)})"
                 for topic in plan.topics)


TARGET = Target(
    name="aws",
    builder="cdk.aws.build",
    bindings=("cdktn_provider_aws",),
    # THE predicate: an ``aws`` scope, or deploy keys stored in AWS (the role is
    # their only reader).
    used_by=has_role,
    in_foundation=_in_foundation,
    documents=_documents,
    subjects=_subjects,
    pinned_ids=_pinned_ids,
    planned_content=_planned_content,
    planned_foundation=_planned_foundation,
    card=_card,
    plan_secret_store=plan_secret_store,
    force_new={
        "aws_iam_role": frozenset({"name", "name_prefix", "path"}),
        "aws_iam_policy": frozenset({"name", "name_prefix", "path"}),
        "aws_iam_role_policy": frozenset({"name", "role"}),
        "aws_iam_openid_connect_provider": frozenset({"url"}),
        "aws_kms_alias": frozenset({"name"}),
        "aws_secretsmanager_secret": frozenset({"name"}),
        "aws_cloudwatch_event_rule": frozenset({"name", "name_prefix", "event_bus_name"}),
        "aws_cloudwatch_event_target": frozenset({"rule", "target_id", "event_bus_name"}),
    },
    rules=("cdk.aws.rules", "cdk.aws.scope_rules"),
)
