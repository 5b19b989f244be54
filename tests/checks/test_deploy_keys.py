"""Bad deploy-key input is refused with FILE:LINE:COL, the field path and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.cli import main

from ..conftest import TODAY_ARG
from ..records import BASE, DEPLOY_KEYS, assert_refused, variant, write

KEYS = "        - {repo: acme/api, access: write}\n        - {repo: acme/docs, rotation_days: 7}\n"
ESCALATION = ("    escalations:\n      - on: 2026-11-20\n"
              "        reason: Pushes release tags after the release job is approved\n"
              "        approved_by: \"@acme/security\"\n")

# (id, old text, new text, expected path, marker for the expected line, message part)
CASES = [
    ("write-without-escalation", ESCALATION, "",
     "agents[0].github.deploy_keys[0].access", "{repo: acme/api, access: write}",
     "write access to acme/api needs an escalation"),
    ("rotation-zero", "rotation_days: 7", "rotation_days: 0",
     "agents[0].github.deploy_keys[1].rotation_days", "rotation_days: 0",
     "greater than or equal to 1"),
    ("rotation-over-ninety", "rotation_days: 7", "rotation_days: 91",
     "agents[0].github.deploy_keys[1].rotation_days", "rotation_days: 91",
     "less than or equal to 90"),
    ("rotation-not-a-number", "rotation_days: 7", 'rotation_days: "7"',
     "agents[0].github.deploy_keys[1].rotation_days", 'rotation_days: "7"', "number"),
    ("repo-outside-owner", "{repo: acme/docs, rotation_days: 7}",
     "{repo: evil/docs, rotation_days: 7}",
     "agents[0].github.deploy_keys[1].repo", "{repo: evil/docs",
     "repository evil/docs is outside the organization acme"),
    ("repo-wildcard", "{repo: acme/docs, rotation_days: 7}", "{repo: acme/*}",
     "agents[0].github.deploy_keys[1].repo", "{repo: acme/*}", "no wildcards"),
    ("two-keys-same-repo", "{repo: acme/docs, rotation_days: 7}", "{repo: acme/API}",
     "agents[0].github.deploy_keys[1].repo", "{repo: acme/API}",
     "a deploy key for acme/API is already declared at deploy_keys[0]"),
    ("two-repos-one-variable", "{repo: acme/docs, rotation_days: 7}",
     "{repo: acme/docs-x}\n        - {repo: acme/docs.x}",
     "agents[0].github.deploy_keys[2].repo", "{repo: acme/docs.x}",
     "acme/docs.x and acme/docs-x (deploy_keys[1]) would share the variable "
     "AGENT_DEPLOY_KEY_SECRET_DOCS_X"),
    ("access-unknown", "{repo: acme/docs, rotation_days: 7}", "{repo: acme/docs, access: admin}",
     "agents[0].github.deploy_keys[1].access", "access: admin", "'read' or 'write'"),
    ("store-without-aws-defaults", '  aws: {account_id: "123456789012", region: eu-west-1}\n', "",
     "agents[1].aws", "  - name: docs-sync", "defaults.aws is not set"),
    ("store-unknown", "    escalations:\n", "    secrets: {store: vault}\n    escalations:\n",
     "agents[0].secrets.store", "store: vault", "'aws'"),
]


@pytest.mark.parametrize(
    ("old", "new", "path", "marker", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_deploy_key_is_refused_with_location_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    old: str, new: str, path: str, marker: str, message: str,
) -> None:
    assert_refused(tmp_path, capsys, variant(old, new, DEPLOY_KEYS), path, marker, message)


def test_the_deploy_key_record_is_valid(tmp_path: Path) -> None:
    assert KEYS in DEPLOY_KEYS
    assert main(["validate", "-f", str(write(tmp_path, DEPLOY_KEYS)), "--today",
                 TODAY_ARG]) == 0


def test_write_with_an_escalation_is_accepted_and_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", "--explain", "AgentId-DeployKeyWriteNeedsEscalation"]) == 0
    assert "recorded approval" in capsys.readouterr().out
    text = BASE + "    github:\n      deploy_keys:\n        - {repo: acme/api, access: read}\n"
    assert main(["validate", "-f", str(write(tmp_path, text)), "--today", TODAY_ARG]) == 0
