"""The README stays a start and the pages under docs/ hold together.

- README.md is under 10 KiB; what it used to hold lives in docs/.
- Every relative link in README.md and docs/*.md names a file of the repository
  (never a path outside it) and, for a heading anchor, a heading of that page
  (GitHub's anchor spelling).
- docs/rules.md is what ``python -m tools.rulesdoc`` generates from the rule pack.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tools.rulesdoc import PAGE, rules_page

from .conftest import ROOT

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def prose(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings (repeats get -1, -2, ...)."""
    seen: Counter[str] = Counter()
    found = set()
    for line in prose(page.read_text()):
        heading = re.match(r"#{1,6} (.*)", line)
        if not heading:
            continue
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1)).strip().lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        found.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return found


def relative_links(page: Path) -> list[str]:
    text = "\n".join(re.sub(r"`[^`]*`", "", line) for line in prose(page.read_text()))
    return [link for link in LINK.findall(text)
            if not re.match(r"[a-z][a-z0-9+.-]*:", link)]  # https:, mailto:, ...


def test_the_readme_is_a_start_not_a_reference() -> None:
    assert len(README.read_bytes()) < 10_240, "README.md is 10 KiB or more: move detail to docs/"


def test_the_anchor_spelling_is_githubs(tmp_path: Path) -> None:
    # GIVEN headings as this repository writes them, one repeated, one inside a fence
    page = tmp_path / "page.md"
    page.write_text("# Title\n## 6.8 Lock, the fast stop (planned, #17)\n"
                    "## Synth at 1,000 agents: ~3.5x, not 1.5x; one stack ~1.1-1.3x\n"
                    "## `agentid` [review](review.md) — AWS\n## Same\n## Same\n"
                    "```markdown\n## fenced\n```\n")
    # THEN the anchors are the ones GitHub gives them
    assert anchors(page) == {"title", "68-lock-the-fast-stop-planned-17",
                             "synth-at-1000-agents-35x-not-15x-one-stack-11-13x",
                             "agentid-review--aws", "same", "same-1"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_inside_the_repository(page: Path) -> None:
    broken = []
    for link in relative_links(page):
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.is_relative_to(ROOT) or not target.exists():
            broken.append(f"{link}: no such file in the repository")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            broken.append(f"{link}: no heading with anchor #{anchor} in {target.name}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_rules_page_is_the_one_the_rule_pack_generates() -> None:
    assert PAGE == ROOT / "docs" / "rules.md"
    assert PAGE.read_text() == rules_page(), (
        "docs/rules.md is stale: regenerate it with `make docs` "
        "(python -m tools.rulesdoc --write)")


def test_the_rules_page_names_every_rule_with_its_reason() -> None:
    from cdk.checks import RULES

    text = rules_page()
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.why.replace('|', chr(92) + '|')} |" in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_page_cites_design_files_outside_the_repository(page: Path) -> None:
    # docs/architecture.md is the contract; decisions.md refines it by section.
    text = page.read_text()
    for outside in ("../shared", "SECURITY.md", "DESIGN.md", "STYLE.md"):
        assert outside not in text, f"{page.relative_to(ROOT)} cites {outside}"
