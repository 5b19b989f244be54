"""A Google Cloud agent is watched for its own denials, and only its own (docs/alerts.md).

GIVEN tests/fixtures/alerts-gcp-azure.yaml (agents ``docs`` and ``docs-writer``, whose
names share a prefix, the file's channels plus docs-writer's own, and a tombstone)
synthesized, WHEN each agent's stack is read, THEN it holds a log-based metric whose
filter names exactly its own service account (``=`` on the quoted email: nothing
that also matches the other agent) and PERMISSION_DENIED, and an alert policy on that
metric that notifies exactly the configured channels, naming the agent, its owner and
rotation owner; a tombstone or an agent without channels has none; a channel of
another project is refused at its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cdk.cli import main
from cdk.gcp.alerts_plan import denied_filter, plan_alerts
from cdk.gcp.target import TARGET
from cdk.validation import load

from ..alert_review import assert_harmless_synthesized, assert_harmless_without_synthesis
from ..conftest import FIXTURES, TODAY, TODAY_ARG, Synthesized
from ..records import GCP, assert_refused

FIXTURE = "alerts-gcp-azure"
EMAIL = "agent-{}@acme-agents.iam.gserviceaccount.com"
FILE_CHANNELS = ["projects/acme-agents/notificationChannels/1001",
                 "projects/acme-agents/notificationChannels/1002"]
OWN_CHANNEL = "projects/acme-agents/notificationChannels/2001"
# One clause of a Logging filter: field, operator, value.
CLAUSE_RE = re.compile(r'^(?P<field>[A-Za-z@.]+)(?P<op>=|:|=~|!=|>=|<=|>|<)(?P<value>.+)$')


def _clauses(found: str) -> dict[str, tuple[str, str]]:
    """``field -> (operator, value)`` of a filter of ``AND``-ed clauses (no OR, no NOT)."""
    clauses: dict[str, tuple[str, str]] = {}
    for clause in found.split(" AND "):
        match = CLAUSE_RE.match(clause)
        assert match is not None, clause
        clauses[match["field"]] = (match["op"], match["value"])
    assert " OR " not in found and "NOT " not in found
    return clauses


def _matches_principal(found: str, email: str) -> bool:
    """Whether a filter's caller clause accepts ``email`` (equality only: the clause
    must be ``=`` on a quoted literal, which Logging compares whole)."""
    op, value = _clauses(found)["protoPayload.authenticationInfo.principalEmail"]
    assert op == "=", f"caller matched with {op!r}, not exact equality"
    return value == f'"{email}"'


@pytest.fixture(scope="module")
def identities() -> Any:
    return load(FIXTURES / f"{FIXTURE}.yaml", TODAY).identities


def _agent(identities: Any, name: str) -> Any:
    return next(a for a in identities.agents if a.name == name)


# ------------------------------------------------------------------ the plan (pure)


def test_the_filter_names_exactly_the_agents_service_account(identities: Any) -> None:
    docs = plan_alerts(_agent(identities, "docs"), identities)
    writer = plan_alerts(_agent(identities, "docs-writer"), identities)
    assert docs is not None and writer is not None

    assert _clauses(docs.metric_filter) == {
        "protoPayload.@type": ("=", '"type.googleapis.com/google.cloud.audit.AuditLog"'),
        "protoPayload.authenticationInfo.principalEmail": ("=", f'"{EMAIL.format("docs")}"'),
        "protoPayload.status.code": ("=", "7"),
    }
    assert _matches_principal(docs.metric_filter, EMAIL.format("docs"))
    assert not _matches_principal(docs.metric_filter, EMAIL.format("docs-writer"))
    assert _matches_principal(writer.metric_filter, EMAIL.format("docs-writer"))
    assert not _matches_principal(writer.metric_filter, EMAIL.format("docs"))


def test_a_quote_in_the_filter_literal_is_escaped() -> None:
    # Emails cannot hold quotes (the schema's names), but the quoting never trusts that.
    assert 'principalEmail="a\\"b@x"' in denied_filter('a"b@x')


def test_channels_are_the_files_then_the_agents_own_each_once(identities: Any) -> None:
    docs = plan_alerts(_agent(identities, "docs"), identities)
    writer = plan_alerts(_agent(identities, "docs-writer"), identities)
    assert docs is not None and writer is not None

    assert list(docs.channels) == FILE_CHANNELS
    # docs-writer also lists 1001, which the file already names: notified once.
    assert list(writer.channels) == [*FILE_CHANNELS, OWN_CHANNEL]


def test_no_alert_for_a_tombstone_or_without_channels(identities: Any) -> None:
    assert plan_alerts(_agent(identities, "docs-legacy"), identities) is None
    plain = load(FIXTURES / "gcp.yaml", TODAY).identities
    assert all(plan_alerts(agent, plain) is None for agent in plain.agents)


def test_review_without_synthesis_and_the_card_show_the_alert(identities: Any) -> None:
    writer = _agent(identities, "docs-writer")
    content = TARGET.planned_content(writer, identities)
    lines = TARGET.card(writer, identities, TODAY).alerts

    assert content["plan.gcp_alerts"]["channels"] == (*FILE_CHANNELS, OWN_CHANNEL)
    assert content["plan.gcp_alerts"]["metric_filter"] == denied_filter(
        EMAIL.format("docs-writer"))
    assert len(lines) == 3
    assert all(EMAIL.format("docs-writer") in line for line in lines)
    assert [c for c in (*FILE_CHANNELS, OWN_CHANNEL) if any(c in line for line in lines)] == [
        *FILE_CHANNELS, OWN_CHANNEL]
    assert "plan.gcp_alerts" not in TARGET.planned_content(
        _agent(identities, "docs-legacy"), identities)


# ------------------------------------------------------------------ the synthesized stacks


@pytest.fixture(scope="module")
def out(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    return synthesized_fixtures(FIXTURE)


def _only(out: Synthesized, stack: str, kind: str) -> dict[str, Any]:
    found = out.resources(stack, kind)
    assert len(found) == 1, f"{stack}: {len(found)} {kind}"
    return found[0]


@pytest.mark.parametrize(("name", "other"), [("docs", "docs-writer"), ("docs-writer", "docs")])
def test_the_metric_counts_the_agents_own_denials_only(out: Synthesized, name: str,
                                                       other: str) -> None:
    metric = _only(out, name, "google_logging_metric")

    assert metric["project"] == "acme-agents"
    assert metric["name"] == f"agentid/agent-{name}/permission-denied"
    assert _matches_principal(metric["filter"], EMAIL.format(name))
    assert not _matches_principal(metric["filter"], EMAIL.format(other))
    assert _clauses(metric["filter"])["protoPayload.status.code"] == ("=", "7")
    assert metric["metric_descriptor"]["metric_kind"] == "DELTA"
    assert metric["metric_descriptor"]["value_type"] == "INT64"


@pytest.mark.parametrize(("name", "channels"), [
    ("docs", FILE_CHANNELS), ("docs-writer", [*FILE_CHANNELS, OWN_CHANNEL])])
def test_the_policy_watches_that_metric_and_notifies_the_configured_channels(
        out: Synthesized, name: str, channels: list[str]) -> None:
    metric = _only(out, name, "google_logging_metric")
    policy = _only(out, name, "google_monitoring_alert_policy")
    [condition] = policy["conditions"]
    threshold = condition["condition_threshold"]

    assert policy["notification_channels"] == channels
    assert threshold["filter"] == (f'metric.type="logging.googleapis.com/user/'
                                   f'{metric["name"]}"')
    assert (threshold["comparison"], threshold["threshold_value"]) == ("COMPARISON_GT", 0)
    assert policy["project"] == "acme-agents"
    assert any(d.startswith("google_logging_metric.") for d in policy["depends_on"])


def test_the_policy_names_the_agent_its_owner_and_rotation_owner(out: Synthesized) -> None:
    documentation = _only(out, "docs-writer", "google_monitoring_alert_policy")[
        "documentation"]

    assert "agent-docs-writer" in documentation["subject"]
    assert "@acme/docs" in documentation["subject"]
    for text in ("**agent-docs-writer**", "Owner: @acme/docs",
                 "Rotation owner: @acme/docs-writers-oncall"):
        assert text in documentation["content"]


def test_no_alert_for_a_tombstone(out: Synthesized) -> None:
    assert out.resources("docs-legacy", "google_logging_metric") == []
    assert out.resources("docs-legacy", "google_monitoring_alert_policy") == []


def test_no_alert_without_configured_channels(synthesized_gcp: Synthesized) -> None:
    for stack in synthesized_gcp.stacks():
        assert synthesized_gcp.resources(stack, "google_logging_metric") == []
        assert synthesized_gcp.resources(stack, "google_monitoring_alert_policy") == []


# ------------------------------------------------------------------ bad input

OTHER = "projects/other-project/notificationChannels/42"


@pytest.mark.parametrize(("text", "path"), [
    pytest.param(GCP + f"    alerts:\n      gcp:\n        channels: [{OTHER}]\n",
                 "agents[0].alerts.gcp.channels[0]", id="agent"),
    pytest.param(GCP.replace("agents:\n", f"  alerts:\n    gcp:\n      channels: [{OTHER}]\n"
                             "agents:\n", 1),
                 "defaults.alerts.gcp.channels[0]", id="defaults"),
])
def test_a_channel_of_another_project_is_refused_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, path: str) -> None:
    assert_refused(tmp_path, capsys, text, path, OTHER,
                   f"notification channel {OTHER} is in project other-project, not "
                   "acme-agents of defaults.gcp")


# ------------------------------------------------------------------ review

ALERT_KINDS = ("google_logging_metric", "google_monitoring_alert_policy")
WITH_ALERTS = GCP + (
    "    alerts:\n      gcp:\n        channels: [projects/acme-agents/notificationChannels/42]\n")


@pytest.mark.parametrize("direction", ["added", "removed"])
def test_adding_or_removing_alerts_is_harmless_in_review_without_synthesis(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], direction: str) -> None:
    base, head = (GCP, WITH_ALERTS) if direction == "added" else (WITH_ALERTS, GCP)
    assert_harmless_without_synthesis(tmp_path, capsys, base, head, "plan.gcp_alerts")


def test_synthesized_alerts_are_harmless_to_add_change_or_remove(out: Synthesized) -> None:
    assert_harmless_synthesized(out, "docs-writer", ALERT_KINDS)


def test_the_card_says_where_both_clouds_alerts_go(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["card", "docs-writer", "-f", str(FIXTURES / f"{FIXTURE}.yaml"),
                 "--today", TODAY_ARG]) == 0
    card = capsys.readouterr().out
    section = card[card.index("**Alerts go to:**"):]

    for channel in (*FILE_CHANNELS, OWN_CHANNEL):
        assert f"Google Cloud notification channel {channel}:" in section
    assert "Azure action group /subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/" \
           "resourceGroups/docs/providers/Microsoft.Insights/actionGroups/docs-oncall" in section
