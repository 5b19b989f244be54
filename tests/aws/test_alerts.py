"""AWS alerts (issue #18): EventBridge rules on the agent role's denied calls and refused
tokens, sent to the file's and the agent's SNS topics.

GIVEN tests/fixtures/alerts-aws.yaml (``docs`` and ``docs-writer``, whose names share a
prefix; a file topic, and one of docs-writer's own; an agent without AWS; a revoked
one), WHEN it is synthesized, THEN each agent with a role holds two rules whose
patterns name exactly its role's ARN (an event of the other agent's session never
matches), targets to exactly the configured topics, and a message naming the agent,
its owner and rotation owner; agents without topics, without a role or revoked hold
none. The plan, the card, the review, the verifier and the rules are checked beside it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cdk.aws.alerts_plan import RULE_STATE, alert_topics, plan_alerts
from cdk.cli import main
from cdk.model import IdentitiesFile
from cdk.review.card import identity_card
from cdk.review.changes import compare
from cdk.review.content import HARMLESS
from cdk.review.render import render_card
from cdk.targets import target
from cdk.validation import load
from cdk.verify import verify_documents

from ..conftest import FIXTURES, TODAY, TODAY_ARG, Synthesized
from ..records import BASE, assert_refused, variant, write

FIXTURE = FIXTURES / "alerts-aws.yaml"
ACCOUNT = "123456789012"
FILE_TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT}:security-alerts"
OWN_TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT}:docs-team-alerts"
TOPICS = {"docs": [FILE_TOPIC], "docs-writer": [FILE_TOPIC, OWN_TOPIC]}
OWNERS = {"docs": ("@acme/docs", "@acme/docs-oncall"),
          "docs-writer": ("@acme/docs", "@acme/security")}
RULE = "aws_cloudwatch_event_rule"
TARGET = "aws_cloudwatch_event_target"


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/agent-{name}"


@pytest.fixture(scope="module")
def identities() -> IdentitiesFile:
    return load(FIXTURE, TODAY).identities


@pytest.fixture(scope="module")
def alerts(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized_fixtures("alerts-aws")


def agent(identities: IdentitiesFile, name: str) -> Any:
    return next(a for a in identities.agents if a.name == name)


# --------------------------------------------------------------- EventBridge matching
# An independent reading of EventBridge's matching, for what the patterns use: a list
# of exact values, {"prefix": ...}, {"exists": ...}, nested objects (ANDed).

def _matches_value(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict) and "prefix" in rule:
        return isinstance(value, str) and value.startswith(rule["prefix"])
    if isinstance(rule, dict) and "exists" in rule:
        return (value is not None) == rule["exists"]
    if isinstance(rule, dict):
        raise AssertionError(f"the test's matcher does not know {rule}")
    return value is not None and rule == value


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    for key, rule in pattern.items():
        value = event.get(key) if isinstance(event, dict) else None
        if isinstance(rule, dict):
            if not isinstance(value, dict) or not matches(rule, value):
                return False
        elif not any(_matches_value(r, value) for r in rule):
            return False
    return True


def denied_call(name: str, code: str = "AccessDenied", run: str = "123456") -> dict[str, Any]:
    """A CloudTrail event of a call by a session of ``agent-<name>`` that AWS refused."""
    return {"detail-type": "AWS API Call via CloudTrail", "source": "aws.s3", "detail": {
        "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "errorCode": code,
        "userIdentity": {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/agent-{name}/agent-{name}-{run}",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role(name)}}}}}


def refused_token(name: str, code: str = "AccessDenied") -> dict[str, Any]:
    """A failed AssumeRoleWithWebIdentity asking for ``agent-<name>``."""
    return {"detail-type": "AWS API Call via CloudTrail", "source": "aws.sts", "detail": {
        "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
        "errorCode": code, "userIdentity": {"type": "WebIdentityUser",
                                            "userName": "repo:evil/x:ref:refs/heads/main"},
        "requestParameters": {"roleArn": role(name), "roleSessionName": "agent-x-1"}}}


def patterns(alerts: Synthesized, stack: str) -> dict[str, dict[str, Any]]:
    return {body["name"]: json.loads(body["event_pattern"])
            for body in alerts.stack(stack)["resource"].get(RULE, {}).values()}


# ------------------------------------------------------------------ synthesized stack


@pytest.mark.parametrize("name", ["docs", "docs-writer"])
def test_each_agent_with_topics_has_its_two_rules(alerts: Synthesized, name: str) -> None:
    rules = alerts.resources(name, RULE)
    assert sorted(r["name"] for r in rules) == [f"agent-{name}-access-denied",
                                               f"agent-{name}-refused-token"]
    for rule in rules:
        # Denied read-only calls (Get*, List*, Describe*) reach EventBridge only so.
        assert rule["state"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" == RULE_STATE
        assert "event_bus_name" not in rule and "schedule_expression" not in rule
        assert rule["tags"] == alerts.resources(name, "aws_iam_role")[0]["tags"]


@pytest.mark.parametrize("name", ["docs", "docs-writer"])
def test_the_patterns_name_exactly_the_agents_role(alerts: Synthesized, name: str) -> None:
    found = patterns(alerts, name)
    denied, refused = found[f"agent-{name}-access-denied"], found[f"agent-{name}-refused-token"]
    assert denied["detail"]["userIdentity"]["sessionContext"] == {
        "sessionIssuer": {"arn": [role(name)]}}
    assert refused["detail"]["requestParameters"] == {"roleArn": [role(name)]}
    assert refused["detail"]["eventName"] == ["AssumeRoleWithWebIdentity"]
    for pattern in (denied, refused):
        assert pattern["detail-type"] == ["AWS API Call via CloudTrail"]
        assert "$or" not in json.dumps(pattern) and "anything-but" not in json.dumps(pattern)
        assert "wildcard" not in json.dumps(pattern) and "suffix" not in json.dumps(pattern)


def test_an_agent_sharing_a_prefix_never_matches_the_others_rules(alerts: Synthesized) -> None:
    docs, writer = patterns(alerts, "docs"), patterns(alerts, "docs-writer")
    # Each rule matches its own agent's events ...
    assert matches(docs["agent-docs-access-denied"], denied_call("docs"))
    assert matches(writer["agent-docs-writer-access-denied"], denied_call("docs-writer"))
    assert matches(docs["agent-docs-refused-token"], refused_token("docs"))
    assert matches(writer["agent-docs-writer-refused-token"], refused_token("docs-writer"))
    # ... and never the other's, whose role name starts with the same text.
    assert not matches(docs["agent-docs-access-denied"], denied_call("docs-writer"))
    assert not matches(writer["agent-docs-writer-access-denied"], denied_call("docs"))
    assert not matches(docs["agent-docs-refused-token"], refused_token("docs-writer"))
    assert not matches(writer["agent-docs-writer-refused-token"], refused_token("docs"))


@pytest.mark.parametrize("code", ["AccessDenied", "AccessDeniedException",
                                  "UnauthorizedOperation", "Client.UnauthorizedOperation",
                                  "AuthorizationError"])
def test_the_denied_rule_matches_every_denial_code(alerts: Synthesized, code: str) -> None:
    pattern = patterns(alerts, "docs")["agent-docs-access-denied"]
    assert matches(pattern, denied_call("docs", code))


@pytest.mark.parametrize("code", ["ThrottlingException", "ValidationException",
                                  "NoSuchKey", "ResourceNotFoundException"])
def test_the_denied_rule_ignores_errors_that_are_not_denials(alerts: Synthesized,
                                                             code: str) -> None:
    pattern = patterns(alerts, "docs")["agent-docs-access-denied"]
    assert not matches(pattern, denied_call("docs", code))


def test_the_refused_rule_ignores_a_successful_exchange(alerts: Synthesized) -> None:
    event = refused_token("docs")
    del event["detail"]["errorCode"]
    assert not matches(patterns(alerts, "docs")["agent-docs-refused-token"], event)


@pytest.mark.parametrize("name", ["docs", "docs-writer"])
def test_targets_are_exactly_the_configured_topics(alerts: Synthesized, name: str) -> None:
    stack = alerts.stack(name)["resource"]
    by_rule: dict[str, list[str]] = {}
    for body in stack[TARGET].values():
        reference = re.fullmatch(r"\$\{aws_cloudwatch_event_rule\.(\w+)\.name\}", body["rule"])
        assert reference is not None and reference[1] in stack[RULE], body["rule"]
        by_rule.setdefault(reference[1], []).append(body["arn"])
        assert "role_arn" not in body
    assert set(by_rule) == set(stack[RULE])
    assert all(sorted(arns) == sorted(TOPICS[name]) for arns in by_rule.values()), by_rule


@pytest.mark.parametrize("name", ["docs", "docs-writer"])
def test_the_message_names_agent_owner_rotation_owner_action_resource_and_run(
        alerts: Synthesized, name: str) -> None:
    owner, rotation = OWNERS[name]
    for body in alerts.resources(name, TARGET):
        transformer = body["input_transformer"]
        template, paths = transformer["input_template"], transformer["input_paths"]
        # Every placeholder is a defined path, and the message is JSON once filled in.
        used = set(re.findall(r"<([A-Za-z0-9_-]+)>", template))
        assert used == set(paths)
        message = json.loads(re.sub(r"<([A-Za-z0-9_-]+)>", lambda m: f"v-{m[1]}", template))
        assert (message["agent"], message["owner"], message["rotation_owner"]) == (
            name, owner, rotation)
        assert message["role"] == role(name)
        assert {"action", "resource", "github_run", "error", "event_id"} <= set(message)
    denied = next(b for b in alerts.resources(name, TARGET)
                  if "eventName" in json.dumps(b["input_transformer"]["input_paths"]))
    paths = denied["input_transformer"]["input_paths"]
    assert paths["session"] == "$.detail.userIdentity.arn"  # .../agent-<name>-<run id>
    assert paths["resource"] == "$.detail.resources[0].ARN"
    refused = next(b for b in alerts.resources(name, TARGET)
                   if "roleSessionName" in json.dumps(b["input_transformer"]["input_paths"]))
    assert refused["input_transformer"]["input_paths"]["subject"] == (
        "$.detail.userIdentity.userName")  # the token's subject: who tried


@pytest.mark.parametrize("name", ["docs-linter", "docs-old"])
def test_no_alerts_without_a_live_role(alerts: Synthesized, name: str) -> None:
    # docs-linter has no AWS identity; docs-old is revoked (its stack holds nothing).
    resources = alerts.stack(name).get("resource", {})
    assert RULE not in resources and TARGET not in resources


def test_no_alerts_without_configured_topics(synthesized_example: Synthesized) -> None:
    for stack in synthesized_example.stacks():
        resources = synthesized_example.stack(stack).get("resource", {})
        assert RULE not in resources and TARGET not in resources, stack


def test_verify_passes_the_synthesized_alerts(alerts: Synthesized) -> None:
    documents = {name: alerts.stack(name) for name in alerts.stacks()}
    report = verify_documents(documents, load(FIXTURE, TODAY).identities)
    assert report.ok, [f.render() for f in report.findings]


# ------------------------------------------------------------------- verifier


def _corrupted(alerts: Synthesized, edit: Callable[[dict[str, Any]], None]
               ) -> list[tuple[str, str, str]]:
    documents = {name: json.loads(json.dumps(alerts.stack(name))) for name in alerts.stacks()}
    edit(documents)
    report = verify_documents(documents, load(FIXTURE, TODAY).identities)
    return [(f.invariant, f.stack, f.address) for f in report.findings]


def _edit_pattern(stack: str, rule: str, edit: Callable[[dict[str, Any]], None]
                  ) -> Callable[[dict[str, Any]], None]:
    def corrupt(documents: dict[str, Any]) -> None:
        body = documents[stack]["resource"][RULE][rule]
        pattern = json.loads(body["event_pattern"])
        edit(pattern)
        body["event_pattern"] = json.dumps(pattern)
    return corrupt


def _issuer(pattern: dict[str, Any], value: Any) -> None:
    pattern["detail"]["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] = value


BROADER = {
    "a prefix of the role's ARN": [{"prefix": role("docs")}],
    "a wildcard": [{"wildcard": "arn:aws:iam::123456789012:role/agent-docs*"}],
    "anything but another role": [{"anything-but": role("docs-writer")}],
    "the other agent's role too": [role("docs"), role("docs-writer")],
    "the other agent's role": [role("docs-writer")],
}


@pytest.mark.parametrize("value", list(BROADER.values()), ids=list(BROADER))
def test_verify_catches_a_pattern_broader_than_the_role(alerts: Synthesized,
                                                        value: Any) -> None:
    found = _corrupted(alerts, _edit_pattern("docs", "aws_alert_access_denied",
                                             lambda p: _issuer(p, value)))
    assert ("AgentId-Verify-AwsAlertRules", "docs",
            "aws_cloudwatch_event_rule.aws_alert_access_denied") in found


def test_verify_catches_an_or_around_the_role(alerts: Synthesized) -> None:
    def edit(pattern: dict[str, Any]) -> None:
        pattern["$or"] = [{"source": ["aws.s3"]}]
    found = _corrupted(alerts, _edit_pattern("docs", "aws_alert_access_denied", edit))
    assert ("AgentId-Verify-AwsAlertRules", "docs",
            "aws_cloudwatch_event_rule.aws_alert_access_denied") in found


def test_verify_catches_a_rule_without_read_only_events(alerts: Synthesized) -> None:
    def edit(documents: dict[str, Any]) -> None:
        documents["docs"]["resource"][RULE]["aws_alert_refused_token"]["state"] = "ENABLED"
    assert ("AgentId-Verify-AwsAlertRules", "docs",
            "aws_cloudwatch_event_rule.aws_alert_refused_token") in _corrupted(alerts, edit)


def test_verify_catches_a_missing_rule(alerts: Synthesized) -> None:
    def edit(documents: dict[str, Any]) -> None:
        resources = documents["docs"]["resource"]
        del resources[RULE]["aws_alert_refused_token"]
        del resources[TARGET]["aws_alert_refused_token_topic_0"]
    assert ("AgentId-Verify-AwsAlertRules", "docs", "docs") in _corrupted(alerts, edit)


def test_verify_catches_a_topic_the_record_does_not_name(alerts: Synthesized) -> None:
    def edit(documents: dict[str, Any]) -> None:
        target_ = documents["docs"]["resource"][TARGET]["aws_alert_access_denied_topic_0"]
        target_["arn"] = "arn:aws:sns:eu-west-1:210987654321:elsewhere"
    found = _corrupted(alerts, edit)
    assert ("AgentId-Verify-AwsAlertTargets", "docs",
            "aws_cloudwatch_event_target.aws_alert_access_denied_topic_0") in found
    assert ("AgentId-Verify-AwsAlertTargets", "docs",
            "aws_cloudwatch_event_rule.aws_alert_access_denied") in found


def test_verify_catches_a_dropped_topic(alerts: Synthesized) -> None:
    def edit(documents: dict[str, Any]) -> None:
        del documents["docs-writer"]["resource"][TARGET]["aws_alert_access_denied_topic_1"]
    assert ("AgentId-Verify-AwsAlertTargets", "docs-writer",
            "aws_cloudwatch_event_rule.aws_alert_access_denied") in _corrupted(alerts, edit)


def test_verify_catches_a_message_naming_another_owner(alerts: Synthesized) -> None:
    def edit(documents: dict[str, Any]) -> None:
        body = documents["docs"]["resource"][TARGET]["aws_alert_access_denied_topic_0"]
        transformer = body["input_transformer"]
        transformer["input_template"] = transformer["input_template"].replace(
            '"owner":"@acme/docs"', '"owner":"@acme/nobody"')
    assert ("AgentId-Verify-AwsAlertTargets", "docs",
            "aws_cloudwatch_event_target.aws_alert_access_denied_topic_0") in _corrupted(
        alerts, edit)


def test_verify_refuses_alert_resources_where_the_record_names_no_topic(
        alerts: Synthesized) -> None:
    def edit(documents: dict[str, Any]) -> None:
        documents["docs-linter"].setdefault("resource", {})[RULE] = {
            "x": documents["docs"]["resource"][RULE]["aws_alert_access_denied"]}
    assert ("AgentId-Verify-ResourcesFromRecord", "docs-linter",
            "aws_cloudwatch_event_rule.x") in _corrupted(alerts, edit)


# ------------------------------------------------------------------- pure plan


def test_plan_topics_are_the_files_then_the_agents_own_without_repeats(
        identities: IdentitiesFile, tmp_path: Path) -> None:
    assert alert_topics(agent(identities, "docs"), identities) == (FILE_TOPIC,)
    assert alert_topics(agent(identities, "docs-writer"), identities) == (FILE_TOPIC, OWN_TOPIC)
    text = FIXTURE.read_text().replace("docs-team-alerts", "security-alerts")
    repeated = load(write(tmp_path, text), TODAY).identities
    assert alert_topics(agent(repeated, "docs-writer"), repeated) == (FILE_TOPIC,)


def test_plan_has_no_alerts_without_a_live_role_or_topics(identities: IdentitiesFile,
                                                          tmp_path: Path) -> None:
    assert plan_alerts(agent(identities, "docs-linter"), identities) is None
    assert plan_alerts(agent(identities, "docs-old"), identities) is None
    plain = load(write(tmp_path, BASE), TODAY).identities
    assert plan_alerts(plain.agents[0], plain) is None


def test_review_no_synth_content_holds_the_alert_plan(identities: IdentitiesFile) -> None:
    content = target("aws").planned_content(agent(identities, "docs-writer"), identities)
    plan = content["plan.aws_alerts"]
    assert list(plan["topics"]) == [FILE_TOPIC, OWN_TOPIC]
    assert [r["name"] for r in plan["rules"]] == ["agent-docs-writer-access-denied",
                                                  "agent-docs-writer-refused-token"]
    assert "plan.aws_alerts" not in target("aws").planned_content(
        agent(identities, "docs-old"), identities)


def test_the_card_says_where_alerts_go(identities: IdentitiesFile) -> None:
    card = identity_card(agent(identities, "docs-writer"), identities, TODAY)
    assert len(card.alerts) == 2
    assert FILE_TOPIC in card.alerts[0] and OWN_TOPIC in card.alerts[1]
    rendered = render_card(card)
    assert "**Alerts go to:**" in rendered
    assert f"AWS SNS topic {OWN_TOPIC}" in rendered
    none = identity_card(agent(identities, "docs-linter"), identities, TODAY)
    assert none.alerts == () and "Alerts go to" not in render_card(none)


def test_the_packet_says_where_alerts_go_and_adding_them_needs_no_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = write(tmp_path, BASE + "    alerts:\n      aws: {topics: "
                 f'["arn:aws:sns:eu-west-1:{ACCOUNT}:platform-alerts"]}}\n')
    base = write(tmp_path, BASE, "base.yaml")
    code = main(["review", "-f", str(head), "--base-file", str(base), "--no-synth",
                 "--today", TODAY_ARG])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"AWS SNS topic arn:aws:sns:eu-west-1:{ACCOUNT}:platform-alerts" in out
    assert "Alerts go to" in out
    # And removing them again needs no escalation either.
    code = main(["review", "-f", str(base), "--base-file", str(head), "--no-synth",
                 "--today", TODAY_ARG])
    out = capsys.readouterr().out
    assert code == 0, out


@pytest.mark.parametrize("kind", ["plan.aws_alerts", RULE, TARGET])
def test_review_judges_alerts_added_changed_or_removed_harmless(kind: str) -> None:
    # Neither a broadening (no escalation) nor a narrowing (alerts are not access).
    with_alert = {f"{kind}.x": {"arn": FILE_TOPIC, "event_pattern": "{}"}}
    changed = {f"{kind}.x": {"arn": OWN_TOPIC, "event_pattern": '{"detail": {}}'}}
    role_ = {"aws_iam_role.aws_role": {"name": "agent-docs"}}
    for base, head in (({}, with_alert), (with_alert, {}), (with_alert, changed)):
        verdicts = {c.kind for c in compare("docs", {**role_, **base}, {**role_, **head})}
        assert verdicts == {HARMLESS}, (base, head, verdicts)


# ------------------------------------------------------------------- bad input

TOPIC_LINE = "  alerts:\n    aws:\n      topics:\n        - \"{topic}\"\n  backend:"


def _file_topic(topic: str) -> str:
    return variant("  backend:", TOPIC_LINE.format(topic=topic))


@pytest.mark.parametrize(("topic", "message"), [
    ("arn:aws:sns:eu-west-1:210987654321:alerts", "is in account 210987654321, not "
     f"{ACCOUNT} of defaults.aws"),
    (f"arn:aws-us-gov:sns:eu-west-1:{ACCOUNT}:alerts", "is in partition 'aws-us-gov', not "
     "'aws' of defaults.aws"),
    (f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts", "is in region us-east-1, not eu-west-1 of "
     "defaults.aws"),
])
def test_a_topic_elsewhere_is_refused_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], topic: str, message: str) -> None:
    assert_refused(tmp_path, capsys, _file_topic(topic), "defaults.alerts.aws.topics[0]",
                   f'- "{topic}"', message)


def test_an_agents_own_topic_elsewhere_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    topic = "arn:aws:sns:eu-west-1:210987654321:alerts"
    text = BASE + f'    alerts:\n      aws:\n        topics: ["{topic}"]\n'
    assert_refused(tmp_path, capsys, text, "agents[0].alerts.aws.topics[0]", topic,
                   "is in account 210987654321")


def test_a_malformed_topic_is_refused(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    topic = f"arn:aws:sns:eu-west-1:{ACCOUNT}:bad/name"
    source = write(tmp_path, _file_topic(topic))
    assert main(["validate", "-f", str(source), "--today", TODAY_ARG]) == 1
    err = capsys.readouterr().err
    assert f"{source}:" in err and "defaults.alerts.aws.topics[0]" in err
    assert "Traceback" not in err


def test_alerts_for_a_cloud_the_agent_does_not_use_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = BASE + ("    alerts:\n      gcp:\n        channels: "
                   '["projects/acme-agents/notificationChannels/123"]\n')
    source = write(tmp_path, text)
    assert main(["validate", "-f", str(source), "--today", TODAY_ARG]) == 1
    err = capsys.readouterr().err
    assert "agents[0].alerts.gcp: alerts.gcp names channels, but this agent has no " \
           "identity in gcp" in err
    assert "remove alerts.gcp from this agent" in err


def test_file_aws_alerts_without_defaults_aws_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = variant('  aws: {account_id: "123456789012", region: eu-west-1}\n', "",
                   _file_topic(f"arn:aws:sns:eu-west-1:{ACCOUNT}:alerts"))
    source = write(tmp_path, text)
    assert main(["validate", "-f", str(source), "--today", TODAY_ARG]) == 1
    err = capsys.readouterr().err
    assert "defaults.alerts.aws: defaults.alerts.aws names SNS topics but defaults.aws " \
           "is not set" in err


def test_more_topics_than_a_rule_has_targets_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    topics = ", ".join(f'"arn:aws:sns:eu-west-1:{ACCOUNT}:t{n}"' for n in range(4))
    own = ", ".join(f'"arn:aws:sns:eu-west-1:{ACCOUNT}:own{n}"' for n in range(2))
    text = variant("  backend:", f"  alerts:\n    aws: {{topics: [{topics}]}}\n  backend:")
    text += f"    alerts:\n      aws: {{topics: [{own}]}}\n"
    assert_refused(tmp_path, capsys, text, "agents[0].alerts.aws.topics", "own0",
                   "would alert 6 SNS topics, over EventBridge's 5 targets per rule")


def test_verify_restates_the_plans_facts_equal(identities: IdentitiesFile) -> None:
    # verify derives from the record on purpose (docs/architecture.md §1); kept equal here.
    from cdk.aws import alerts_plan
    from cdk.verify import aws_alerts, expect

    assert aws_alerts.API_CALL == alerts_plan.CLOUDTRAIL_API_CALL
    assert aws_alerts.ALL_MANAGEMENT_EVENTS == alerts_plan.RULE_STATE
    assert aws_alerts.WEB_IDENTITY == alerts_plan.WEB_IDENTITY
    for each in identities.agents:
        plan = plan_alerts(each, identities)
        assert expect.aws_alert_topics(identities, each) == (plan.topics if plan else ())
