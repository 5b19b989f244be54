"""``agentid lock`` and ``agentid rotate`` edit one record and nothing else.

GIVEN an identities file (the repository's commented example, flow style, CRLF, a
4-space indent), WHEN ``lock`` or ``rotate`` runs, THEN the written file is the
original with exactly the new block inserted (asserted on the whole file, byte for
byte), a second run is a no-op that leaves it byte-identical, and every refusal
(unknown or revoked agent, syntax errors, findings, a future entry, a file
ruamel.yaml cannot write back unchanged) exits non-zero naming the problem and
leaves the file byte-identical.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

import cdk.yamledit
from cdk.cli import main
from cdk.model import Locked
from cdk.validation import load
from cdk.yamledit import Entry, add_lock

from ..conftest import EXAMPLE, TODAY, TODAY_ARG
from ..records import BASE, line_of, variant

BY = "@acme/security"
LOCKED = '    locked:\n      on: 2026-11-29\n      by: "@acme/security"\n      reason: incident\n'
EXPIRES = "    expires: 2027-02-15\n"
KEYS = "    github:\n      deploy_keys:\n        - {repo: acme/api}\n"
KEYED = BASE + KEYS
REVOKED = '    revoked: {on: 2026-11-02, by: "@acme/platform", reason: Retired}\n'


def run(path: Path, *args: str) -> int:
    return main([*args, "-f", str(path), "--today", TODAY_ARG])


def lock(path: Path, name: str = "release-bot", reason: str = "incident") -> int:
    return run(path, "lock", name, "--by", BY, "--reason", reason)


def rotate(path: Path, name: str = "release-bot", reason: str = "member left") -> int:
    return run(path, "rotate", name, "--by", "@acme/platform-oncall", "--reason", reason)


def save(tmp_path: Path, text: str, newline: str = "\n") -> Path:
    path = tmp_path / "identities.yaml"
    path.write_bytes(text.replace("\n", newline).encode())
    return path


# --- lock: the block and nothing else -------------------------------------------------

def test_lock_adds_only_the_block_to_the_commented_example(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the repository's example: comments, blank lines, flow and block styles,
    # double-quoted teams, five agents
    original = EXAMPLE.read_text()
    path = save(tmp_path, original)
    # WHEN release-bot is locked
    assert lock(path, reason="token leaked in a CI log") == 0
    # THEN the file is the original with the block after its `expires`, byte for byte
    block = LOCKED.replace("incident", "token leaked in a CI log")
    assert path.read_bytes() == variant(EXPIRES, EXPIRES + block, original).encode()
    out = capsys.readouterr().out
    assert "locked release-bot" in out
    # and the one command that applies only that agent's stack
    assert "\n  npx cdktn deploy release-bot\n" in out
    # and only the stop times of the clouds it uses (GitHub and AWS): the card's lines
    assert ("AWS: role agent-release-bot trusts no token and its inline policy and "
            "boundary deny every action, so sessions already issued fail at their next "
            "request") in out
    assert "GitHub: every environment of the agent admits no branch" in out
    assert "Azure" not in out and "Google Cloud" not in out
    # nothing else is left in the directory (written through a temporary file)
    assert [p.name for p in tmp_path.iterdir()] == ["identities.yaml"]


def test_a_second_lock_is_a_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save(tmp_path, EXAMPLE.read_text())
    assert lock(path) == 0
    locked = path.read_bytes()
    capsys.readouterr()
    # WHEN it is locked again, by someone else for another reason
    assert run(path, "lock", "release-bot", "--by", "@acme/platform", "--reason", "again") == 0
    # THEN nothing is written and it says since when
    assert path.read_bytes() == locked
    assert "release-bot is already locked, since 2026-11-29 by @acme/security: incident" in (
        capsys.readouterr().out)


def test_lock_inside_a_flow_style_record(tmp_path: Path) -> None:
    # GIVEN an agent written as one flow mapping on one line
    text = BASE[:BASE.index("  - name:")] + (
        '  - {name: release-bot, description: Tags releases, owner: "@acme/platform", '
        'rotation_owner: "@acme/platform-oncall", approvers: ["@acme/release-managers"], '
        "expires: 2027-02-15, runs_on: [{repo: acme/api, repo_id: 123456, "
        "environment: agent-release-bot}]}\n")
    path = save(tmp_path, text)
    assert lock(path) == 0
    # THEN the lock is inserted into that line, in flow style, and nothing else moves
    assert path.read_text() == variant(
        "expires: 2027-02-15, ",
        'expires: 2027-02-15, locked: {on: 2026-11-29, by: "@acme/security", '
        "reason: incident}, ", text)


def test_a_flow_record_with_a_comment_after_it_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a one-line flow record with a comment two spaces after it: ruamel.yaml
    # would move the comment to one space once the line grows
    text = BASE[:BASE.index("  - name:")] + (
        '  - {name: release-bot, description: Tags releases, owner: "@acme/platform", '
        'rotation_owner: "@acme/platform-oncall", approvers: ["@acme/release-managers"], '
        "expires: 2027-02-15, runs_on: [{repo: acme/api, repo_id: 123456}]}  # one line\n")
    path = save(tmp_path, text)
    # THEN it is refused, naming the change and the block to add by hand
    assert lock(path) == 1
    err = capsys.readouterr().err
    assert "would become" in err and "# one line" in err and "add it by hand" in err
    assert path.read_text() == text


def test_lock_keeps_crlf_line_endings(tmp_path: Path) -> None:
    path = save(tmp_path, BASE, "\r\n")
    assert lock(path) == 0
    assert path.read_bytes() == variant(EXPIRES, EXPIRES + LOCKED).replace(
        "\n", "\r\n").encode()
    assert lock(path) == 0  # no-op
    assert path.read_bytes().count(b"\r\n") == BASE.count("\n") + 4


def four_spaces(text: str) -> str:
    """``text`` with every indent doubled and `- ` items padded to match."""
    lines = []
    for line in text.splitlines(keepends=True):
        rest = line.lstrip(" ")
        indent = " " * 2 * (len(line) - len(rest))
        lines.append(indent + ("-   " + rest[2:] if rest.startswith("- ") else rest))
    return "".join(lines)


def test_lock_and_rotate_follow_a_four_space_indent(tmp_path: Path) -> None:
    text = four_spaces(KEYED)
    path = save(tmp_path, text)
    assert lock(path) == 0
    assert rotate(path) == 0
    assert path.read_text() == variant(
        four_spaces(EXPIRES), four_spaces(EXPIRES + LOCKED) + four_spaces(
            "    rotate:\n      - on: 2026-11-29\n        by: \"@acme/platform-oncall\"\n"
            "        reason: member left\n"), text)


def test_a_missing_final_newline_stays_missing(tmp_path: Path) -> None:
    path = save(tmp_path, BASE.rstrip("\n"))
    assert lock(path) == 0
    assert path.read_text() == variant(EXPIRES, EXPIRES + LOCKED).rstrip("\n")


# --- rotate ---------------------------------------------------------------------------

def test_rotate_creates_the_list_in_the_commented_example(tmp_path: Path) -> None:
    original = EXAMPLE.read_text()
    path = save(tmp_path, original)
    assert rotate(path, "search-indexer") == 0
    expires = "    expires: 2027-02-01\n"
    assert path.read_text() == variant(expires, expires + (
        '    rotate:\n      - on: 2026-11-29\n        by: "@acme/platform-oncall"\n'
        "        reason: member left\n"), original)


def test_rotate_appends_in_the_style_of_the_list(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a list of flow-style entries followed by a comment
    history = ("    rotate:\n"
               "      - {on: 2026-10-01, by: \"@acme/platform\", reason: quarterly}  # q4\n")
    text = variant(EXPIRES, EXPIRES + history, KEYED) + "# end of file\n"
    path = save(tmp_path, text)
    assert rotate(path) == 0
    assert path.read_text() == variant(history, history + (
        '      - {on: 2026-11-29, by: "@acme/platform-oncall", reason: member left}\n'), text)
    edited = path.read_bytes()
    assert "\n  npx cdktn deploy release-bot\n" in capsys.readouterr().out
    # WHEN the same request is made again THEN it is a no-op
    assert rotate(path) == 0
    assert path.read_bytes() == edited
    assert "already has this rotation request" in capsys.readouterr().out


# --- bad input: exit 1 (or 2), the file byte-identical -------------------------------

@pytest.mark.parametrize(("command", "text", "code", "expected"), [
    (("lock", "no-such-bot"), KEYED, 1,
     "agentid: no agent 'no-such-bot' in {file} — `agentid status -f {file}` lists every agent"),
    (("lock", "release-bt"), KEYED, 1, "did you mean 'release-bot'?"),
    (("rotate", "nobody"), KEYED, 1, "`agentid status -f {file}` lists every agent"),
    (("lock", "release-bot"), KEYED + REVOKED, 1,
     "agentid: release-bot is revoked (on 2026-11-02: Retired): its tombstone already removes "
     "everything, there is nothing to lock"),
    (("rotate", "release-bot"), KEYED + REVOKED, 1, "there is nothing to rotate"),
    (("rotate", "release-bot"), BASE, 1,
     "release-bot has no deploy keys (github.deploy_keys): there is nothing to rotate"),
    # a syntax error: FILE:LINE:COL from the loader, nothing written
    (("lock", "release-bot"), variant("expires: 2027-02-15", "expires: [2027-02-15"), 1,
     "{file}:14:12: (file): not valid YAML"),
    # a finding elsewhere in the file: the pipeline refuses before any edit
    (("lock", "release-bot"), variant('approvers: ["@acme/release-managers"]',
                                      'approvers: ["@alice", "@Alice"]'), 1,
     "{file}:12:27: agents[0].approvers[1]: approver @Alice is listed twice"),
    # an entry dated after --today (the file was written with a later date)
    (("rotate", "release-bot"), KEYED + (
        '    rotate:\n      - {on: 2026-12-05, by: "@acme/platform", reason: leak}\n'), 1,
     "{file}:25:14: agents[0].rotate[0].on: rotate on 2026-12-05 is in the future "
     "(today is 2026-11-29)"),
    (("lock", "release-bot"), KEYED + (
        '    locked: {on: 2026-12-05, by: "@acme/platform", reason: leak}\n'), 1,
     "[AgentId-LockedInFuture]"),
    # a file ruamel.yaml would reformat elsewhere: refused with the block to add by hand
    (("lock", "release-bot"), variant("expires: 2027-02-15", "expires:   2027-02-15"), 1,
     "agentid: {file}: ruamel.yaml would rewrite lines outside the new block (line 13: "
     "'    expires:   2027-02-15' would become '    expires: 2027-02-15') — add it by hand "
     'to agents[0]: locked: {{on: 2026-11-29, by: "@acme/security", reason: "incident"}}; '
     "{file} unchanged"),
    (("lock", "release-bot"), BASE + "...\n", 1, "add it by hand"),
    # flags the record's schema would refuse: usage errors
    (("lock", "release-bot", "--by", "alice"), KEYED, 2, "--by: String should match pattern"),
    (("rotate", "release-bot", "--reason", "two\nlines"), KEYED, 2, "--reason"),
    (("lock", "release-bot", "--today", "29/11/2026"), KEYED, 2, "is not a date"),
], ids=["unknown", "unknown-close", "rotate-unknown", "revoked", "rotate-revoked", "no-keys",
        "syntax", "findings", "rotate-future", "locked-future", "reformat", "document-end",
        "bad-by", "bad-reason", "bad-today"])
def test_bad_input_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...],
        text: str, code: int, expected: str) -> None:
    path = save(tmp_path, text)
    before = path.read_bytes()
    args = [*command[:2], "-f", str(path), *command[2:]]
    for flag, value in (("--by", BY), ("--reason", "incident"), ("--today", TODAY_ARG)):
        if flag not in args:
            args += [flag, value]
    assert main(args) == code
    err = capsys.readouterr().err
    assert expected.format(file=path) in err, err
    assert "Traceback" not in err
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["identities.yaml"]


def test_a_missing_file_is_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lock(tmp_path / "missing.yaml") == 1
    assert "file not found" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_another_agents_passed_expiry_does_not_block_a_lock(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a file where another agent expired yesterday (validate refuses it)
    other = variant("name: release-bot", "name: old-bot", BASE[BASE.index("  - name:"):])
    other = variant("expires: 2027-02-15", "expires: 2026-11-28", other)
    other = variant("environment: agent-release-bot", "environment: agent-old-bot", other)
    path = save(tmp_path, BASE + other)
    # WHEN release-bot is locked THEN the lock is written: an incident cannot wait
    assert lock(path) == 0
    assert path.read_text() == variant(EXPIRES, EXPIRES + LOCKED, BASE) + other
    # and the tolerated finding is named, not hidden
    assert "agentid: note (tolerated here):" in capsys.readouterr().err


def test_an_edit_that_lands_elsewhere_is_never_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an editor that puts the block somewhere the schema accepts but that is not
    # what was asked (here: a second agent's record, simulated by a wrong index)
    second = variant("name: release-bot", "name: other-bot", BASE[BASE.index("  - name:"):])
    second = variant("environment: agent-release-bot", "environment: agent-other-bot", second)
    path = save(tmp_path, BASE + second)
    before = path.read_bytes()
    real = cdk.yamledit.add_lock

    def misplaced(text: str, index: int, entry: Entry) -> str:
        return real(text, index + 1, entry)

    monkeypatch.setattr(cdk.yamledit, "add_lock", misplaced)
    # WHEN release-bot is locked THEN the check of the edited records refuses it
    assert lock(path) == 1
    assert "the edit did not land as intended" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_an_edit_that_would_not_validate_is_never_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(tmp_path, BASE)
    before = path.read_bytes()

    def broken(text: str, index: int, entry: Entry) -> str:
        return text.replace(EXPIRES, EXPIRES + "    locked: {on: 2026-11-29}\n")

    monkeypatch.setattr(cdk.yamledit, "add_lock", broken)
    assert lock(path) == 1
    err = capsys.readouterr().err
    assert f"{path}:{line_of(variant(EXPIRES, EXPIRES + '    locked:'), 'locked:')}:" in err
    assert "the edited file would not validate" in err
    assert path.read_bytes() == before


def test_a_symlinked_file_is_edited_where_it_lives(tmp_path: Path) -> None:
    real = save(tmp_path, BASE)
    (tmp_path / "link").mkdir()
    link = tmp_path / "link" / "identities.yaml"
    link.symlink_to(real)
    assert lock(link) == 0
    assert link.is_symlink()
    assert real.read_text() == variant(EXPIRES, EXPIRES + LOCKED)


def test_a_file_changed_during_the_edit_is_not_overwritten(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(tmp_path, BASE)
    real = cdk.yamledit.add_lock
    changed = BASE + "# someone else's edit\n"

    def racing(text: str, index: int, entry: Entry) -> str:
        path.write_text(changed)  # another writer, between the read and the write
        return real(text, index, entry)

    monkeypatch.setattr(cdk.yamledit, "add_lock", racing)
    assert lock(path) == 1
    assert "changed while it was being edited" in capsys.readouterr().err
    assert path.read_text() == changed


@pytest.mark.fuzz
# The characters the schema's one-line check (cdk/model/fields.py) refuses are left
# out of the alphabet, so `assume` only drops the rare other refusal.
@given(st.text(st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")),
               min_size=1, max_size=80))
def test_any_reason_the_schema_accepts_is_written_as_it_is(reason: str) -> None:
    # GIVEN any reason the record's schema accepts (quotes, colons, `#`, YAML words such
    # as `yes` or `null`, numbers, dates, unicode, leading or trailing spaces)
    try:
        Locked(on=TODAY, by=BY, reason=reason)
    except ValidationError:
        assume(False)
    # WHEN it is written THEN the file holds exactly that reason, and only the block
    # was inserted (the command's own check; here on the edit alone)
    edited = add_lock(BASE, 0, Entry(TODAY, BY, reason))
    start = edited.index("    locked:\n")
    assert edited[:start] + edited[edited.index("    runs_on:"):] == BASE
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "identities.yaml"
        path.write_text(edited)
        locked = load(path, TODAY).identities.agents[0].locked
    assert locked == Locked(on=TODAY, by=BY, reason=reason)


@pytest.mark.slow
def test_lock_as_a_command(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from ..conftest import ROOT

    path = save(tmp_path, KEYED)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "cdk.cli", "lock", "release-bot", "-f",
                           str(path), "--by", BY, "--reason", "incident", "--today",
                           TODAY_ARG], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert path.read_text() == variant(EXPIRES, EXPIRES + LOCKED, KEYED)


def test_lock_of_an_agent_with_a_github_app_says_what_is_left_by_hand(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GitHub keeps one repository on an installation the stack lets go of: the lock's
    # output names the manual steps (docs/github-app.md#lock-and-revoke).
    path = save(tmp_path, BASE + "    github:\n      app: {permissions: {contents: read}}\n")
    capsys.readouterr()
    assert lock(path) == 0
    out = capsys.readouterr().out
    assert "suspends the installation and deletes the App's private key" in out
    (tmp_path / "plain").mkdir()
    assert lock(save(tmp_path / "plain", BASE)) == 0
    assert "GitHub App" not in capsys.readouterr().out
