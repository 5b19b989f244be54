"""The rule pack: every rule fires on its non-compliant case and stays quiet on the base.

GIVEN the valid base record with one thing changed, WHEN the rules run, THEN
exactly the rule that guards that thing reports it, and every rule explains
why it exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cdk.checks import RULES, Problem, Rule, load_rules, run_checks
from cdk.cli import main
from cdk.errors import Finding
from cdk.loader import validate_schema
from cdk.model import IdentitiesFile
from cdk.yamlsafe import parse

from ..conftest import TODAY, TODAY_ARG
from ..records import (
    AZURE,
    AZURE_DEFAULTS,
    AZURE_ROLE,
    AZURE_SUBSCRIPTION,
    BASE,
    GCP,
    GCP_ROLE,
    variant,
    write,
)
from .scope_cases import NON_COMPLIANT as SCOPE_CASES
from .scope_cases import scope_record

RUNS_ON = ("      - repo: acme/api\n        repo_id: 123456\n"
           "        environment: agent-release-bot\n")
AGENT = BASE[BASE.index("  - name: release-bot"):]


def second_agent(name: str, repo: str = "acme/api", repo_id: int = 123456,
                 environment: str = "agent-other") -> str:
    """Another agent appended to the base file."""
    text = variant("name: release-bot", f"name: {name}", AGENT)
    text = variant("repo: acme/api", f"repo: {repo}", text)
    text = variant("repo_id: 123456", f"repo_id: {repo_id}", text)
    return BASE + variant("environment: agent-release-bot", f"environment: {environment}",
                          text)


def many_runs(count: int) -> str:
    entries = "".join(
        f"      - repo: acme/a-rather-long-repository-name-number-{n}\n"
        f"        repo_id: {1000 + n}\n        environment: agent-release-bot\n"
        for n in range(count))
    return variant(RUNS_ON, entries)


# rule id -> identities text that breaks exactly that rule
NON_COMPLIANT = {
    "AgentId-AwsDefaultsMissing": variant(
        '  aws: {account_id: "123456789012", region: eu-west-1}\n', ""),
    "AgentId-TrustPolicyTooLarge": many_runs(30),
    "AgentId-ReservedName": variant("name: release-bot", "name: foundation"),
    "AgentId-DuplicateName": second_agent("release-bot", environment="agent-release-bot-2"),
    "AgentId-TeamOutsideOwner": variant('rotation_owner: "@acme/platform-oncall"',
                                        'rotation_owner: "@other/oncall"'),
    "AgentId-DuplicateApprover": variant('approvers: ["@acme/release-managers"]',
                                         'approvers: ["@alice", "@Alice"]'),
    "AgentId-ExpiryPassed": variant("expires: 2027-02-15", "expires: 2026-11-28"),
    "AgentId-ExpiryBeyondPolicy": variant("expires: 2027-02-15", "expires: 2027-03-01"),
    "AgentId-RevokedInFuture": BASE + '    revoked: {on: 2026-12-01, by: "@acme/platform", '
                                      "reason: Retired}\n",
    "AgentId-LockedInFuture": BASE + '    locked: {on: 2026-11-30, by: "@acme/security", '
                                     "reason: incident}\n",
    "AgentId-RotateInFuture": BASE + '    rotate:\n      - {on: 2026-11-30, by: "@acme/platform", '
                                     "reason: member left}\n",
    "AgentId-LockedRevoked": BASE + '    locked: {on: 2026-11-01, by: "@acme/security", '
                                    'reason: incident}\n    revoked: {on: 2026-11-02, '
                                    'by: "@acme/platform", reason: Retired}\n',
    "AgentId-RotateAfterRevoked": BASE + '    rotate:\n      - {on: 2026-11-03, '
                                         'by: "@acme/platform", reason: leak}\n'
                                         '    revoked: {on: 2026-11-02, by: "@acme/platform", '
                                         "reason: Retired}\n",
    "AgentId-DuplicateRotate": BASE + "    rotate:\n" + 2 * (
        '      - {on: 2026-11-03, by: "@acme/platform", reason: member left}\n'),
    "AgentId-RepoOutsideOwner": variant("repo: acme/api", "repo: evil/api"),
    "AgentId-DuplicateSubject": variant(
        RUNS_ON, RUNS_ON + "      - repo: acme/API\n        repo_id: 123456\n"
        "        environment: Agent-Release-Bot\n"),
    "AgentId-RepoIdMismatch": second_agent("other-bot", repo_id=654321),
    "AgentId-AgentApprover": variant('approvers: ["@acme/release-managers"]',
                                     'approvers: ["@acme/release-managers", '
                                     '"@agent-release-bot"]'),
    "AgentId-SharedEnvironment": second_agent("other-bot", environment="AGENT-release-bot"),
    "AgentId-DeployKeyWriteNeedsEscalation": BASE + "    github:\n      deploy_keys:\n"
                                             "        - {repo: acme/api, access: write}\n",
    "AgentId-DuplicateDeployKey": BASE + "    github:\n      deploy_keys:\n"
                                  "        - {repo: acme/api}\n        - {repo: acme/api}\n",
}



def _gcp_role(role: str, resource: str = "{bucket: acme-artifacts}") -> str:
    return variant(GCP_ROLE, f"        - role: {role}\n          resource: {resource}\n", GCP)


NON_COMPLIANT.update({
    "AgentId-GcpDefaultsMissing": variant(
        "  gcp: {project_id: acme-agents, project_number: 987654321098, "
        "region: europe-west1}\n", "", GCP),
    "AgentId-GcpBasicRole": _gcp_role("roles/owner"),
    "AgentId-GcpPrivilegedRole": _gcp_role("roles/iam.serviceAccountUser"),
    "AgentId-GcpRoleName": _gcp_role("roles/storage"),
    "AgentId-GcpResourceInvalid": _gcp_role("roles/storage.objectViewer",
                                            "{project: other-project}"),
    "AgentId-GcpAgentResource": _gcp_role("roles/secretmanager.secretAccessor",
                                          "{secret: agents-other-deploy-keys-acme-api}"),
    "AgentId-GcpMustNeverHold": GCP + '    must_never_hold: ["roles/storage.objectViewer"]\n',
    "AgentId-GcpMustNeverHoldUnknown": GCP + '    must_never_hold: ["storage/delete"]\n',
    "AgentId-GcpSubjectTooLong": variant("environment: agent-release-bot",
                                         "environment: agent-release-bot-" + "x" * 80, GCP),
    "AgentId-GcpWorkflowPin": variant(
        "environment: agent-release-bot",
        "environment: agent-release-bot\n        workflow: .github/workflows/x.yml\n"
        "        ref: refs/heads/main", GCP),
    "AgentId-GcpConditionTooLarge": variant(
        RUNS_ON, "".join(f"      - repo: acme/a-rather-long-repository-name-number-{n}\n"
                         f"        repo_id: {1000 + n}\n"
                         "        environment: agent-release-bot\n" for n in range(40)), GCP),
})



def _azure_role(role: str, scope: str | None = None, reason: str | None = None) -> str:
    entry = f"        - role: {role}\n"
    entry += (f"          scope: {scope}\n" if scope is not None
              else AZURE_ROLE.splitlines(keepends=True)[1])
    entry += f"          reason: {reason}\n" if reason else ""
    return variant(AZURE_ROLE, entry, AZURE)


NON_COMPLIANT.update({
    "AgentId-AzureDefaultsMissing": variant(AZURE_DEFAULTS, "", AZURE),
    "AgentId-AzurePrivilegedRole": _azure_role("Owner"),
    "AgentId-AzureRoleName": _azure_role("Storage Blob Data Reader*"),
    "AgentId-AzureScopeInvalid": _azure_role(
        "Reader", "{subscription: 0b1f6471-1bf0-4dda-aec3-111122223333}"),
    "AgentId-AzureAgentResource": _azure_role("Key Vault Secrets User",
                                              "{resource_group: agents}"),
    "AgentId-AzureDuplicateAssignment": variant(
        AZURE_ROLE, AZURE_ROLE + AZURE_ROLE.replace("Storage Blob Data Reader",
                                                    "storage blob data reader"), AZURE),
    "AgentId-AzureTooManySubjects": variant(
        RUNS_ON, "".join(f"      - repo: acme/api\n        repo_id: 123456\n"
                         f"        environment: agent-release-bot-{n}\n" for n in range(21)),
        AZURE),
    "AgentId-AzureWorkflowPin": variant(
        "environment: agent-release-bot",
        "environment: agent-release-bot\n        workflow: .github/workflows/x.yml\n"
        "        ref: refs/heads/main", AZURE),
    "AgentId-AzureBothSubjectForms": variant(
        "environment: agent-release-bot",
        "environment: agent-release-bot\n        subject_form: both", AZURE),
    "AgentId-AzureMustNeverHold": AZURE + (
        '    must_never_hold: ["Microsoft.Storage/storageAccounts/delete"]\n'),
    # Alerts (docs/alerts.md): a channel outside the file's project or subscription.
    "AgentId-GcpAlertChannelProject": GCP + (
        "    alerts:\n      gcp:\n"
        "        channels: [projects/other-project/notificationChannels/42]\n"),
    "AgentId-AzureActionGroupSubscription": AZURE + (
        "    alerts:\n      azure:\n        action_groups:\n"
        "          - /subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/"
        "monitoring/providers/Microsoft.Insights/actionGroups/security\n"),
})


def _topic(name: str, account: str = "123456789012", region: str = "eu-west-1") -> str:
    return f'"arn:aws:sns:{region}:{account}:{name}"'


def _file_topics(*topics: str, base: str = BASE) -> str:
    """``base`` with ``defaults.alerts.aws.topics`` set to ``topics``."""
    return variant("  backend:", f"  alerts:\n    aws: {{topics: [{', '.join(topics)}]}}\n"
                   "  backend:", base)


def _agent_topics(*topics: str, base: str = BASE) -> str:
    """``base`` with the (last) agent's own ``alerts.aws.topics`` set to ``topics``."""
    return base + f"    alerts:\n      aws: {{topics: [{', '.join(topics)}]}}\n"


NON_COMPLIANT.update({
    "AgentId-AlertTopicElsewhere": _file_topics(_topic("alerts", account="210987654321")),
    "AgentId-AlertsAwsDefaultsMissing": _file_topics(_topic("alerts"), base=GCP),
    "AgentId-AlertTopicsTooMany": _agent_topics(
        _topic("own"), base=_file_topics(*(_topic(f"t{n}") for n in range(5)))),
    "AgentId-AlertsCloudUnused": _agent_topics(_topic("alerts"), base=GCP),
})


def _file_alerts(cloud: str, channels: str, base: str) -> str:
    """``base`` with ``defaults.alerts.<cloud>`` set to ``{channels}``."""
    return variant("  backend:", f"  alerts:\n    {cloud}: {{{channels}}}\n  backend:", base)


def _action_group(name: str) -> str:
    return (f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/monitoring/providers/"
            f"Microsoft.Insights/actionGroups/{name}")


NON_COMPLIANT.update({
    "AgentId-AlertsGcpDefaultsMissing": _file_alerts(
        "gcp", "channels: [projects/acme-agents/notificationChannels/1]", BASE),
    "AgentId-GcpAlertChannelsTooMany": _file_alerts(
        "gcp", "channels: [" + ", ".join(
            f"projects/acme-agents/notificationChannels/{n}" for n in range(16)) + "]",
        GCP + "    alerts:\n      gcp:\n"
        "        channels: [projects/acme-agents/notificationChannels/99]\n"),
    "AgentId-AlertsAzureDefaultsMissing": _file_alerts(
        "azure", f"action_groups: [{_action_group('security')}]", BASE),
    "AgentId-AzureActionGroupsTooMany": _file_alerts(
        "azure", "action_groups: [" + ", ".join(
            _action_group(f"g{n}") for n in range(5)) + "]",
        AZURE + f"    alerts:\n      azure:\n        action_groups: [{_action_group('own')}]\n"),
})

# The AWS scope rules have their own exact-message cases: the first case of each
# rule serves as its non-compliant example here too.
NON_COMPLIANT["AgentId-AwsCredentialChange"] = scope_record(
    '      statements:\n        - actions: ["iam:PutRolePolicy"]\n'
    '          resources: ["arn:aws:iam::123456789012:role/deployer"]\n')
NON_COMPLIANT["AgentId-AwsPolicyTooLarge"] = scope_record(
    "      access:\n        read: [" + ", ".join(
        f'"arn:aws:s3:::acme-bucket-number-{n:03d}/some/long/prefix/*"' for n in range(150))
    + "]\n")
for _case in SCOPE_CASES:
    _scope_text, _never, _rule_id = _case.values[:3]
    NON_COMPLIANT.setdefault(str(_rule_id), scope_record(str(_scope_text), str(_never)))


def _rules() -> list[str]:
    load_rules()
    return sorted(RULES)


def findings_of(text: str) -> list[Finding]:
    identities = validate_schema(parse("identities.yaml", text))
    return run_checks(identities, TODAY)


def test_every_rule_has_a_non_compliant_case() -> None:
    assert sorted(NON_COMPLIANT) == _rules(), "add a case for every registered rule"


def test_base_record_is_compliant_with_every_rule() -> None:
    assert findings_of(BASE) == []


@pytest.mark.parametrize("rule_id", sorted(NON_COMPLIANT))
def test_rule_fires_on_its_non_compliant_case(rule_id: str) -> None:
    findings = findings_of(NON_COMPLIANT[rule_id])
    assert [f.id for f in findings] == [rule_id], findings


@pytest.mark.parametrize("rule_id", _rules())
def test_explain_prints_why_every_rule_exists(rule_id: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--explain", rule_id]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{rule_id}: ")
    why = out.removeprefix(f"{rule_id}: ").strip()
    assert len(why.split()) >= 10, "the why text must explain, not restate the id"


def test_rule_ids_are_stable_agentid_names() -> None:
    for rule_id in _rules():
        assert rule_id.startswith("AgentId-") and rule_id.isascii() and " " not in rule_id


def test_a_crashing_rule_is_a_finding_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a rule that raises, registered next to the real ones
    def broken(identities: IdentitiesFile, today: date) -> Iterator[Problem]:
        """Always fails."""
        raise KeyError("boom")

    load_rules()
    monkeypatch.setitem(RULES, "AgentId-Broken", Rule("AgentId-Broken", "fails", broken))
    source = write(tmp_path, variant("expires: 2027-02-15", "expires: 2026-01-01"))

    # WHEN the file is validated
    code = main(["validate", "-f", str(source), "--today", TODAY_ARG])

    # THEN the crash is reported as a finding, alongside the other rules' findings
    err = capsys.readouterr().err
    assert code == 1
    assert "rule AgentId-Broken failed: KeyError: 'boom'" in err
    assert "[AgentId-RuleCrashed]" in err
    assert "[AgentId-ExpiryPassed]" in err
    assert "Traceback" not in err
