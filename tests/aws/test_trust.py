"""The role's trust policy holds every invariant of architecture.md §6.1, in plan and output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdk.aws.plan import trust_policy, trust_policy_size
from cdk.errors import InputError
from cdk.loader import Loaded, validate_schema
from cdk.plan import render_json
from cdk.validation import load
from cdk.yamlsafe import parse

from ..conftest import TODAY, Synthesized
from ..records import BASE, assert_refused, variant, write

HOST = "token.actions.githubusercontent.com"


def _trust(tmp_path: Path, text: str) -> dict[str, Any]:
    identities = load(write(tmp_path, text), TODAY).identities
    assert identities.defaults.aws is not None
    return trust_policy(identities.agents[0], identities.defaults.aws,
                        identities.defaults.github)


def test_unpinned_entries_share_one_exact_statement(tmp_path: Path) -> None:
    text = variant("        environment: agent-release-bot\n",
                   "        environment: agent-release-bot\n"
                   "      - repo: acme/web\n        repo_id: 777\n")
    policy = _trust(tmp_path, text)

    assert policy["Version"] == "2012-10-17"
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {
        "Federated": f"arn:aws:iam::123456789012:oidc-provider/{HOST}"}
    assert set(statement["Condition"]) == {"StringEquals", "DateLessThan"}
    equals = statement["Condition"]["StringEquals"]
    assert equals == {
        f"{HOST}:aud": "sts.amazonaws.com",
        f"{HOST}:sub": ["repo:acme@1342004/api@123456:environment:agent-release-bot",
                        "repo:acme@1342004/web@777:environment:agent-release-bot"],
        f"{HOST}:repository_id": ["777", "123456"],
    }
    assert statement["Condition"]["DateLessThan"] == {"aws:CurrentTime": "2027-02-15T00:00:00Z"}


def test_default_environment_is_agent_name(tmp_path: Path) -> None:
    policy = _trust(tmp_path, variant("        environment: agent-release-bot\n", ""))
    equals = policy["Statement"][0]["Condition"]["StringEquals"]
    assert equals[f"{HOST}:sub"] == ["repo:acme@1342004/api@123456:environment:agent-release-bot"]


def test_workflow_pin_gets_its_own_statement(tmp_path: Path) -> None:
    text = variant("        environment: agent-release-bot\n",
                   "        environment: agent-release-bot\n"
                   "        workflow: .github/workflows/release.yml\n"
                   "        ref: refs/heads/main\n"
                   "      - repo: acme/web\n        repo_id: 777\n")
    statements = _trust(tmp_path, text)["Statement"]

    assert [s["Sid"] for s in statements] == ["GitHubActionsEnvironments",
                                              "GitHubActionsPinnedWorkflow1"]
    unpinned, pinned = (s["Condition"]["StringEquals"] for s in statements)
    assert f"{HOST}:job_workflow_ref" not in unpinned
    assert unpinned[f"{HOST}:sub"] == ["repo:acme@1342004/web@777:environment:agent-release-bot"]
    assert pinned == {
        f"{HOST}:aud": "sts.amazonaws.com",
        f"{HOST}:sub": ["repo:acme@1342004/api@123456:environment:agent-release-bot"],
        f"{HOST}:repository_id": ["123456"],
        f"{HOST}:job_workflow_ref": ["acme/api/.github/workflows/release.yml@refs/heads/main"],
    }


def test_trust_policy_too_large_is_refused(tmp_path: Path) -> None:
    runs = "".join(f"      - repo: acme/repo-{i:03d}\n        repo_id: {1000 + i}\n"
                   "        environment: agent-release-bot\n"
                   "        workflow: .github/workflows/release.yml\n"
                   "        ref: refs/heads/main\n" for i in range(8))
    text = variant("      - repo: acme/api\n        repo_id: 123456\n"
                   "        environment: agent-release-bot\n", runs)
    from cdk.cli import main
    assert main(["validate", "-f", str(write(tmp_path, text)), "--today",
                 TODAY.isoformat()]) == 1


def test_trust_policy_size_is_the_rendered_policys_size(example: Loaded,
                                                        tmp_path: Path) -> None:
    # GIVEN the example's agents, generated ones (half pinned), and agents with many
    # entries: pinned, unpinned, both, and one repository listed twice
    from bench.generate import generate

    forms = ("immutable", "legacy", "both", None)
    runs = "".join(f"      - repo: acme/repo-{i:03d}\n        repo_id: {1000 + i}\n"
                   f"        environment: env-{i % 3}\n"
                   + (f"        subject_form: {forms[i % 4]}\n" if forms[i % 4] else "")
                   + ("        workflow: .github/workflows/release.yml\n"
                      "        ref: refs/heads/main\n" if i % 4 == 0 else "")
                   for i in range(12))
    runs += "      - repo: acme/repo-000\n        repo_id: 1000\n"
    texts = [generate(30, TODAY), variant(
        "      - repo: acme/api\n        repo_id: 123456\n"
        "        environment: agent-release-bot\n", runs)]
    texts.append(variant("github: {owner: acme, owner_id: 1342004}",
                         "github: {owner: acme, owner_id: 1342004, subject_form: both}",
                         texts[1]))
    files = [example.identities, *(validate_schema(parse("identities.yaml", t)) for t in texts)]
    for identities in files:
        aws, github = identities.defaults.aws, identities.defaults.github
        assert aws is not None
        for agent in identities.agents:
            # WHEN counted without building it THEN it is the rendered policy's length
            rendered = render_json(trust_policy(agent, aws, github))
            assert trust_policy_size(agent, aws, github) == len(rendered), agent.name


def _assert_invariants(policy: dict[str, Any]) -> None:
    text = json.dumps(policy)
    assert "StringLike" not in text
    assert "ForAllValues" not in text and "ForAnyValue" not in text
    for statement in policy["Statement"]:
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        condition = statement["Condition"]
        assert set(condition) == {"StringEquals", "DateLessThan"}
        equals = condition["StringEquals"]
        assert equals[f"{HOST}:aud"] == "sts.amazonaws.com"
        assert equals[f"{HOST}:sub"], "a trust policy without subjects trusts everyone"
        assert equals[f"{HOST}:repository_id"]
        for value in [*equals[f"{HOST}:sub"], *equals.get(f"{HOST}:job_workflow_ref", [])]:
            assert "*" not in value and "?" not in value
            assert ":pull_request" not in value
        assert all(v.isdigit() for v in equals[f"{HOST}:repository_id"])
        assert condition["DateLessThan"]["aws:CurrentTime"].endswith("T00:00:00Z")


def test_every_synthesized_trust_policy_holds_the_invariants(
    synthesized_example: Synthesized,
) -> None:
    roles = [role for stack in synthesized_example.stacks()
             for role in synthesized_example.resources(stack, "aws_iam_role")]
    assert roles
    for role in roles:
        _assert_invariants(json.loads(role["assume_role_policy"]))


def test_synthesized_role_carries_name_session_and_tags(
    synthesized_example: Synthesized,
) -> None:
    [role] = synthesized_example.resources("release-bot", "aws_iam_role")
    assert role["name"] == "agent-release-bot"
    assert role["max_session_duration"] == 3600
    assert role["tags"] == {"agent": "release-bot", "owner": "@acme/platform",
                            "expires": "2027-02-15", "managed-by": "agentid"}
    policy = json.loads(role["assume_role_policy"])
    equals = policy["Statement"][0]["Condition"]["StringEquals"]
    assert equals[f"{HOST}:job_workflow_ref"] == [
        "acme/api/.github/workflows/release.yml@refs/heads/main"]
    assert policy["Statement"][0]["Condition"]["DateLessThan"] == {
        "aws:CurrentTime": "2027-02-15T00:00:00Z"}


def test_foundation_holds_the_oidc_provider(synthesized_example: Synthesized) -> None:
    [provider] = synthesized_example.resources("foundation",
                                               "aws_iam_openid_connect_provider")
    assert provider["url"] == f"https://{HOST}"
    assert provider["client_id_list"] == ["sts.amazonaws.com"]


# --------------------------------------------------------------------------- subject forms

IMMUTABLE_API = "repo:acme@1342004/api@123456:environment:agent-release-bot"
LEGACY_API = "repo:acme/api:environment:agent-release-bot"


def _form(form: str | None, where: str = "entry") -> str:
    """The base record with ``subject_form`` set on its entry or the organization."""
    if form is None:
        return BASE
    if where == "entry":
        return variant("        environment: agent-release-bot\n",
                       f"        environment: agent-release-bot\n        subject_form: {form}\n")
    return variant("github: {owner: acme, owner_id: 1342004}",
                   f"github: {{owner: acme, owner_id: 1342004, subject_form: {form}}}")


def test_an_immutable_entry_trusts_its_id_subject_and_still_pins_the_repository_id(
        tmp_path: Path) -> None:
    # GIVEN the base record, whose organization states no form: immutable by default
    for text in (BASE, _form("immutable"), _form("immutable", "org")):
        [statement] = _trust(tmp_path, text)["Statement"]
        equals = statement["Condition"]["StringEquals"]

        # THEN the trust accepts exactly repo:<owner>@<owner_id>/<repo>@<repo_id>:environment:<env>
        assert equals[f"{HOST}:sub"] == [IMMUTABLE_API]
        # AND still pins the numeric repository id, the audience and the expiry
        assert equals[f"{HOST}:repository_id"] == ["123456"]
        assert equals[f"{HOST}:aud"] == "sts.amazonaws.com"
        assert statement["Condition"]["DateLessThan"] == {
            "aws:CurrentTime": "2027-02-15T00:00:00Z"}
        assert set(statement["Condition"]) == {"StringEquals", "DateLessThan"}


def test_a_legacy_entry_trusts_the_name_subject_and_both_trusts_the_two(tmp_path: Path) -> None:
    legacy = _trust(tmp_path, _form("legacy"))["Statement"][0]["Condition"]["StringEquals"]
    both = _trust(tmp_path, _form("both", "org"))["Statement"][0]["Condition"]["StringEquals"]

    assert legacy[f"{HOST}:sub"] == [LEGACY_API]
    assert legacy[f"{HOST}:repository_id"] == ["123456"]
    # `both` is allowed on AWS because repository_id pins the id whatever the form
    assert both[f"{HOST}:sub"] == [LEGACY_API, IMMUTABLE_API]
    assert both[f"{HOST}:repository_id"] == ["123456"]


def test_an_entry_overrides_the_organizations_form(tmp_path: Path) -> None:
    text = variant("github: {owner: acme, owner_id: 1342004}",
                   "github: {owner: acme, owner_id: 1342004, subject_form: legacy}",
                   _form("immutable"))
    equals = _trust(tmp_path, text)["Statement"][0]["Condition"]["StringEquals"]
    assert equals[f"{HOST}:sub"] == [IMMUTABLE_API]


def _forms_trust(out: Synthesized, agent: str) -> list[dict[str, Any]]:
    [role] = out.resources(agent, "aws_iam_role")
    statements: list[dict[str, Any]] = json.loads(role["assume_role_policy"])["Statement"]
    return statements


def test_synthesized_trust_of_a_legacy_an_immutable_and_a_mixed_agent(
        synthesized_forms: Synthesized, synthesized_example: Synthesized) -> None:
    # GIVEN tests/fixtures/subject-forms.yaml (organization default: legacy) and the
    # example (organization default: immutable) synthesized
    [legacy] = _forms_trust(synthesized_forms, "aws-legacy")
    assert legacy["Condition"]["StringEquals"][f"{HOST}:sub"] == [
        "repo:acme/old-api:environment:agent-aws-legacy"]
    assert legacy["Condition"]["StringEquals"][f"{HOST}:repository_id"] == ["70001"]

    [immutable] = _forms_trust(synthesized_example, "release-bot")
    equals = immutable["Condition"]["StringEquals"]
    assert equals[f"{HOST}:sub"] == [IMMUTABLE_API]
    assert equals[f"{HOST}:repository_id"] == ["123456"]
    assert equals[f"{HOST}:job_workflow_ref"] == [
        "acme/api/.github/workflows/release.yml@refs/heads/main"]

    # THEN the mixed agent accepts each entry's stated form(s) exactly, one statement
    # for the unpinned entries and one for the pinned one
    unpinned, pinned = _forms_trust(synthesized_forms, "aws-mixed")
    assert unpinned["Condition"]["StringEquals"] == {
        f"{HOST}:aud": "sts.amazonaws.com",
        f"{HOST}:sub": [
            "repo:acme/moving-api:environment:agent-aws-mixed",
            "repo:acme/old-api:environment:agent-aws-mixed",
            "repo:acme@1342004/moving-api@70003:environment:agent-aws-mixed",
            "repo:acme@1342004/new-api@70002:environment:agent-aws-mixed",
        ],
        f"{HOST}:repository_id": ["70001", "70002", "70003"],
    }
    assert pinned["Condition"]["StringEquals"] == {
        f"{HOST}:aud": "sts.amazonaws.com",
        f"{HOST}:sub": ["repo:acme@1342004/release-api@70004:environment:agent-aws-mixed"],
        f"{HOST}:repository_id": ["70004"],
        f"{HOST}:job_workflow_ref": [
            "acme/release-api/.github/workflows/release.yml@refs/heads/main"],
    }
    for statement in [legacy, immutable, unpinned, pinned]:
        assert statement["Condition"]["DateLessThan"]["aws:CurrentTime"].endswith("T00:00:00Z")
        assert set(statement["Condition"]) == {"StringEquals", "DateLessThan"}


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("form", "message"), [
    ("immutible", "unknown subject form 'immutible'"),
    ("custom", "custom OIDC subject templates (include_claim_keys) are not supported"),
    ("[repo, context]", "custom OIDC subject templates (include_claim_keys) are not supported"),
])
def test_an_unknown_form_or_a_custom_template_is_refused_at_its_line(
        form: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = _form(form)
    assert_refused(tmp_path, capsys, text, "agents[0].runs_on[0].subject_form",
                   "subject_form:", message)
    # AND the error says what to write instead
    with pytest.raises(InputError) as refused:
        validate_schema(parse("identities.yaml", text))
    [finding] = refused.value.findings
    assert "write `immutable`" in finding.fix and "`legacy`" in finding.fix


def test_an_organization_form_that_is_unknown_is_refused_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_refused(tmp_path, capsys, _form("names", "org"), "defaults.github.subject_form",
                   "github:", "unknown subject form 'names'")


@pytest.mark.parametrize(("old", "new", "path", "marker"), [
    ("github: {owner: acme, owner_id: 1342004}", "github: {owner: acme}",
     "defaults.github.owner_id", "github:"),
    ("        repo_id: 123456\n", "", "agents[0].runs_on[0].repo_id", "- repo: acme/api"),
])
def test_the_immutable_form_without_its_ids_is_refused_with_what_to_write(
        old: str, new: str, path: str, marker: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    text = variant(old, new)
    assert_refused(tmp_path, capsys, text, path, marker, "required field is missing")


def test_one_job_listed_in_two_forms_is_a_duplicate_subject(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Two entries for one repository and environment hide which form and pin apply,
    # whether or not their forms differ.
    text = variant("        environment: agent-release-bot\n",
                   "        environment: agent-release-bot\n"
                   "      - repo: acme/api\n        repo_id: 123456\n"
                   "        environment: agent-release-bot\n        subject_form: legacy\n")
    assert_refused(tmp_path, capsys, text, "agents[0].runs_on[1]", "      - repo: acme/api\n"
                   "        repo_id: 123456\n        environment: agent-release-bot\n"
                   "        subject_form", "repeats runs_on[0]")


def test_an_agent_whose_only_aws_use_is_its_deploy_keys_has_its_trust_size_checked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an agent without an aws scope whose deploy keys live in AWS (so it has a
    # role) and whose runs would make that role's trust policy too large
    runs = "".join(f"      - repo: acme/a-rather-long-repository-name-number-{n}\n"
                   f"        repo_id: {1000 + n}\n        environment: agent-release-bot\n"
                   for n in range(30))
    text = variant("      - repo: acme/api\n        repo_id: 123456\n"
                   "        environment: agent-release-bot\n", runs,
                   variant('    aws:\n      access:\n        read: ["arn:aws:s3:::acme-artifacts'
                           '/releases/*"]\n',
                           "    github:\n      deploy_keys:\n"
                           "        - {repo: acme/a-rather-long-repository-name-number-0}\n"))
    # THEN synth refuses it as it would an agent with a scope
    assert_refused(tmp_path, capsys, text, "agents[0].runs_on", "- repo: acme/a-rather-long",
                   "trust policy would be")
