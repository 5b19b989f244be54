"""Build identities files for tests: a valid base and small, readable variations."""

from __future__ import annotations

from pathlib import Path

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
