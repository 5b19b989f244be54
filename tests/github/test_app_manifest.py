"""``agentid github-app``: the App manifest holds exactly the record's permissions, the
page posts exactly that manifest to the organization's "new App" URL with every record
value escaped, and bad input writes nothing.

GIVEN an identities file, WHEN ``agentid github-app NAME -o DIR`` runs, THEN
``DIR/manifest.json`` equals the golden (no webhook, not public, exactly the record's
permissions) and ``DIR/create.html`` has one form, one button and a hidden
``manifest`` input holding that same JSON; on any refusal the exit code is 1 and DIR
holds nothing.
"""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdk.cli import main
from tests.conftest import ROOT, TODAY_ARG
from tests.records import BASE, variant

GOLDENS = ROOT / "tests" / "goldens" / "github-app"
UPDATE = bool(os.environ.get("AGENTID_UPDATE_GOLDENS"))

APP = ("    github:\n      app:\n        permissions: {contents: write, pull_requests: write, "
       "issues: read}\n        repositories: [acme/api, acme/web]\n")
WITH_APP = BASE + APP
HOSTILE = 'Opens PRs "quoted" <b>bold</b> & </script><script>alert(1)</script> \' done'


def _run(tmp_path: Path, text: str, name: str = "release-bot") -> tuple[int, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "identities.yaml"
    source.write_text(text)
    out = tmp_path / "app"
    code = main(["github-app", name, "-f", str(source), "-o", str(out), "--today", TODAY_ARG])
    return code, out


class _Page(HTMLParser):
    """Forms, buttons, inputs and scripts of a page, as the browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str | None]] = []
        self.buttons: list[dict[str, str | None]] = []
        self.inputs: list[dict[str, str | None]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        {"form": self.forms, "button": self.buttons, "input": self.inputs}.get(
            tag, []).append(dict(attrs))


def _page(out: Path) -> _Page:
    page = _Page()
    page.feed((out / "create.html").read_text())
    return page


def test_manifest_is_the_golden_with_exactly_the_records_permissions(tmp_path: Path) -> None:
    code, out = _run(tmp_path, WITH_APP)
    assert code == 0
    written = (out / "manifest.json").read_text()
    golden = GOLDENS / "release-bot.manifest.json"
    if UPDATE:
        golden.write_text(written)
    assert written == golden.read_text()

    manifest = json.loads(written)
    record = yaml.safe_load(WITH_APP)["agents"][0]["github"]["app"]["permissions"]
    assert manifest["default_permissions"] == record
    assert manifest["name"] == "agent-release-bot" and len(manifest["name"]) <= 34
    assert manifest["public"] is False
    # No webhook and no events: GitHub requires hook_attributes.url whenever the block
    # is present; without it the App has no webhook.
    assert "hook_attributes" not in manifest and "default_events" not in manifest
    assert manifest["url"] == "https://github.com/acme"
    assert manifest["description"] == "Tags releases and uploads build artifacts"


def test_the_page_has_one_form_one_button_posting_the_manifest_to_the_org(
    tmp_path: Path,
) -> None:
    code, out = _run(tmp_path, WITH_APP)
    assert code == 0
    page = _page(out)
    [form] = page.forms
    [button] = page.buttons
    assert "script" not in page.tags
    assert form["method"] == "post"
    action = form["action"] or ""
    url, _, state = action.partition("?state=")
    assert url == "https://github.com/organizations/acme/settings/apps/new"
    assert len(state) >= 20 and state.replace("-", "").replace("_", "").isalnum()
    assert button["type"] == "submit"
    [hidden] = [i for i in page.inputs if i.get("name") == "manifest"]
    assert hidden["type"] == "hidden"
    assert hidden["value"] == (out / "manifest.json").read_text()
    text = (out / "create.html").read_text()
    # What comes next: the conversion, the upload, the installation, the record.
    assert "gh api --method POST /app-manifests/CODE/conversions" in text
    assert ("aws secretsmanager put-secret-value --secret-id agents/release-bot/deploy-keys/"
            "github-app --secret-string file://key.pem --region eu-west-1") in text
    assert "shred -u key.pem app.json" in text
    assert "<li><code>acme/api</code></li>" in text and "<li><code>acme/web</code></li>" in text
    assert "app_id" in text and "installation_id" in text
    assert text.count(f"state={state}") == 2  # the form, and what the redirect must carry


def test_each_page_gets_its_own_state(tmp_path: Path) -> None:
    _, first = _run(tmp_path / "1", WITH_APP)
    _, second = _run(tmp_path / "2", WITH_APP)
    assert _page(first).forms[0]["action"] != _page(second).forms[0]["action"]


def test_record_text_is_escaped_in_the_page_and_exact_in_the_manifest(tmp_path: Path) -> None:
    text = variant("description: Tags releases and uploads build artifacts",
                   "description: " + json.dumps(HOSTILE), WITH_APP)
    code, out = _run(tmp_path, text)
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["description"] == HOSTILE
    page_text = (out / "create.html").read_text()
    assert "</script>" not in page_text and "<b>" not in page_text
    assert "&lt;/script&gt;" in page_text and "&amp;" in page_text
    page = _page(out)
    assert "script" not in page.tags and "b" not in page.tags
    [form] = page.forms
    [hidden] = [i for i in page.inputs if i.get("name") == "manifest"]
    assert json.loads(hidden["value"] or "") == manifest


def test_repositories_default_to_runs_on_and_url_to_the_identities_repository(
    tmp_path: Path,
) -> None:
    text = variant("  github: {owner: acme, owner_id: 1342004}\n",
                   "  github:\n    owner: acme\n    owner_id: 1342004\n    identities: "
                   "{repo: acme/identities, security_team: \"@acme/security\"}\n",
                   BASE + "    github:\n      app: {permissions: {pull_requests: write}}\n")
    code, out = _run(tmp_path, text)
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["default_permissions"] == {"pull_requests": "write"}
    assert manifest["url"] == manifest["redirect_url"] == "https://github.com/acme/identities"
    page = (out / "create.html").read_text()
    assert "<li><code>acme/api</code></li>" in page and "acme/web" not in page


def _nothing_written(out: Path) -> bool:
    return not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(("text", "name", "says"), [
    (WITH_APP, "release-bt", "no agent 'release-bt'"),
    (BASE, "release-bot", "declares no GitHub App — add `github: {app:"),
    (variant("expires: 2027-02-15", "expires: 2026-11-28", WITH_APP), "release-bot",
     "AgentId-ExpiryPassed"),
    (WITH_APP + '    revoked: {on: 2026-11-01, by: "@acme/platform", reason: Retired}\n',
     "release-bot", "is revoked"),
    (WITH_APP + '    locked: {on: 2026-11-01, by: "@acme/security", reason: incident}\n',
     "release-bot", "is locked"),
    (variant("issues: read", "administration: write", WITH_APP), "release-bot",
     "administration"),
    (variant("repositories: [acme/api, acme/web]",
             "repositories: [acme/api]\n        app_id: 123", WITH_APP), "release-bot",
     "already has App 123"),
    (variant("    aws:\n      access:", "    secrets: {store: azure}\n    aws:\n      access:",
             WITH_APP), "release-bot", "AgentId-GitHubAppStore"),
], ids=["unknown-agent", "no-app", "finding", "revoked", "locked", "refused-permission",
        "app-exists", "store-without-app-key"])
def test_bad_input_exits_1_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              text: str, name: str, says: str) -> None:
    code, out = _run(tmp_path, text, name)
    assert code == 1
    assert says in capsys.readouterr().err
    assert _nothing_written(out)


def test_golden_is_valid_json_with_sorted_keys() -> None:
    golden: dict[str, Any] = json.loads((GOLDENS / "release-bot.manifest.json").read_text())
    assert list(golden) == sorted(golden)


def test_docs_give_every_refusal_and_its_reason() -> None:
    from cdk.github.app_permissions import ORGANIZATION_REASON, REFUSED, REFUSED_LEVELS

    docs = " ".join((ROOT / "docs" / "github-app.md").read_text().split())
    for name, why in REFUSED.items():
        assert f"| `{name}` | {why} |" in docs
    for name, (highest, why) in REFUSED_LEVELS.items():
        assert (f"{name} is allowed at {highest} only: {why.split(': ', 1)[1]}"
                in docs.replace("`", ""))
    assert ORGANIZATION_REASON in docs


def test_the_upload_command_names_the_secret_the_stack_creates() -> None:
    # One name for the key's secret: the command's upload line and the stack's secret
    # (cdk/names.py), in each store the stack can keep the key in.
    from cdk import names
    from cdk.github.manifest import key_secret
    from cdk.validation import load
    from tests.conftest import FIXTURES, TODAY

    identities = load(FIXTURES / "github-app.yaml", TODAY).identities
    agents = {agent.name: agent for agent in identities.agents}
    aws = key_secret(agents["pr-bot"], identities)
    assert (aws.store, aws.name) == ("aws", names.github_app_key_secret_name("pr-bot"))
    assert f"--secret-id {aws.name} " in aws.upload
    gcp = key_secret(agents["model-bot"], identities)
    assert (gcp.store, gcp.name) == ("gcp", names.gcp_app_key_secret_id("model-bot"))
    assert gcp.upload.startswith(f"gcloud secrets versions add {gcp.name} --project ")


def test_the_example_reads_the_variables_the_stack_sets() -> None:
    from cdk import names

    workflow = (ROOT / "examples" / "github-app-workflow.yml").read_text()
    for variable in (names.APP_ID_VARIABLE, names.APP_KEY_VARIABLE):
        assert f"${{{{ vars.{variable} }}}}" in workflow
