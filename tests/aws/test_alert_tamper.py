"""No agent may mute an alert on AWS (issue #18, docs/alerts.md).

GIVEN tests/fixtures/alerts-aws.yaml (``docs`` and ``docs-writer``, the file's topic and
one of docs-writer's own) and the example (no alerts), WHEN they are synthesized, THEN
every agent's permissions boundary denies, without condition, every EventBridge write
that could delete, disable, re-enable, rewrite, retarget or retag an alert rule on
``arn:aws:events:*:<account>:rule/agent-*``: every agent's rules in every Region, not
only its own, whether or not the agent has alerts. A scope that grants such a write, or
a write that stops an alert topic delivering, is refused at its FILE:LINE
(``AgentId-AwsAlertTamper``), and verify fails when the deny is dropped or narrowed, or
when an inline policy allows either.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cdk.aws import denies
from cdk.aws.alerts_plan import plan_alerts
from cdk.aws.document import policy_size
from cdk.aws.scope import boundary_document
from cdk.checks import run_checks
from cdk.loader import validate_schema
from cdk.model import IdentitiesFile
from cdk.names import boundary_policy_name
from cdk.validation import load
from cdk.verify import verify_documents
from cdk.yamlsafe import parse

from ..conftest import EXAMPLE, FIXTURES, TODAY, Synthesized
from ..records import assert_refused, variant

FIXTURE = FIXTURES / "alerts-aws.yaml"
ACCOUNT = "123456789012"
RULES = f"arn:aws:events:*:{ACCOUNT}:rule/agent-*"
FILE_TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT}:security-alerts"
OWN_TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT}:docs-team-alerts"
DENY = {"Sid": "DenyAlertRuleChanges", "Effect": "Deny",
        "Action": ["events:DeleteRule", "events:DisableRule", "events:EnableRule",
                   "events:PutRule", "events:PutTargets", "events:RemoveTargets",
                   "events:TagResource", "events:UntagResource"],
        "Resource": [RULES]}


@pytest.fixture(scope="module")
def identities() -> IdentitiesFile:
    return load(FIXTURE, TODAY).identities


@pytest.fixture(scope="module")
def alerts(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized_fixtures("alerts-aws")


def _boundary(synthesized: Synthesized, stack: str) -> tuple[str, dict[str, Any]]:
    """(address, document) of the agent's permissions boundary in its stack."""
    for name, body in synthesized.stack(stack)["resource"]["aws_iam_policy"].items():
        if body["name"] == boundary_policy_name(stack):
            return f"aws_iam_policy.{name}", json.loads(body["policy"])
    raise AssertionError(f"no boundary in {stack}")


def _sid(document: dict[str, Any], sid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in document["Statement"] if s.get("Sid") == sid)
    return found


# ------------------------------------------------------------------ the plan


def test_the_pattern_covers_every_agents_rules_in_every_region(
        identities: IdentitiesFile) -> None:
    rules = [rule.name for agent in identities.agents
             if (plan := plan_alerts(agent, identities)) is not None for rule in plan.rules]
    assert rules  # docs and docs-writer have alerts
    for name in rules:
        for region in ("eu-west-1", "us-east-1", "ap-southeast-2"):
            assert fnmatch.fnmatchcase(f"arn:aws:events:{region}:{ACCOUNT}:rule/{name}", RULES)
    # Another account's rules, or a rule not named for an agent, are not agentid's.
    assert not fnmatch.fnmatchcase(f"arn:aws:events:eu-west-1:210987654321:rule/{rules[0]}",
                                   RULES)
    assert not fnmatch.fnmatchcase(f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/nightly-build",
                                   RULES)


def test_every_boundary_holds_the_deny_whatever_its_alerts(identities: IdentitiesFile) -> None:
    for agent in identities.agents:
        if agent.aws is None or agent.revoked is not None:
            continue
        assert _sid(boundary_document(agent, identities), "DenyAlertRuleChanges") == DENY


def test_the_topic_writes_are_not_in_the_boundary(identities: IdentitiesFile) -> None:
    # Adding or removing a channel changes no access document (docs/alerts.md): the
    # topics are held by the rule and verify, not the boundary.
    for agent in identities.agents:
        if agent.aws is None or agent.revoked is not None:
            continue
        text = json.dumps(boundary_document(agent, identities))
        assert "sns:" not in text and FILE_TOPIC not in text


def test_the_deny_keeps_the_boundary_inside_iams_limit() -> None:
    aws = load(EXAMPLE, TODAY).identities.defaults.aws
    assert aws is not None
    assert policy_size(denies.alert_rule_deny(aws).statement()) <= 300


# ------------------------------------------------------------- the synthesized stacks


@pytest.mark.parametrize("stack", ["docs", "docs-writer"])
def test_the_synthesized_boundary_denies_every_agents_rules(alerts: Synthesized,
                                                             stack: str) -> None:
    _, document = _boundary(alerts, stack)
    assert _sid(document, "DenyAlertRuleChanges") == DENY


def test_an_agent_without_alerts_is_denied_too(synthesized_example: Synthesized) -> None:
    # The example configures no alerts; every boundary of it holds the deny all the same.
    with_role = [stack for stack in synthesized_example.stacks()
                 if synthesized_example.resources(stack, "aws_iam_role")]
    assert {"release-bot", "docs-reader"} <= set(with_role)
    for stack in with_role:
        _, document = _boundary(synthesized_example, stack)
        assert _sid(document, "DenyAlertRuleChanges") == DENY


# ------------------------------------------------------------------ the rule


def _with_statement(actions: str, resources: str, reason: str = "") -> str:
    """The fixture, with a statement added to docs' scope."""
    text = FIXTURE.read_text()
    entry = (f"      statements:\n        - actions: {actions}\n"
             f"          resources: {resources}\n")
    entry += f"          reason: {reason}\n" if reason else ""
    return variant('        write: ["arn:aws:s3:::acme-docs-site/*"]\n',
                   '        write: ["arn:aws:s3:::acme-docs-site/*"]\n' + entry, text)


WHY = "on an agent's alert rules or topics, and agentid always denies it"
REFUSED = {
    "its own rule disabled": ('["events:DisableRule"]', f'["arn:aws:events:eu-west-1:{ACCOUNT}'
                              ':rule/agent-docs-access-denied"]'),
    "another agent's rule deleted": ('["events:DeleteRule"]', f'["arn:aws:events:eu-west-1:'
                                     f'{ACCOUNT}:rule/agent-docs-writer-refused-token"]'),
    "targets removed": ('["events:RemoveTargets"]', f'["arn:aws:events:eu-west-1:{ACCOUNT}'
                        ':rule/agent-docs-access-denied"]'),
    "a rule rewritten": ('["events:PutRule"]', f'["arn:aws:events:eu-west-1:{ACCOUNT}'
                         ':rule/agent-docs-access-denied"]'),
    "the file's topic re-permissioned": ('["sns:SetTopicAttributes"]', f'["{FILE_TOPIC}"]'),
    "another agent's own topic deleted": ('["sns:DeleteTopic"]', f'["{OWN_TOPIC}"]'),
    "EventBridge's permission removed": ('["sns:RemovePermission"]', f'["{FILE_TOPIC}"]'),
}


@pytest.mark.parametrize("grant", list(REFUSED.values()), ids=list(REFUSED))
def test_a_scope_that_could_mute_an_alert_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], grant: tuple[str, str]) -> None:
    actions, resources = grant
    assert_refused(tmp_path, capsys, _with_statement(actions, resources),
                   "agents[0].aws.statements[0]", f"- actions: {actions}", WHY)


def test_an_access_level_on_an_alert_rule_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rule = f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/agent-docs-writer-access-denied"
    text = variant('        write: ["arn:aws:s3:::acme-docs-site/*"]\n',
                   f'        write: ["arn:aws:s3:::acme-docs-site/*", "{rule}"]\n',
                   FIXTURE.read_text())
    assert_refused(tmp_path, capsys, text, "agents[0].aws.access.write[1]",
                   f'write: ["arn:aws:s3:::acme-docs-site/*", "{rule}"]', WHY)


def test_a_glob_over_the_alert_topics_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = _with_statement('["sns:DeleteTopic"]',
                           f'["arn:aws:sns:eu-west-1:{ACCOUNT}:security-*"]',
                           "the agent cleans up its own security-scan topics")
    assert_refused(tmp_path, capsys, text, "agents[0].aws.statements[0]",
                   '- actions: ["sns:DeleteTopic"]', WHY)


def _rule_ids(text: str) -> list[str]:
    identities = validate_schema(parse("identities.yaml", text))
    return [f.id for f in run_checks(identities, TODAY)]


@pytest.mark.parametrize("grant", [
    ('["events:DeleteRule"]', f'["arn:aws:events:eu-west-1:{ACCOUNT}:rule/nightly-build"]'),
    ('["sns:Publish"]', f'["{FILE_TOPIC}"]'),
    ('["sns:DeleteTopic"]', f'["arn:aws:sns:eu-west-1:{ACCOUNT}:build-notices"]'),
], ids=["a rule not named for an agent", "publishing to an alert topic",
        "a topic no agent alerts to"])
def test_what_mutes_no_alert_is_not_refused(grant: tuple[str, str]) -> None:
    assert "AgentId-AwsAlertTamper" not in _rule_ids(_with_statement(*grant))


# ------------------------------------------------------------------ the verifier


def _corrupted(alerts: Synthesized, edit: Callable[[dict[str, Any]], str]
               ) -> tuple[str, list[tuple[str, str, str, str]]]:
    documents = {name: json.loads(json.dumps(alerts.stack(name))) for name in alerts.stacks()}
    address = edit(documents)
    report = verify_documents(documents, load(FIXTURE, TODAY).identities)
    return address, [(f.invariant, f.stack, f.address, f.message) for f in report.findings]


def _edit_boundary(stack: str, edit: Callable[[dict[str, Any]], None]
                   ) -> Callable[[dict[str, Any]], str]:
    def corrupt(documents: dict[str, Any]) -> str:
        for name, body in documents[stack]["resource"]["aws_iam_policy"].items():
            if body["name"] == boundary_policy_name(stack):
                document = json.loads(body["policy"])
                edit(document)
                body["policy"] = json.dumps(document)
                return f"aws_iam_policy.{name}"
        raise AssertionError("no boundary")
    return corrupt


def _drop(document: dict[str, Any]) -> None:
    document["Statement"] = [s for s in document["Statement"]
                             if s.get("Sid") != "DenyAlertRuleChanges"]


def _own_rules_only(document: dict[str, Any]) -> None:
    _sid(document, "DenyAlertRuleChanges")["Resource"] = [
        f"arn:aws:events:*:{ACCOUNT}:rule/agent-docs-*"]


def _without_put_targets(document: dict[str, Any]) -> None:
    _sid(document, "DenyAlertRuleChanges")["Action"].remove("events:PutTargets")


def _under_a_condition(document: dict[str, Any]) -> None:
    _sid(document, "DenyAlertRuleChanges")["Condition"] = {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1"}}


@pytest.mark.parametrize("edit", [_drop, _own_rules_only, _without_put_targets,
                                  _under_a_condition],
                         ids=["dropped", "its own rules only", "PutTargets left out",
                              "under a condition"])
def test_verify_fails_when_the_boundary_deny_is_weakened(
        alerts: Synthesized, edit: Callable[[dict[str, Any]], None]) -> None:
    assert verify_documents({n: alerts.stack(n) for n in alerts.stacks()},
                            load(FIXTURE, TODAY).identities).ok
    address, found = _corrupted(alerts, _edit_boundary("docs", edit))
    hits = [f for f in found if f[:3] == ("AgentId-Verify-AwsBoundary", "docs", address)]
    assert hits, found
    assert f"on {RULES}" in hits[0][3]


def _allow(stack: str, action: str, resource: str) -> Callable[[dict[str, Any]], str]:
    def corrupt(documents: dict[str, Any]) -> str:
        name, body = next(iter(documents[stack]["resource"]["aws_iam_role_policy"].items()))
        document = json.loads(body["policy"])
        document["Statement"].append({"Sid": "Mute", "Effect": "Allow", "Action": [action],
                                      "Resource": [resource]})
        body["policy"] = json.dumps(document)
        return f"aws_iam_role_policy.{name}"
    return corrupt


@pytest.mark.parametrize("action,resource", [
    ("events:DisableRule",
     f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/agent-docs-writer-access-denied"),
    ("events:PutTargets", f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/agent-docs-access-denied"),
    ("sns:SetTopicAttributes", OWN_TOPIC),
    ("sns:DeleteTopic", FILE_TOPIC),
], ids=["another agent's rule", "its own rule's targets", "another agent's topic",
        "the file's topic"])
def test_verify_fails_when_an_inline_policy_allows_muting(
        alerts: Synthesized, action: str, resource: str) -> None:
    address, found = _corrupted(alerts, _allow("docs", action, resource))
    assert ("AgentId-Verify-AwsAlwaysDeniedNeverAllowed", "docs", address) in [
        f[:3] for f in found], found
