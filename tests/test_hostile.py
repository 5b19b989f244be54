"""Hostile input: every case is refused with one clear, located finding, never a traceback.

GIVEN a file built to break a parser, a name, a tag or a reviewer's eye, WHEN
`agentid validate` reads it, THEN it exits 1 with one finding that names the
problem (or, for JSON, which is YAML, validates), and finishes: the reader's
bounds (16 MiB read at most, aliases refused at first use, nesting refused at
level 33, composed without recursion) hold whatever the input.

docs/hostile-input.md is generated from these cases and their real output
(`AGENTID_WRITE_DOCS=1 pytest tests/test_hostile.py` rewrites it).
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cdk import model
from cdk.cli import main

from .conftest import ROOT, TODAY_ARG
from .records import BASE, variant

DOC = ROOT / "docs" / "hostile-input.md"
RUNS_ON = ("      - repo: acme/api\n        repo_id: 123456\n"
           "        environment: agent-release-bot\n")
AGENT = BASE[BASE.index("  - name: release-bot"):]


def text(old: str, new: str) -> Callable[[], bytes]:
    return lambda: variant(old, new).encode()


def raw(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def billion_laughs() -> bytes:
    lines = ['a0: &a0 "lol"']
    for n in range(1, 10):
        refs = ", ".join([f"*a{n - 1}"] * 10)
        lines.append(f"a{n}: &a{n} [{refs}]")
    return (BASE + "\n".join(lines) + "\n").encode()


def nested_block(levels: int) -> bytes:
    body = "".join(f"{'  ' * n}k{n}:\n" for n in range(levels)) + f"{'  ' * levels}leaf\n"
    return (BASE + "x-deep:\n" + "\n".join("  " + line for line in body.splitlines()) +
            "\n").encode()


def as_json() -> bytes:
    import yaml

    return json.dumps(yaml.safe_load(BASE.replace("2027-02-15", '"2027-02-15"')),
                      indent=2).encode()


def second_agent(*replacements: tuple[str, str]) -> Callable[[], bytes]:
    other = AGENT
    for old, new in replacements:
        other = variant(old, new, other)
    return lambda: (BASE + other).encode()


@dataclass(frozen=True)
class Case:
    id: str
    what: str
    build: Callable[[], bytes]
    expect: str  # part of the single finding ("" for a file that validates)
    section: str = "YAML"


CASES = [
    # --- YAML itself
    Case("alias-bomb", "billion laughs: 10 levels of anchors, each alias used 10 times",
         billion_laughs, "anchors and aliases are not supported"),
    Case("single-alias", "one anchor and one alias reusing an approver list",
         raw(variant('approvers: ["@acme/release-managers"]',
                     'approvers: &a ["@acme/release-managers"]').encode() +
             b"x: *a\n"), "anchors and aliases are not supported"),
    Case("deep-block-nesting", "40 levels of nested block mappings", lambda: nested_block(40),
         "nesting deeper than 32 levels"),
    Case("deep-flow-nesting", "100,000 nested `[` (past libyaml's own limit)",
         raw(b"[" * 100_000 + b"]" * 100_000), "nesting deeper than 32 levels"),
    Case("fifty-megabytes", "a 50 MB file (a comment line repeated)",
         raw(b"# padding padding padding padding padding padding padding padding\n" *
             (50_000_000 // 66)), "larger than the 16,777,216-byte limit"),
    Case("binary", "a PNG header: binary with NUL bytes",
         raw(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "NUL byte"),
    Case("latin-1", "a description saved as Latin-1 (`é` as byte 0xe9)",
         raw(variant("Tags releases", "Tags r\u00e9leases").encode("latin-1")),
         "byte 0xe9 is not valid UTF-8"),
    Case("control-character", "a raw U+0007 (bell) inside a value",
         text("Tags releases", "Tags\x07releases"), "character U+0007 is not allowed"),
    Case("duplicate-key", "`expires` twice in one record (YAML would keep the last)",
         text("    expires: 2027-02-15\n", "    expires: 2027-02-15\n    expires: 2099-01-01\n"),
         "duplicate key 'expires'"),
    Case("duplicate-agent-key-case", "`name` and `Name` in one record",
         text("    description:", "    Name: evil\n    description:"), "unknown key 'Name'"),
    Case("tab-indentation", "a tab where YAML expects indentation",
         text("    expires: 2027-02-15\n", "\texpires: 2027-02-15\n"), "tab character"),
    Case("python-object-tag", "`!!python/object/apply:os.system` on a value",
         text("description: Tags", "description: !!python/object/apply:os.system [id] #"),
         "is not allowed"),
    Case("custom-tag", "a local tag `!env` on a value",
         text("description: Tags", "description: !env Tags"), "tag '!env' is not allowed"),
    Case("json-valid", "the base record written as JSON (JSON is YAML)", as_json, ""),
    Case("json-invalid", "JSON with an unknown key", lambda: as_json().replace(
        b'"version": 1', b'"version": 1, "token": "ghp_x"'), "unknown key 'token'"),
    Case("empty-file", "an empty file", raw(b""), "the file is empty"),
    Case("comments-only", "only comments", raw(b"# nothing here\n"), "the file is empty"),
    Case("top-level-list", "a list at the top level", raw(b"- version: 1\n"),
         "the file is a list"),
    Case("top-level-scalar", "a plain string at the top level", raw(b"hello\n"),
         "the file is a str"),
    Case("two-documents", "two YAML documents separated by `---`",
         raw(BASE.encode() + b"---\nversion: 1\n"), "single document"),
    # --- values
    Case("name-case-fold", "an agent name in capitals (`Release-Bot`)",
         text("name: release-bot", "name: Release-Bot"), "3-24 characters", "values"),
    Case("environment-case-fold", "a second agent on `AGENT-RELEASE-BOT` in the same repo",
         second_agent(("name: release-bot", "name: other-bot"),
                      ("environment: agent-release-bot", "environment: AGENT-RELEASE-BOT")),
         "already belongs to agent release-bot", "values"),
    Case("subject-case-fold", "the same repo and environment twice, differing in case",
         text(RUNS_ON, RUNS_ON + "      - repo: acme/API\n        repo_id: 123456\n"
              "        environment: Agent-Release-Bot\n"),
         "repeats runs_on[0]", "values"),
    Case("name-25-chars", "a 25-character name (agent- + 25 = 31 > GCP's 30)",
         text("name: release-bot", "name: " + "a" * 25), "3-24 characters", "values"),
    Case("name-trailing-newline", "a name written as a block scalar (`|`), ending in a newline",
         text("name: release-bot", "name: |\n      release-bot"),
         "3-24 characters", "values"),
    Case("cyrillic-name", "Cyrillic `е` (U+0435) in the name",
         text("name: release-bot", "name: r\u0435lease-bot"), "3-24 characters", "values"),
    Case("cyrillic-repo", "Cyrillic `а` (U+0430) in the repository owner",
         text("repo: acme/api", "repo: \u0430cme/api"), "exact owner/name", "values"),
    Case("cyrillic-team", "Cyrillic `р` (U+0440) in the owner team",
         text('owner: "@acme/platform"', 'owner: "@acme/\u0440latform"'),
         "never by one person", "values"),
    Case("fullwidth-at", "a fullwidth `＠` (U+FF20) before the approver team",
         text('approvers: ["@acme/release-managers"]',
              'approvers: ["\uff20acme/release-managers"]'), "team (@org/team-slug)", "values"),
    Case("description-newline", "a newline (`\\n` escape) in the description",
         text("description: Tags releases and uploads build artifacts",
              'description: "Tags releases\\n## Approved by security"'),
         "printable Latin-1 text", "values"),
    Case("description-cyrillic", "Cyrillic text in the description (IAM refuses it)",
         text("Tags releases and uploads build artifacts", "\u0422\u0435\u0433\u0438"),
         "printable Latin-1 text", "values"),
    Case("description-nul", "a NUL (`\\0` escape) in the description",
         text("description: Tags releases and uploads build artifacts",
              'description: "Tags\\0releases"'), "printable Latin-1 text", "values"),
    Case("reason-bidi", "a right-to-left override (U+202E) in an escalation reason",
         raw((BASE + '    escalations:\n      - on: 2026-11-20\n        reason: "ok \\u202e'
              'evil"\n        approved_by: "@acme/security"\n').encode()),
         "U+202E (right-to-left override)", "values"),
    Case("reason-newline", "a multi-line revocation reason (block scalar)",
         raw((BASE + '    revoked:\n      on: 2026-11-28\n      by: "@acme/platform"\n'
              "      reason: |\n        retired\n        | injected | table |\n").encode()),
         "U+000A (line feed)", "values"),
    Case("owner-person", "an owner that is one person (`@alice`)",
         text('owner: "@acme/platform"', 'owner: "@alice"'), "never by one person", "values"),
    Case("approver-agent-itself", "the agent's own account `@agent-release-bot` as approver",
         text('approvers: ["@acme/release-managers"]', 'approvers: ["@agent-release-bot"]'),
         "is an agent's own account", "values"),
    Case("approver-bot-suffix", "a GitHub App bot `@release-bot[bot]` as approver",
         text('approvers: ["@acme/release-managers"]', 'approvers: ["@release-bot[bot]"]'),
         "team (@org/team-slug) or a user", "values"),
    Case("expiry-past", "expires yesterday", text("expires: 2027-02-15", "expires: 2026-11-28"),
         "is not after today", "values"),
    Case("expiry-today", "expires today", text("expires: 2027-02-15", "expires: 2026-11-29"),
         "is not after today", "values"),
    Case("expiry-beyond-policy", "expires 91 days away (policy: 90)",
         text("expires: 2027-02-15", "expires: 2027-02-28"), "more than 90 days away", "values"),
    Case("expiry-impossible-date", "expires on February 30th",
         text("expires: 2027-02-15", "expires: 2027-02-30"),
         "2027-02-30 is not a date in the calendar", "values"),
    Case("revoked-future", "a tombstone dated tomorrow",
         raw((BASE + '    revoked: {on: 2026-11-30, by: "@acme/platform", reason: Retired}\n'
              ).encode()), "is in the future", "values"),
    Case("repo-id-huge", "a repository id past 2^53 (not exact in JSON)",
         text("repo_id: 123456", "repo_id: 99999999999999999999"), "less than", "values"),
    Case("arn-other-account", "an ARN in another AWS account in `aws.access`",
         text("arn:aws:s3:::acme-artifacts/releases/*",
              "arn:aws:sqs:eu-west-1:999999999999:jobs"), "account", "values"),
    Case("arn-other-partition", "an ARN in another partition (`aws-cn`)",
         text("arn:aws:s3:::acme-artifacts/releases/*", "arn:aws-cn:s3:::acme-artifacts/*"),
         "partition", "values"),
]

# ARNs outside defaults.aws's account and partition are refused by the scope
# rules (cdk/aws/scope_rules.py); they may report more than one finding.
ARN_CASES = {"arn-other-account", "arn-other-partition"}


@dataclass(frozen=True)
class Outcome:
    code: int
    findings: list[str]
    stderr: str


def run_case(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Outcome:
    source = tmp_path / "identities.yaml"
    source.write_bytes(case.build())
    code = main(["validate", "-f", str(source), "--today", TODAY_ARG])
    err = capsys.readouterr().err.replace(str(source), "identities.yaml")
    findings = [line for line in err.splitlines() if line.startswith("identities.yaml")]
    return Outcome(code, findings, err)


RunOnce = Callable[[Case, pytest.CaptureFixture[str]], Outcome]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> RunOnce:
    """``outcome(case, capsys)``: the case validated on first use, once per module.

    An outcome depends on the case alone (the file's path is replaced in it), so the
    per-case tests and the docs table judge the same run of each case.
    """
    done: dict[str, Outcome] = {}

    def get(case: Case, capsys: pytest.CaptureFixture[str]) -> Outcome:
        if case.id not in done:
            done[case.id] = run_case(case, tmp_path_factory.mktemp(case.id), capsys)
        return done[case.id]

    return get


def test_cases_have_unique_ids() -> None:
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [c for c in CASES if c.id not in ARN_CASES],
                         ids=lambda c: c.id)
def test_hostile_input_gives_one_clear_finding(case: Case, outcome: RunOnce,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    result = outcome(case, capsys)
    assert "Traceback" not in result.stderr
    if not case.expect:
        assert result.code == 0, result.stderr
        return
    assert result.code == 1
    assert len(result.findings) == 1, result.stderr
    assert case.expect in result.findings[0], result.findings[0]
    assert re.match(r"^identities\.yaml:\d+:\d+: ", result.findings[0])


@pytest.mark.parametrize("case", [c for c in CASES if c.id in ARN_CASES], ids=lambda c: c.id)
def test_arns_outside_the_account_are_refused(case: Case, outcome: RunOnce,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    result = outcome(case, capsys)
    assert result.code == 1
    assert any(case.expect in line for line in result.findings), result.stderr


def render_table(outcomes: dict[str, Outcome]) -> str:
    lines = [
        "# Hostile input: what agentid does with it",
        "",
        "Generated by `tests/test_hostile.py` from the real output of `agentid validate`",
        f"(`--today {TODAY_ARG}`) on each case; the test fails when this file and the",
        "behaviour disagree (`AGENTID_WRITE_DOCS=1 pytest tests/test_hostile.py` rewrites",
        "it). Every run is bounded by design: at most 16 MiB + 1 byte is read, aliases are",
        "refused at their first use (never expanded), nesting is refused at level 33 while",
        "the tree is built without recursion, and schema and rules run only on what passed.",
        "",
    ]
    for section in ("YAML", "values"):
        lines += [f"## {section}", "", "| case | input | exit | what agentid prints |",
                  "|---|---|---|---|"]
        for case in CASES:
            if case.section != section:
                continue
            outcome = outcomes[case.id]
            said = outcome.findings[0] if outcome.findings else "(validates: no problems)"
            said = said.replace("|", "\\|")
            what = case.what.replace("|", "\\|")
            lines.append(f"| `{case.id}` | {what} | {outcome.code} | {said} |")
        lines.append("")
    return "\n".join(lines)


def test_docs_table_matches_what_agentid_does(outcome: RunOnce,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    table = render_table({case.id: outcome(case, capsys) for case in CASES})
    if os.environ.get("AGENTID_WRITE_DOCS"):
        DOC.write_text(table)
    assert DOC.read_text() == table, (
        "docs/hostile-input.md is stale: AGENTID_WRITE_DOCS=1 pytest tests/test_hostile.py")


def test_identifier_patterns_match_ascii_only() -> None:
    # Look-alike letters are refused because no identifier pattern uses a
    # Unicode-aware class; a `\w` or `\d` here would let Cyrillic or Arabic digits in.
    patterns = {name: value for name, value in vars(model).items()
                if name.endswith("_RE") and isinstance(value, str) and name != "DESCRIPTION_RE"}
    assert len(patterns) >= 10
    for name, pattern in patterns.items():
        assert pattern.isascii(), name
        assert not re.search(r"\\[wdsWDSb]", pattern), f"{name} uses a Unicode-aware class"
        assert pattern.startswith("^") and pattern.endswith("$"), name


def test_nesting_is_refused_whatever_the_recursion_limit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a recursion limit far below the nesting depth, in a thread of its own: a new
    # thread starts with an empty stack, as a fresh interpreter would (the limit is the
    # process's, restored before the thread ends; this thread waits meanwhile)
    source = tmp_path / "deep.yaml"
    source.write_bytes(b"[" * 5000 + b"]" * 5000)
    result: dict[str, object] = {}

    def validate() -> None:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(120)
        try:
            result["code"] = main(["validate", "-f", str(source)])
        except BaseException as error:  # reported below, with the limit restored
            result["error"] = error
        finally:
            sys.setrecursionlimit(limit)

    # WHEN it validates the file
    thread = threading.Thread(target=validate)
    thread.start()
    thread.join()

    # THEN the answer is still the one nesting finding: the tree is built in a loop
    err = capsys.readouterr().err
    assert "error" not in result, result["error"]
    assert result["code"] == 1, err
    assert "nesting deeper than 32 levels" in err
    assert "Traceback" not in err
