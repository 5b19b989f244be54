"""The review comment as GitHub shows it: rendered with cmark-gfm, GitHub's own engine.

GitHub renders no Markdown inside an HTML block such as ``<details><summary>``,
so a backtick there shows literally; and any Markdown the packet gets wrong
(an unclosed ``**``, a stray escape, a list that does not start a list) shows up
as raw syntax in the HTML's text. Each golden packet and a fresh packet of each
kind (a new agent, a revocation, a failed gate, ``--no-synth``) is rendered and
its text nodes searched for such artefacts. The fresh packets run ``--no-synth``
(the synthesized ones are the goldens, which tests/review/test_golden.py renders
afresh and compares byte for byte).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cdk.review.render import html_code, html_text, md_spans

from ..conftest import FIXTURES
from ..records import BASE, variant
from .gfm import artefacts, summaries
from .helpers import (
    ENFORCED,
    KEYED,
    LOCK,
    REVOCATION_AND_ORPHAN,
    ROTATE,
    SECOND_AGENT,
    SECOND_AGENT_ESCALATION,
    TOMBSTONE,
    UNAPPROVED,
    Result,
    review,
)

GOLDENS = sorted((FIXTURES / "review").glob("*.md"))
NEW_AGENT = BASE + SECOND_AGENT + SECOND_AGENT_ESCALATION


@pytest.mark.parametrize("golden", GOLDENS, ids=[g.stem for g in GOLDENS])
def test_golden_packet_renders_without_raw_markdown(golden: Path) -> None:
    markdown = golden.read_text()
    assert artefacts(markdown) == []
    # Every collapsed block really is one, titled with <code>, not backticks.
    titles = summaries(markdown)
    assert titles and all("`" not in t for t in titles)
    assert all("<code>" in t for t in titles if t.startswith(("Identity card", "Stack")))


def _fresh(tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str, head: str) -> Result:
    return review(tmp_path, base, head, capsys, "--no-synth")


def test_new_agent_shows_its_grants_and_its_baseline_not_a_narrowing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = _fresh(tmp_path, capsys, BASE, NEW_AGENT)
    assert result.code == 0 and artefacts(result.markdown) == []
    section = result.markdown.split("### `docs-reader` — new", 1)[1]
    assert "**Grants**" in section and "`s3:GetObject`" in section
    # The standing denies every agent gets are its baseline, collapsed, never "Narrowed".
    assert "Narrowed" not in section and "now denied" not in section
    assert "Denied from the start (its baseline, not a narrowing)" in section
    agent = result.agent("docs-reader")
    assert agent["narrowed"] is False and agent["permissions"]["narrowed"] == []
    baseline = agent["baseline"]
    assert baseline and {g["effect"] for g in baseline} == {"Deny"}
    assert any(g["action"] == "sts:AssumeRole" for g in baseline)


def test_revocation_lists_each_destroyed_resource_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Synthesized (the golden): the banner lists the destroys; no second list below.
    golden = (FIXTURES / "review" / "revocation-and-orphan.md").read_text()
    revoked = golden.split("### `release-bot` — revoked", 1)[1]
    destroyed = re.findall(r"^> - `([^`]+)`$", revoked, re.M)
    assert len(destroyed) == 8
    assert all(revoked.count(address) == 1 for address in destroyed)
    # Fresh, without synthesis: nothing is listed and nothing claims "0 resources".
    result = _fresh(tmp_path, capsys, BASE, variant(*TOMBSTONE))
    assert result.code == 0 and artefacts(result.markdown) == []
    assert "destroys this agent's stack and nothing else; resources not computed " \
        "(--no-synth)" in result.markdown
    assert "0 resources" not in result.markdown


def test_failed_gate_is_one_line_pointing_at_the_list_below(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = _fresh(tmp_path, capsys, ENFORCED, UNAPPROVED)
    assert result.code == 1 and artefacts(result.markdown) == []
    gates = result.markdown.split("### Gates that failed", 1)[1].split("`agentid validate", 1)[0]
    new_agent = next(line for line in gates.splitlines()
                     if "AgentId-Review-UnapprovedNewAgent" in line)
    assert new_agent.endswith("13 actions on 1 resource, 3 trust grants, listed under "
                              "`docs-reader` below")
    # The actions are listed once, in the agent's section, not in the gate's bullet.
    assert "s3:GetObjectAcl" not in gates
    assert result.markdown.count("`s3:GetObjectAcl`") == 1
    # Machines still get the whole list in the gate's message.
    gate = next(g for g in result.packet["gates"]
                if g["id"] == "AgentId-Review-UnapprovedNewAgent")
    assert "s3:GetObjectAcl" in gate["message"] and gate["summary"] in new_agent
    # Backticked names in a fix are code spans, not literal backticks.
    assert "add a `defaults.escalations` entry" in gates


def test_no_synth_says_resources_were_not_computed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = _fresh(tmp_path, capsys, NEW_AGENT, REVOCATION_AND_ORPHAN)
    assert artefacts(result.markdown) == []
    assert "Resources not computed (--no-synth)" in result.markdown.split("\n\n", 2)[1]
    rows = [line for line in result.markdown.splitlines() if line.startswith("| `")]
    assert len(rows) == 2
    assert all(row.endswith("| not computed (--no-synth) |") for row in rows)
    assert "none |" not in result.markdown
    assert "> - resources not computed (--no-synth)" in result.markdown  # the orphan


def test_the_check_finds_what_github_would_show_raw() -> None:
    # The packet as it was before: backticks in <summary>, and each kind of artefact.
    assert artefacts("<details><summary>Identity card of `agent-x`</summary>\n\n- a\n\n"
                     "</details>\n") == ["backtick in <summary>: 'Identity card of `agent-x`'",
                                         "backtick: 'Identity card of `agent-x`'"]
    assert artefacts("a **b\n") == ["unrendered emphasis: 'a **b'"]
    assert artefacts("<details><summary>[x](y) \\_z</summary>\n\n</details>\n") == [
        "unrendered link: '[x](y) \\\\_z'", "backslash escape shown: '[x](y) \\\\_z'"]
    assert artefacts("<div>\n# title\n</div>\n") == ["block syntax as text: '# title'"]
    assert artefacts("- `a` **b** [c](https://example.com) \\_\n") == []


def test_summary_filters_escape_html_and_mentions() -> None:
    assert html_code("a<b>&`c`") == "<code>a&lt;b&gt;&amp;`c`</code>"
    assert html_text("</summary> @acme") == "&lt;/summary&gt; @\u2060acme"
    assert md_spans("run `agentid validate` on *it*") == \
        "run `agentid validate` on \\*it\\*"
    # An unpaired backtick makes nothing code; it is escaped like any special.
    assert md_spans("a ` b") == "a \\` b"
    # A code span from the record stays inert.
    assert md_spans("x `</details>` y") == "x `</details>` y"


@pytest.mark.parametrize(("base", "head"), [
    (KEYED, KEYED + LOCK),  # lock: banner, effects
    (KEYED + LOCK, KEYED),  # unlock: a failed gate, what comes back
    (KEYED + LOCK, KEYED + LOCK + ROTATE),  # still locked, a rotate request
], ids=["lock", "unlock", "locked-rotate"])
def test_lock_unlock_and_rotate_packets_render_without_raw_markdown(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str, head: str) -> None:
    result = _fresh(tmp_path, capsys, base, head)
    assert artefacts(result.markdown) == []
