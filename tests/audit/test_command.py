"""``agentid audit NAME``: goldens per cloud, exact principals, bad input, purity.

GIVEN tests/audit/identities.yaml (one agent per cloud, a GitHub-only one, a revoked
one, and docs / docs-writer in every cloud), WHEN ``agentid audit`` runs through the
CLI, THEN its text and JSON match the goldens in tests/goldens/audit/ (regenerate
with ``AGENTID_UPDATE_GOLDENS=1``), every query names the agent's exact principal,
bad input exits 1 or 2 with a message and no output, and nothing loads a provider
binding or opens a socket.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from cdk.audit.plan import plan_audit
from cdk.audit.render import render_query
from cdk.cli import main

from ..conftest import ROOT, TODAY, TODAY_ARG
from .helpers import FILE, GOLDENS, identities, split_literals

UPDATE = os.environ.get("AGENTID_UPDATE_GOLDENS") == "1"
# One agent per cloud, and one that uses no cloud but GitHub.
GOLDEN_AGENTS = {"release-bot": "aws", "search-indexer": "gcp", "report-builder": "azure",
                 "label-bot": "github"}


def audit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["audit", *args, "-f", str(FILE), "--today", TODAY_ARG])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("name", sorted(GOLDEN_AGENTS))
@pytest.mark.parametrize("form", ["txt", "json"])
def test_the_audit_of_one_agent_per_cloud_matches_its_golden(
        capsys: pytest.CaptureFixture[str], name: str, form: str) -> None:
    rc, out, err = audit(capsys, name, *(["--json"] if form == "json" else []))
    assert rc == 0, err
    golden = GOLDENS / f"{name}.{form}"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out)
    assert golden.is_file(), f"no golden {golden}: run with AGENTID_UPDATE_GOLDENS=1"
    assert out == golden.read_text()


@pytest.mark.parametrize(("name", "clouds"), [
    ("release-bot", ["aws", "github"]), ("search-indexer", ["gcp", "github"]),
    ("report-builder", ["azure", "github"]), ("label-bot", ["github"]),
    ("docs", ["aws", "gcp", "azure", "github"]),
])
def test_an_agent_gets_queries_for_exactly_the_clouds_it_uses(
        capsys: pytest.CaptureFixture[str], name: str, clouds: list[str]) -> None:
    rc, out, _ = audit(capsys, name, "--json")
    assert rc == 0
    data = json.loads(out)
    assert [c["cloud"] for c in data["clouds"]] == clouds
    for cloud in data["clouds"]:
        assert cloud["needs"], cloud["cloud"]  # which logs must be on, always said
        assert cloud["queries"], cloud["cloud"]


def test_cloud_limits_the_output_to_that_cloud(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = audit(capsys, "release-bot", "--cloud", "github", "--json")
    assert rc == 0
    assert [c["cloud"] for c in json.loads(out)["clouds"]] == ["github"]
    rc, out, _ = audit(capsys, "release-bot", "--cloud", "aws")
    assert rc == 0
    assert "=== AWS:" in out and "=== GitHub:" not in out


def test_since_is_used_as_given_and_the_default_is_said(
        capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = audit(capsys, "search-indexer", "--since", "2026-06-01")
    assert rc == 0
    assert 'timestamp>="2026-06-01T00:00:00Z"' in out
    assert "does not say when" not in out
    rc, out, _ = audit(capsys, "search-indexer")
    assert 'timestamp>="2026-10-30T00:00:00Z"' in out
    assert ("The record does not say when search-indexer was created: the queries start 30 "
            "days before today (2026-10-30)") in out


def test_a_revoked_agent_is_still_audited(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = audit(capsys, "triage-assistant")
    assert rc == 0, err
    assert ("triage-assistant is revoked on 2026-11-25 by @acme/devex: Agent retired in favour "
            "of GitHub rules") in out
    assert "sessionissuer.arn = 'arn:aws:iam::123456789012:role/agent-triage-assistant'" in out


# --------------------------------------------------------------------------- exact principals


def _docs_queries() -> dict[str, list[tuple[str, str]]]:
    """Cloud -> (language, text) of every query and command of agent ``docs``."""
    ids = identities()
    docs = next(a for a in ids.agents if a.name == "docs")
    found: dict[str, list[tuple[str, str]]] = {}
    for cloud in plan_audit(docs, ids, TODAY, TODAY.replace(day=1), True).clouds:
        for query in cloud.queries:
            rendered = render_query(cloud, query)
            found.setdefault(cloud.cloud, []).append((query.language, rendered.text))
            if rendered.command:
                found[cloud.cloud].append(("shell", rendered.command))
    return found


def test_no_query_of_docs_can_match_docs_writer() -> None:
    for cloud, queries in _docs_queries().items():
        for _, text in queries:
            assert "docs-writer" not in text and "docs-site" not in text, cloud


def test_aws_queries_compare_the_exact_role_arn_never_a_pattern() -> None:
    arn = "arn:aws:iam::123456789012:role/agent-docs"
    for _, text in _docs_queries()["aws"]:
        skeleton, values = split_literals(text, "sql")
        assert " LIKE " not in skeleton.upper() and "regexp_like" not in skeleton
        assert arn in values
        assert not [v for v in values if "agent-docs" in v and v not in (arn, "agent-docs-")]
        # The role is compared with `=`; the session-name prefix only picks the run id
        # out of rows the exact ARN already chose.
        assert re.search(r"(sessionissuer\.arn|json_extract_scalar\(requestparameters, '<q>'\)"
                         r"|actor\.session\.issuer) = '<q>'", skeleton), text


def test_google_filters_use_exact_equality_on_the_email() -> None:
    email = "agent-docs@acme-agents.iam.gserviceaccount.com"
    queries = [t for lang, t in _docs_queries()["gcp"] if lang == "Cloud Logging query"]
    assert len(queries) == 3
    for text in queries:
        skeleton, values = split_literals(text, "logging")
        assert email in values or f"projects/-/serviceAccounts/{email}" in values
        # `:` is Cloud Logging's substring operator and `=~` its regular expression.
        assert not re.search(r"[:~]\s*\"<q>\"", skeleton), skeleton
        assert re.search(r"(principalEmail|request\.name)=\"<q>\"", skeleton)


def test_azure_queries_use_exact_equality_on_name_and_resource_id() -> None:
    resource_id = ("/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/agents"
                   "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/agent-docs")
    for _, text in _docs_queries()["azure"]:
        skeleton, values = split_literals(text, "kql")
        assert not re.search(r"\b(has|contains|startswith|endswith|matches)\b", skeleton)
        assert 'ServicePrincipalName == "<q>"' in skeleton
        assert "agent-docs" in values
    activity = _docs_queries()["azure"][1][1]
    skeleton, values = split_literals(activity, "kql")
    # =~ is KQL's case-insensitive equality: Azure resource ids are case-insensitive.
    assert '=~ "<q>"' in skeleton and resource_id in values


def test_github_queries_name_the_agents_own_repositories_and_key_title() -> None:
    texts = dict.fromkeys(["search", "shell"], "")
    for language, text in _docs_queries()["github"]:
        texts["shell" if language.startswith("shell") else "search"] += text
    _, values = split_literals(texts["search"], "github")
    assert set(values) == {"acme/docs"}
    assert "repos/acme/docs/keys" in texts["shell"]
    assert 'select(.title == "agent-docs")' in texts["shell"]
    assert "-f environment=agent-docs " in texts["shell"]


# --------------------------------------------------------------------------- bad input


def test_an_unknown_agent_is_named_with_the_known_ones(
        capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = audit(capsys, "docs-reader")
    assert rc == 1 and out == ""
    assert f"agentid: no agent 'docs-reader' in {FILE} — known: release-bot, " in err
    assert "git show REV:" in err  # a record removed after its revocation
    assert "Traceback" not in err


@pytest.mark.parametrize(("name", "cloud", "message"), [
    ("search-indexer", "aws", "search-indexer has no AWS identity"),
    ("release-bot", "gcp", "release-bot has no Google Cloud identity"),
    ("label-bot", "azure", "label-bot has no Azure identity"),
])
def test_asking_for_a_cloud_the_agent_does_not_use_is_refused(
        capsys: pytest.CaptureFixture[str], name: str, cloud: str, message: str) -> None:
    rc, out, err = audit(capsys, name, "--cloud", cloud)
    assert rc == 1 and out == ""
    assert message in err and "omit --cloud" in err


@pytest.mark.parametrize(("since", "message"), [
    ("2026-13-01", "--since '2026-13-01' is not a date — write YYYY-MM-DD"),
    ("last month", "--since 'last month' is not a date"),
    ("20261030", "--since '20261030' is not a date — write YYYY-MM-DD"),
    ("2026-11-30", "--since 2026-11-30 is after today (2026-11-29)"),
])
def test_a_bad_since_is_a_usage_error(capsys: pytest.CaptureFixture[str], since: str,
                                      message: str) -> None:
    rc, out, err = audit(capsys, "release-bot", "--since", since)
    assert rc == 2 and out == ""
    assert message in err


def test_an_unknown_cloud_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "release-bot", "--cloud", "oracle", "-f", str(FILE)])
    assert exit_.value.code == 2
    assert "invalid choice: 'oracle'" in capsys.readouterr().err


@pytest.mark.slow
def test_audit_never_loads_a_provider_binding_nor_opens_a_socket() -> None:
    script = f"""
import socket, sys
class NoSocket(socket.socket):
    def __init__(self, *args, **kwargs):
        raise AssertionError("agentid audit opened a socket")
socket.socket = NoSocket
from cdk.cli import main
for name in ("release-bot", "search-indexer", "report-builder", "label-bot", "docs"):
    assert main(["audit", name, "-f", {str(FILE)!r}, "--today", {TODAY_ARG!r}]) == 0
    assert main(["audit", name, "--json", "-f", {str(FILE)!r}, "--today", {TODAY_ARG!r}]) == 0
loaded = sorted(m for m in sys.modules
                if m.split(".")[0] in ("jsii", "constructs", "stacks")
                or m.startswith("cdktn"))
print("LOADED", loaded, file=sys.stderr)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stderr
