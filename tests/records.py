"""Build identities files for tests: a valid base and small, readable variations."""

from __future__ import annotations

from pathlib import Path

import pytest

BASE = """\
version: 1
defaults:
  github: {owner: acme, owner_id: 1342004}
  aws: {account_id: "123456789012", region: eu-west-1}
  policy: {max_lifetime_days: 90, max_session_minutes: 60, deploy_key_rotation_days: 30}
  backend: {local: {}}
agents:
  - name: release-bot
    description: Tags releases and uploads build artifacts
    owner: "@acme/platform"
    rotation_owner: "@acme/platform-oncall"
    approvers: ["@acme/release-managers"]
    expires: 2027-02-15
    runs_on:
      - repo: acme/api
        repo_id: 123456
        environment: agent-release-bot
    aws:
      access:
        read: ["arn:aws:s3:::acme-artifacts/releases/*"]
"""


def variant(old: str, new: str, base: str = BASE) -> str:
    """``base`` with one exact text replaced; fails loudly if ``old`` is not there."""
    assert base.count(old) == 1, f"{old!r} must occur exactly once in the base record"
    return base.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """1-based line where ``needle`` first occurs."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def write(tmp_path: Path, text: str, name: str = "identities.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                   path: str, marker: str, message: str) -> None:
    """``agentid synth`` of ``text`` exits 1 with ``message`` at ``path`` on the line of
    ``marker``, without a traceback, and writes nothing."""
    from cdk.cli import main

    from .conftest import TODAY_ARG

    source = write(tmp_path, text)
    outdir = tmp_path / "cdktf.out"

    code = main(["synth", "-f", str(source), "-o", str(outdir), "--today", TODAY_ARG])

    err = capsys.readouterr().err
    assert code == 1
    expected = f"{source}:{line_of(text, marker)}:"
    lines = [line for line in err.splitlines() if line.startswith(expected)]
    assert lines, f"no finding at {expected} in:\n{err}"
    assert any(f": {path}: " in line and message in line for line in lines), err
    assert "Traceback" not in err
    assert not outdir.exists()
    assert [p.name for p in tmp_path.iterdir()] == [source.name]


# A write key (with its escalation) and a per-key rotation on the base agent, a
# second agent whose only AWS resources are its deploy-key secrets, and a revoked one.
DEPLOY_KEYS = BASE + """\
    github:
      deploy_keys:
        - {repo: acme/api, access: write}
        - {repo: acme/docs, rotation_days: 7}
    escalations:
      - on: 2026-11-20
        reason: Pushes release tags after the release job is approved
        approved_by: "@acme/security"
  - name: docs-sync
    description: Mirrors the docs repository
    owner: "@acme/docs"
    rotation_owner: "@acme/docs"
    approvers: ["@acme/docs-maintainers"]
    expires: 2027-01-31
    runs_on:
      - repo: acme/docs
        repo_id: 918273645
    github:
      deploy_keys:
        - {repo: acme/docs-mirror}
  - name: old-mirror
    description: Mirrored the docs before docs-sync
    owner: "@acme/docs"
    rotation_owner: "@acme/docs"
    approvers: ["@acme/docs-maintainers"]
    expires: 2026-12-31
    runs_on:
      - repo: acme/docs
        repo_id: 918273645
        environment: agent-old-mirror
    github:
      deploy_keys:
        - {repo: acme/docs-mirror}
    revoked: {on: 2026-11-25, by: "@acme/docs", reason: Replaced by docs-sync}
"""


# The base agent given a Google Cloud identity instead of its AWS scope.
GCP = variant('  aws: {account_id: "123456789012", region: eu-west-1}\n',
              "  gcp: {project_id: acme-agents, project_number: 987654321098, "
              "region: europe-west1}\n",
              variant('    aws:\n      access:\n        read: ["arn:aws:s3:::acme-artifacts/'
                      'releases/*"]\n',
                      "    gcp:\n      roles:\n        - role: roles/storage.objectViewer\n"
                      "          resource: {bucket: acme-artifacts}\n"))
GCP_ROLE = ("        - role: roles/storage.objectViewer\n"
            "          resource: {bucket: acme-artifacts}\n")

# The base agent given an Azure identity instead of its AWS scope.
AZURE_SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-111122223333"
AZURE_ACCOUNT = (f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/releases/providers/"
                 "Microsoft.Storage/storageAccounts/acmeartifacts")
AZURE_ROLE = ("        - role: Storage Blob Data Reader\n"
              f"          scope: {{resource: {AZURE_ACCOUNT}}}\n")
AZURE_DEFAULTS = ("  azure: {tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47, "
                  f"subscription_id: {AZURE_SUBSCRIPTION}, resource_group: agents, "
                  "location: westeurope}\n")
AZURE = variant('  aws: {account_id: "123456789012", region: eu-west-1}\n', AZURE_DEFAULTS,
                variant('    aws:\n      access:\n        read: ["arn:aws:s3:::acme-artifacts/'
                        'releases/*"]\n', "    azure:\n      roles:\n" + AZURE_ROLE))
