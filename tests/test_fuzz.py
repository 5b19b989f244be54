"""Property-based tests: random files validate or give findings, never a traceback.

GIVEN records drawn from a mix of valid and hostile values (and raw bytes), WHEN
`agentid validate` reads them, THEN it exits 0 or 1 and nothing escapes; every
record that validates plans a trust policy that holds the invariants of docs/architecture.md §6.1,
and (a bounded number per run) synthesizes into stacks that hold them too.

`make test` runs the seeded `test` profile (derandomized, fixed example counts);
`make fuzz` (AGENTID_FUZZ=1) runs the `fuzz` profile: many more, random, examples.
"""

from __future__ import annotations

import io
import json
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from cdk import model
from cdk.aws.plan import plan_role
from cdk.cli import main
from cdk.errors import InputError
from cdk.names import boundary_policy_name, kms_alias, principal, role_name, secret_name
from cdk.validation import load

from .conftest import FUZZ, TODAY, TODAY_ARG, synthesize
from .invariants import assert_tags_are_valid, assert_trust_invariants
from .records import BASE

pytestmark = pytest.mark.fuzz

SYNTH_EXAMPLES = 25 if FUZZ else 3

# --------------------------------------------------------------------------- strategies

hostile_text = st.text(max_size=40) | st.sampled_from([
    "", " ", "*", "?", "acme/*", "a\nb", "a\x00b", "\u202eevil", "\u0430cme", "@acme/*",
    "repo:acme/*", "x" * 300, "-", "agent-", "1", "true", "null", "@alice", "@other/team",
    "evil/api", "2020-01-01", "2099-12-31",
])
hostile = hostile_text | st.integers() | st.none() | st.lists(hostile_text, max_size=2) | \
    st.dictionaries(hostile_text, hostile_text, max_size=2)
names = st.from_regex(model.NAME_RE, fullmatch=True)
repo_names = st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True)
repos = repo_names.map(lambda name: f"acme/{name}")
teams = st.sampled_from(["@acme/platform", "@acme/release-managers", "@acme/ops",
                         "@acme/security"])
approvers = teams | st.sampled_from(["@alice", "@octocat"])
dates = st.dates(min_value=TODAY + timedelta(days=1), max_value=TODAY + timedelta(days=90))
repo_ids = st.integers(min_value=1, max_value=2**53 - 1)
environments = st.none() | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}", fullmatch=True)
pins = st.sampled_from([
    {}, {"workflow": ".github/workflows/release.yml", "ref": "refs/heads/main"},
    {"workflow": ".github/workflows/deploy.yaml", "ref": "refs/tags/v1.2.3"},
])
descriptions = st.from_regex(r"[A-Za-z0-9 .,()'-]{1,80}", fullmatch=True)


@st.composite
def runs(draw: st.DrawFn) -> dict[str, Any]:
    entry: dict[str, Any] = {"repo": draw(repos), "repo_id": draw(repo_ids)}
    environment = draw(environments)
    if environment is not None:
        entry["environment"] = environment
    entry.update(draw(pins))
    return entry


@st.composite
def agents(draw: st.DrawFn, valid: bool = False) -> dict[str, Any]:
    """A record of valid values; unless ``valid``, often with one part made hostile."""
    record: dict[str, Any] = {
        "name": draw(names),
        "description": draw(descriptions),
        "owner": draw(teams),
        "rotation_owner": draw(teams),
        "approvers": draw(st.lists(approvers, min_size=1, max_size=3, unique=True)),
        "expires": draw(dates).isoformat(),
        "runs_on": draw(st.lists(runs(), min_size=1, max_size=4)),
        "aws": {"access": {"read": ["arn:aws:s3:::acme-artifacts/*"]}},
    }
    if valid:
        return record
    change = draw(st.sampled_from(["none", "value", "run", "drop", "add"]))
    key = draw(st.sampled_from(sorted(record)))
    if change == "value":
        record[key] = draw(hostile)
    elif change == "run":
        run = draw(st.sampled_from(record["runs_on"]))
        run[draw(st.sampled_from(["repo", "repo_id", "environment", "workflow", "ref"]))] = \
            draw(hostile)
    elif change == "drop":
        record.pop(key)
    elif change == "add":
        record[key + "_extra"] = draw(hostile)
    return record


def identities(agent_list: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "version": 1,
        "defaults": {"github": {"owner": "acme", "owner_id": 1342004},
                     "aws": {"account_id": "123456789012", "region": "eu-west-1"}},
        "agents": agent_list,
    }


def run_cli(source: Path) -> int:
    """`agentid validate` in-process; any exception escaping it fails the property."""
    sink = io.StringIO()
    with redirect_stdout(sink), redirect_stderr(sink):
        code = main(["validate", "-f", str(source), "--today", TODAY_ARG])
    assert "Traceback" not in sink.getvalue()
    return code


def check_validated(source: Path) -> None:
    loaded = load(source, TODAY)
    aws = loaded.identities.defaults.aws
    for agent in loaded.identities.agents:
        if agent.aws is not None and aws is not None:
            role = plan_role(agent, loaded.identities)
            assert_trust_invariants(role.trust_policy, agent, aws,
                                    loaded.identities.defaults.github)
            assert_tags_are_valid(role.tags)
            assert len(role.description) <= 1000


# --------------------------------------------------------------------------- properties

@given(st.binary(max_size=2000))
def test_any_bytes_exit_zero_or_one(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "identities.yaml"
        source.write_bytes(data)
        assert run_cli(source) in (0, 1)


@given(st.integers(min_value=0, max_value=len(BASE)), st.text(max_size=30))
def test_base_file_with_text_spliced_in_exits_zero_or_one(at: int, noise: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "identities.yaml"
        source.write_text(BASE[:at] + noise + BASE[at:], encoding="utf-8", errors="replace")
        code = run_cli(source)
        event(f"exit {code}")
        if code == 0:
            check_validated(source)


@given(st.lists(agents(), min_size=0, max_size=4))
def test_random_records_validate_or_give_findings(agent_list: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "identities.yaml"
        # JSON is YAML: the dump needs no emitter of our own.
        source.write_text(json.dumps(identities(agent_list)))
        code = run_cli(source)
        event(f"exit {code}")
        if code == 0:
            check_validated(source)


@given(names, st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?", fullmatch=True),
       st.from_regex(r"[A-Za-z0-9._-]{1,100}", fullmatch=True))
def test_every_derived_name_fits_every_cloud(name: str, owner: str, repo: str) -> None:
    # GCP service account ids are 6-30 characters: agent- + 24 = 30.
    assert 6 <= len(principal(name)) <= 30
    assert len(role_name(name)) <= 64 and len(boundary_policy_name(name)) <= 128
    assert len(kms_alias(name)) <= 256 and not kms_alias(name).startswith("alias/aws")
    assert len(secret_name(name, f"{owner}/{repo}")) <= 512
    assert_tags_are_valid({"agent": name, "owner": f"@{owner}/{repo.lower()}"})


@pytest.mark.synth
@settings(max_examples=SYNTH_EXAMPLES, suppress_health_check=list(HealthCheck))
@given(st.lists(agents(valid=True), min_size=1, max_size=4, unique_by=lambda a: a["name"]))
def test_records_that_validate_synthesize_and_keep_the_invariants(
    agent_list: list[dict[str, Any]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "identities.yaml"
        source.write_text(json.dumps(identities(agent_list)))
        try:
            loaded = load(source, TODAY)
        except InputError:
            assume(False)  # shared environments and the like: covered above
            return
        out = synthesize(source, Path(folder) / "cdktf.out")
        aws = loaded.identities.defaults.aws
        assert aws is not None
        for agent in loaded.identities.agents:
            roles = out.resources(agent.name, "aws_iam_role")
            assert len(roles) == 1
            assert_trust_invariants(json.loads(roles[0]["assume_role_policy"]), agent, aws,
                                    loaded.identities.defaults.github)
            assert roles[0]["tags"]["agent"] == agent.name
