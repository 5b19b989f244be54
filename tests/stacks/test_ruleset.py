"""The foundation manages the identities repository's ruleset: GitHub enforces the review.

GIVEN ``defaults.github.identities`` names the repository and its security team,
WHEN the file is synthesized, THEN the foundation's ``cdk.tf.json`` holds a ruleset
on the default branch that needs the security team's approval and code owners,
dismisses stale approvals, requires the review check, and has no bypass actors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cdk.github.ruleset_plan import plan_ruleset
from cdk.loader import validate_schema
from cdk.yamlsafe import parse

from ..conftest import Synthesized
from ..records import BASE, variant

ENFORCED = variant("  github: {owner: acme, owner_id: 1342004}\n",
                   "  github:\n    owner: acme\n    owner_id: 1342004\n"
                   "    identities: {repo: acme/identities, security_team: \"@acme/security\"}\n")


@pytest.fixture(scope="module")
def synthesized(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    """tests/fixtures/identities-ruleset.yaml: the identities repository and its security
    team named as in ENFORCED (its synthesis is shared with the gates and goldens)."""
    return synthesized_fixtures("identities-ruleset")


def _ruleset(out: Synthesized) -> dict[str, Any]:
    rulesets = out.resources("foundation", "github_repository_ruleset")
    assert len(rulesets) == 1
    return rulesets[0]


def test_the_ruleset_requires_the_security_teams_approval_and_no_one_bypasses_it(
        synthesized: Synthesized) -> None:
    ruleset = _ruleset(synthesized)
    assert ruleset["repository"] == "identities"
    assert ruleset["target"] == "branch" and ruleset["enforcement"] == "active"
    assert ruleset["conditions"]["ref_name"]["include"] == ["~DEFAULT_BRANCH"]
    assert ruleset.get("bypass_actors", []) == []
    pull_request = ruleset["rules"]["pull_request"]
    assert pull_request["required_approving_review_count"] >= 1
    assert pull_request["require_code_owner_review"] is True
    assert pull_request["dismiss_stale_reviews_on_push"] is True
    assert pull_request["require_last_push_approval"] is True
    [reviewer] = pull_request["required_reviewers"]
    assert reviewer["minimum_approvals"] >= 1 and reviewer["file_patterns"] == ["*"]
    assert reviewer["reviewer"]["type"] == "Team"
    team = synthesized.stack("foundation")["data"]["github_team"]
    [(name, lookup)] = team.items()
    assert lookup["slug"] == "security"
    assert reviewer["reviewer"]["id"] == f"${{data.github_team.{name}.id}}"
    checks = ruleset["rules"]["required_status_checks"]
    assert checks["required_check"] == [{"context": "validate, synth, review"}]
    assert checks["strict_required_status_checks_policy"] is True
    assert synthesized.stack("foundation")["provider"]["github"] == [{"owner": "acme"}]


def test_without_a_named_repository_there_is_no_ruleset(tmp_path: Path) -> None:
    identities = validate_schema(parse("x.yaml", BASE))
    assert plan_ruleset(identities) is None
    plan = plan_ruleset(validate_schema(parse("x.yaml", ENFORCED)))
    assert plan is not None and plan.bypass_actors == () and plan.team_slug == "security"


def test_a_security_team_must_be_a_team(tmp_path: Path) -> None:
    from cdk.errors import InputError

    with pytest.raises(InputError):
        validate_schema(parse("x.yaml", variant('security_team: "@acme/security"',
                                                'security_team: "@alice"', base=ENFORCED)))
