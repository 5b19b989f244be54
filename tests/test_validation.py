"""One validation pipeline: schema -> rules -> locations, the same for every caller.

GIVEN a file that breaks the schema or a rule, WHEN ``agentid validate``, the
pipeline's ``validate`` and ``check``, and review's reading of a side judge it,
THEN they report the same located findings; the loader alone runs no rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk.cli import main
from cdk.errors import InputError
from cdk.loader import read, validate_schema
from cdk.review.inputs import read_side
from cdk.validation import check, load, validate

from .conftest import TODAY, TODAY_ARG
from .records import BASE, variant, write

# Two rule findings (an expiry passed, a team outside the organization) and no
# schema problem.
RULES_BROKEN = variant("expires: 2027-02-15", "expires: 2026-01-01",
                       base=variant('rotation_owner: "@acme/platform-oncall"',
                                    'rotation_owner: "@other/oncall"'))
SCHEMA_BROKEN = variant("name: release-bot", "name: Release-Bot")


def test_the_loader_only_loads(tmp_path: Path) -> None:
    document = read(write(tmp_path, RULES_BROKEN))
    identities = validate_schema(document)  # no rule runs: no error
    assert identities.agents[0].rotation_owner == "@other/oncall"


@pytest.mark.parametrize("text", [RULES_BROKEN, SCHEMA_BROKEN], ids=["rules", "schema"])
def test_every_caller_reports_the_same_located_findings(
        text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, text)
    with pytest.raises(InputError) as raised:
        load(source, TODAY)
    rendered = [f.render() for f in raised.value.findings]
    assert rendered and all(line.startswith(f"{source}:") for line in rendered)

    with pytest.raises(InputError) as again:
        validate(read(source), TODAY)
    assert [f.render() for f in again.value.findings] == rendered

    checked = check(read(source), TODAY)
    assert sorted(f.render() for f in checked.findings) == sorted(rendered)
    assert (checked.identities is None) == (text is SCHEMA_BROKEN)

    side = read_side(source, TODAY)
    assert [f.render() for f in side.findings] == [f.render() for f in checked.findings]

    assert main(["validate", "-f", str(source), "--today", TODAY_ARG]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[:len(rendered)] == rendered


def test_rule_findings_keep_the_rule_pack_order_in_check(tmp_path: Path) -> None:
    checked = check(read(write(tmp_path, RULES_BROKEN)), TODAY)
    assert [f.id for f in checked.findings] == ["AgentId-TeamOutsideOwner",
                                                "AgentId-ExpiryPassed"]
    assert all(f.location is not None for f in checked.findings)


def test_a_valid_file_passes_every_caller(tmp_path: Path) -> None:
    source = write(tmp_path, BASE)
    assert load(source, TODAY).identities.agents[0].name == "release-bot"
    assert check(read(source), TODAY).findings == ()
    assert read_side(source, TODAY).identities is not None
