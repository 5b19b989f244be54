"""Construct ids never collide: names that differ only in characters an id cannot hold.

GIVEN two entries whose names map to one Terraform-safe id (``acme/a.b`` and
``acme/a_b``), WHEN synthesized and reviewed, THEN both succeed with one resource
each, the plain name keeps the id it always had, and nothing prints a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.names import logical_id, unique_ids

from .conftest import Synthesized, synthesize
from .records import AZURE, BASE, GCP, GCP_ROLE, variant

RUNS_ON = ("      - repo: acme/api\n        repo_id: 123456\n"
           "        environment: agent-release-bot\n")
TWIN_RUNS = ("      - repo: acme/a.b\n        repo_id: 123456\n"
             "        environment: agent-release-bot\n"
             "      - repo: acme/a_b\n        repo_id: 123457\n"
             "        environment: agent-release-bot\n")


# ------------------------------------------------------------------ the function


def test_an_entry_alone_keeps_the_id_it_always_had() -> None:
    assert unique_ids([(0, ("environment", "acme/a.b", "prod"))]) == {
        0: logical_id("environment", "acme/a.b", "prod")}


def test_twins_get_distinct_ids_and_the_plain_one_keeps_its_id() -> None:
    ids = unique_ids([("dot", ("environment", "acme/a.b", "x")),
                      ("underscore", ("environment", "acme/a_b", "x"))])
    assert ids["underscore"] == "environment_acme_a_b_x"
    assert ids["dot"].startswith("environment_acme_a_b_x_")
    assert ids["dot"] != ids["underscore"]


def test_ids_do_not_depend_on_order() -> None:
    entries = [("a", ("role", "bucket_a.b_r")), ("b", ("role", "bucket_a_b_r")),
               ("c", ("role", "bucket_a b_r"))]
    assert unique_ids(entries) == unique_ids(list(reversed(entries)))
    assert len(set(unique_ids(entries).values())) == 3


def test_parts_that_join_alike_are_told_apart() -> None:
    # Both plain: neither may keep the shared id, so both get their own.
    ids = unique_ids([(1, ("environment", "acme/a", "b_c")),
                      (2, ("environment", "acme/a_b", "c"))])
    assert len(set(ids.values())) == 2


# ------------------------------------------------------------------ synth and review


def _synth(tmp_path: Path, text: str) -> Synthesized:
    (tmp_path / "identities.yaml").write_text(text)
    return synthesize(tmp_path / "identities.yaml", tmp_path / "cdktf.out")


def test_repositories_differing_by_dot_and_underscore_synthesize_and_review(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cdk.cli import main

    from .conftest import TODAY_ARG

    # GIVEN runs on acme/a.b and acme/a_b, which once crashed synth and review
    text = variant(RUNS_ON, TWIN_RUNS)
    out = _synth(tmp_path, text)
    # THEN each gets its own environment, and acme/a_b keeps its old address
    stack = out.stack("release-bot")["resource"]["github_repository_environment"]
    assert sorted(e["repository"] for e in stack.values()) == ["a.b", "a_b"]
    assert stack["environment_acme_a_b_agent-release-bot"]["repository"] == "a_b"
    # AND review of the change runs to its packet, with no traceback
    (tmp_path / "base.yaml").write_text(BASE)
    capsys.readouterr()
    code = main(["review", "--base-file", str(tmp_path / "base.yaml"), "-f",
                 str(tmp_path / "identities.yaml"), "--today", TODAY_ARG])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "Traceback" not in captured.err
    assert "environment_acme_a_b_agent-release-bot" in captured.out


def test_gcp_buckets_differing_by_dot_and_underscore_get_a_binding_each(
        tmp_path: Path) -> None:
    twins = ("        - role: roles/storage.objectViewer\n"
             "          resource: {bucket: acme.data}\n"
             "        - role: roles/storage.objectViewer\n"
             "          resource: {bucket: acme_data}\n")
    out = _synth(tmp_path, variant(GCP_ROLE, twins, GCP))
    members = out.stack("release-bot")["resource"]["google_storage_bucket_iam_member"]
    assert sorted(m["bucket"] for m in members.values()) == ["acme.data", "acme_data"]
    lookups = out.stack("release-bot")["data"]["google_iam_role"]
    assert len(lookups) == 2


def test_azure_subjects_differing_by_dot_and_underscore_get_a_credential_each(
        tmp_path: Path) -> None:
    # Legacy subjects differ only by `.`/`_` (immutable ones also by their ids)
    legacy = variant("github: {owner: acme, owner_id: 1342004}",
                     "github: {owner: acme, owner_id: 1342004, subject_form: legacy}", AZURE)
    out = _synth(tmp_path, variant(RUNS_ON, TWIN_RUNS, legacy))
    credentials = out.stack("release-bot")["resource"]["azurerm_federated_identity_credential"]
    assert sorted(c["subject"] for c in credentials.values()) == [
        "repo:acme/a.b:environment:agent-release-bot",
        "repo:acme/a_b:environment:agent-release-bot"]


def test_entries_naming_one_azure_assignment_are_refused_at_their_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from .records import AZURE_ROLE, assert_refused

    # GIVEN two entries that differ only in case: one assignment to Azure
    twin = AZURE_ROLE.replace("Storage Blob Data Reader", "storage blob data reader")
    text = variant(AZURE_ROLE, AZURE_ROLE + twin, AZURE)
    # THEN synth refuses the second at its line, cleanly, writing nothing
    assert_refused(tmp_path, capsys, text, "agents[0].azure.roles[1]",
                   "role: storage blob data reader", "is already assigned by roles[0]")
