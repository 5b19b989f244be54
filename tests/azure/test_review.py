"""Review and card cover Azure grants the way they cover AWS and Google Cloud ones.

GIVEN a base and a head that differ in an Azure role or subject, WHEN `agentid
review` runs, THEN the change appears as role x scope rows under broadened or
narrowed, an unapproved widening fails the gate, and the card says whether the
agent's assignments are PIM (ending at expiry) or plain.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.cli import main

from ..conftest import EXAMPLE, FIXTURES, TODAY_ARG
from ..records import AZURE, AZURE_ROLE, variant
from ..review.helpers import review

SUB = "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"
CONTRIBUTOR = AZURE_ROLE + ("        - role: Storage Blob Data Contributor\n"
                            "          scope: {resource_group: releases}\n")


def _rows(result: object, side: str) -> set[tuple[str, str]]:
    agent = result.agent("release-bot")  # type: ignore[attr-defined]
    return {(g["action"], g["resource"]) for g in agent["permissions"][side]}


def test_a_new_azure_role_is_a_broadened_row_and_needs_an_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, AZURE, variant(AZURE_ROLE, CONTRIBUTOR, AZURE), capsys)

    assert ("Storage Blob Data Contributor", f"{SUB}/resourceGroups/releases") in _rows(
        result, "broadened")
    assert result.code == 1
    assert result.gate_ids() == ["AgentId-Review-UnapprovedBroadening"]
    # and the agent's card in the packet says which kind of assignment it gets
    assert "plain role assignments without an end date" in result.markdown


def test_a_removed_azure_role_is_a_narrowed_row(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, variant(AZURE_ROLE, CONTRIBUTOR, AZURE), AZURE, capsys)

    assert ("Storage Blob Data Contributor", f"{SUB}/resourceGroups/releases") in _rows(
        result, "narrowed")
    assert result.code == 0


def test_a_new_subject_is_a_broadened_federation_row(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    more = variant("        environment: agent-release-bot\n",
                   "        environment: agent-release-bot\n"
                   "      - repo: acme/docs\n        repo_id: 918273645\n", AZURE)
    result = review(tmp_path, AZURE, more, capsys)

    assert ("federated-credential", "repo:acme/docs:environment:agent-release-bot") in _rows(
        result, "broadened")


def test_turning_on_time_bound_assignments_widens_nothing_and_replaces_the_assignments(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    timed = variant("location: westeurope}", "location: westeurope, "
                    "time_bound_assignments: true}", AZURE)
    result = review(tmp_path, AZURE, timed, capsys)

    assert result.code == 0
    assert _rows(result, "broadened") == set()
    changes = result.agent("release-bot")["resources"]["changes"]
    kinds = {(c["address"].split(".")[0], c["action"]) for c in changes}
    assert ("azurerm_role_assignment", "destroy") in kinds
    assert ("azurerm_pim_active_role_assignment", "create") in kinds


def test_card_says_which_kind_of_assignment_the_agent_got(
        capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["card", "report-builder", "-f", str(EXAMPLE), "--today", TODAY_ARG]) == 0
    plain = capsys.readouterr().out.replace("\u2060", "")  # word joiners after `@`
    assert main(["card", "cost-analyst", "-f", str(FIXTURES / "azure.yaml"),
                 "--today", TODAY_ARG]) == 0
    pim = capsys.readouterr().out

    assert "managed identity agent-report-builder" in plain
    # The example's report-builder runs in a repository with immutable subjects:
    # its one credential pins the owner and repository ids itself.
    assert "Azure checks the exact subject only: rename-proof where" in plain
    assert ("acme/reports (id 314159), environment agent-report-builder; immutable "
            "subject repo:acme@1342004/reports@314159:environment:agent-report-builder "
            "(rename-proof") in plain
    assert "plain role assignments without an end date" in plain
    assert "(plain assignment, no end date in Azure)" in plain
    assert "Key Vault Secrets User on Key Vault secret agents-report-builder" in plain
    assert "time-bound PIM active assignments ending 2027-01-31T00:00:00Z" in pim
    assert "Cost Management Reader at subscription" in pim
    assert "(PIM, ends 2027-01-31)" in pim
