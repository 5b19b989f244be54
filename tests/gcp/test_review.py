"""Review and card cover Google Cloud grants the way they cover AWS ones.

GIVEN a base and a head that differ in a Google Cloud binding or subject, WHEN
`agentid review` runs, THEN the change appears as role x resource rows under
broadened or narrowed, and an unapproved widening fails the gate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.cli import main

from ..conftest import EXAMPLE, TODAY_ARG
from ..records import GCP, GCP_ROLE, variant
from ..review.helpers import review

CREATOR = GCP_ROLE + ("        - role: roles/storage.objectCreator\n"
                      "          resource: {bucket: acme-artifacts}\n")
ESCALATION = ("    gcp:\n", "    escalations:\n"
              "      - on: 2026-11-28\n"
              "        reason: Uploads release artifacts once the release job is approved\n"
              "        approved_by: \"@acme/security\"\n"
              "    gcp:\n")


def _rows(result: object, side: str) -> set[tuple[str, str]]:
    agent = result.agent("release-bot")  # type: ignore[attr-defined]
    return {(g["action"], g["resource"]) for g in agent["permissions"][side]}


def test_a_new_gcp_role_is_a_broadened_row_and_needs_an_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a head that binds one more role
    result = review(tmp_path, GCP, variant(GCP_ROLE, CREATOR, GCP), capsys)
    # THEN the new binding is a broadened row and the gate fails without an escalation
    assert ("roles/storage.objectCreator", "bucket acme-artifacts") in _rows(result, "broadened")
    assert result.code == 1
    assert result.gate_ids() == ["AgentId-Review-UnapprovedBroadening"]
    assert "roles/storage.objectCreator" in result.markdown


def test_an_approved_gcp_widening_passes(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    head = variant(*ESCALATION, base=variant(GCP_ROLE, CREATOR, GCP))
    result = review(tmp_path, GCP, head, capsys)
    assert result.code == 0, result.packet["gates"]


def test_a_removed_gcp_role_is_a_narrowed_row(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, variant(GCP_ROLE, CREATOR, GCP), GCP, capsys)
    assert ("roles/storage.objectCreator", "bucket acme-artifacts") in _rows(result, "narrowed")
    assert result.code == 0


def test_a_new_subject_is_a_broadened_impersonation_row(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    more = variant("        environment: agent-release-bot\n",
                   "        environment: agent-release-bot\n"
                   "      - repo: acme/docs\n        repo_id: 918273645\n", GCP)
    result = review(tmp_path, GCP, more, capsys)
    broadened = _rows(result, "broadened")
    assert ("roles/iam.workloadIdentityUser",
            "principal://iam.googleapis.com/projects/987654321098/locations/global/"
            "workloadIdentityPools/agentid-github/subject/"
            "repository_id:918273645:environment:agent-release-bot") in broadened


def test_dropping_a_must_never_hold_permission_broadens_the_deny(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    guarded = GCP + '    must_never_hold: ["storage.objects.delete"]\n'
    result = review(tmp_path, guarded, GCP, capsys)
    assert any(action == "storage.googleapis.com/objects.delete"
               for action, _ in _rows(result, "broadened"))


def test_card_lists_gcp_scope_and_credential_source(
        capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = main(["card", "search-indexer", "-f", str(EXAMPLE), "--today", TODAY_ARG])
    out = capsys.readouterr().out
    assert code == 0
    # (the card breaks @-mentions with a word joiner; the address is the same)
    assert "for service account agent-search-indexer@" in out
    assert "acme-agents.iam.gserviceaccount.com (short-lived tokens; no keys)" in out
    assert "GCP roles/storage.objectViewer on bucket acme-docs-export (until 2027-02-01)" in out
    assert ("GCP roles/secretmanager.secretAccessor on secret "
            "agents-search-indexer-deploy-keys-acme-search") in out


def test_an_expiry_change_re_creates_the_gcp_bindings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an agent whose expiry moves (IAM members are re-created on a new condition)
    result = review(tmp_path, GCP, variant("expires: 2027-02-15", "expires: 2027-02-10", GCP),
                    capsys)
    changes = result.agent("release-bot")["resources"]["changes"]
    replaced = {c["address"].split(".")[0] for c in changes if c["action"] == "replace"}
    assert {"google_service_account_iam_member", "google_storage_bucket_iam_member"} <= replaced
