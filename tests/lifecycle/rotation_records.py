"""Records with rotate requests, shared by the rotation tests."""

from __future__ import annotations

from ..records import DEPLOY_KEYS

ROTATE = """\
    rotate:
      - {on: 2026-11-02, by: "@acme/security", reason: Older request}
      - {on: 2026-11-27, by: "@acme/security", reason: Key may have leaked}
      - {on: 2026-11-10, by: "@acme/security", reason: Listed out of order}
"""
# The deploy-keys records with three rotate requests on release-bot (newest 2026-11-27).
WITH_ROTATE = DEPLOY_KEYS.replace("    escalations:\n", ROTATE + "    escalations:\n", 1)
