"""Property: random mutations of a valid file never widen anything unreviewed.

GIVEN a valid file (an AWS agent with deploy keys and an escalation, an agent
whose only AWS use is deploy-key storage, a tombstone), WHEN hypothesis applies
random mutations (approvers, sessions, lifetimes, rotation, backend, runs_on,
pins, scope, deploy keys, expiry, descriptions, tombstones) and review compares
the plans, THEN every mutation that widens a security-relevant attribute fails
review, and a passing mutation that changes any stack's content is a narrowing
the packet names (or a difference a rule calls harmless, or an expiry the
expiry gate judged). A few mutations are also checked on synthesized stacks.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cdk.cli import main
from cdk.model import IdentitiesFile
from cdk.review.build import build_packet
from cdk.review.changes import compare, mask_expiry
from cdk.review.diff import expand
from cdk.review.packet import Packet, Side, contents
from cdk.review.plans import agent_documents
from cdk.review.trust import trust_grants
from cdk.review.verdicts import EXPIRY, HARMLESS, NARROWING
from cdk.yamlsafe import parse

from ..conftest import EXAMPLE, TODAY, TODAY_ARG
from ..records import DEPLOY_KEYS

Data = dict[str, Any]


def _load(text: str) -> IdentitiesFile:
    from cdk.loader import validate_schema

    return validate_schema(parse("base.yaml", text))


BASE_FILE = _load(DEPLOY_KEYS)
BASE_DATA: Data = BASE_FILE.model_dump(mode="json", by_alias=True, exclude_none=True)
# The example adds Google Cloud and Azure agents (deploy keys in Secret Manager and Key
# Vault) to the AWS ones.
EXAMPLE_FILE = _load(EXAMPLE.read_text())
BASES = {"deploy-keys": BASE_FILE, "example": EXAMPLE_FILE}


def _agent(data: Data, index: int) -> Data:
    live = [a for a in data["agents"] if "revoked" not in a] or data["agents"]
    agent: Data = live[index % len(live)]
    return agent


Mutation = Callable[[Data, Any], None]


def _approvers(data: Data, value: Any) -> None:
    index, approvers = value
    _agent(data, index)["approvers"] = approvers


def _policy(field: str) -> Mutation:
    def mutate(data: Data, value: Any) -> None:
        data["defaults"].setdefault("policy", {})[field] = value
    return mutate


def _backend(data: Data, value: Any) -> None:
    data["defaults"]["backend"] = value


def _add_run(data: Data, value: Any) -> None:
    index, repo_id = value
    _agent(data, index)["runs_on"].append({"repo": "acme/web", "repo_id": repo_id})


def _drop_run(data: Data, value: Any) -> None:
    runs = _agent(data, value)["runs_on"]
    if len(runs) > 1:
        runs.pop()
    else:
        runs[0]["environment"] = "agent-elsewhere"


def _pin(data: Data, value: Any) -> None:
    index, pinned = value
    run = _agent(data, index)["runs_on"][0]
    if pinned:
        run.update(workflow=".github/workflows/release.yml", ref="refs/heads/main")
    else:
        run.pop("workflow", None)
        run.pop("ref", None)


def _scope(data: Data, value: Any) -> None:
    index, level, arn = value
    agent = _agent(data, index)
    access = agent.setdefault("aws", {}).setdefault("access", {})
    if arn is None:
        access.pop(level, None)
    else:
        access[level] = [arn]


def _never(data: Data, value: Any) -> None:
    index, entries = value
    _agent(data, index)["must_never_hold"] = entries


def _keys(data: Data, value: Any) -> None:
    index, keys = value
    _agent(data, index).setdefault("github", {})["deploy_keys"] = keys


def _expires(data: Data, value: Any) -> None:
    index, expires = value
    _agent(data, index)["expires"] = expires


def _description(data: Data, value: Any) -> None:
    index, text = value
    _agent(data, index)["description"] = text


def _revoke(data: Data, value: Any) -> None:
    if value == "revoke":
        _agent(data, 0)["revoked"] = {"on": "2026-11-28", "by": "@acme/platform",
                                      "reason": "Retired in the mutation test"}
    else:
        for agent in data["agents"]:
            agent.pop("revoked", None)


ARNS = st.sampled_from([None, "arn:aws:s3:::acme-artifacts/releases/*",
                        "arn:aws:s3:::acme-artifacts/*", "arn:aws:s3:::other-bucket/*"])
KEYS = st.lists(st.fixed_dictionaries({
    "repo": st.sampled_from(["acme/api", "acme/docs", "acme/docs-mirror", "acme/web"]),
    "access": st.sampled_from(["read", "write"]),
    "rotation_days": st.integers(1, 90)}), max_size=3, unique_by=lambda k: k["repo"])
WHICH = st.integers(0, 3)
MUTATIONS: list[tuple[Mutation, st.SearchStrategy[Any]]] = [
    (_approvers, st.tuples(WHICH, st.lists(st.sampled_from(
        ["@acme/release-managers", "@acme/docs-maintainers", "@acme/sre", "@alice",
         "@acme/platform"]), min_size=1, max_size=3, unique=True))),
    (_policy("max_session_minutes"), st.integers(15, 720)),
    (_policy("max_lifetime_days"), st.integers(60, 365)),
    (_policy("deploy_key_rotation_days"), st.integers(1, 90)),
    (_backend, st.sampled_from([{"local": {}}, {"local": {"dir": "elsewhere"}},
                                {"s3": {"bucket": "acme-state", "region": "eu-west-1"}}])),
    (_add_run, st.tuples(WHICH, st.sampled_from([654321, 777777]))),
    (_drop_run, WHICH),
    (_pin, st.tuples(WHICH, st.booleans())),
    (_scope, st.tuples(WHICH, st.sampled_from(["read", "write", "list"]), ARNS)),
    (_never, st.tuples(WHICH, st.sampled_from([[], ["s3:DeleteObject"], ["s3:PutObject"]]))),
    (_keys, st.tuples(WHICH, KEYS)),
    (_expires, st.tuples(WHICH, st.sampled_from(["2026-12-20", "2027-01-15", "2027-02-20"]))),
    (_description, st.tuples(WHICH, st.sampled_from(["Another description entirely",
                                                     "Tags releases"]))),
    (_revoke, st.sampled_from(["revoke", "restore"])),
]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[IdentitiesFile, list[str], IdentitiesFile]:
    base = BASES[draw(st.sampled_from(sorted(BASES)))]
    data = copy.deepcopy(base.model_dump(mode="json", by_alias=True, exclude_none=True))
    names = []
    for index in draw(st.lists(st.integers(0, len(MUTATIONS) - 1), min_size=1, max_size=3)):
        mutate, values = MUTATIONS[index]
        mutate(data, draw(values))
        names.append(mutate.__name__)
    try:
        head = IdentitiesFile.model_validate(data)
    except ValidationError:
        assume(False)
        raise AssertionError("unreachable") from None
    return base, names, head


_BASE_CONTENTS: dict[int, Any] = {}


def _base_contents(base: IdentitiesFile) -> Any:
    """The content of one of BASES (module constants, frozen, and ``mutated`` works on a
    dump of them), computed once rather than once per example."""
    assert any(base is b for b in BASES.values())
    if id(base) not in _BASE_CONTENTS:
        _BASE_CONTENTS[id(base)] = contents(Side("b", base))
    return _BASE_CONTENTS[id(base)]


def _review(base: IdentitiesFile, head: IdentitiesFile) -> Packet:
    from cdk.checks import run_checks

    # Mutations that break a check are invalid heads; review refuses those anyway.
    assume(not [f for f in run_checks(head, TODAY)
                if f.id != "AgentId-ExpiryBeyondPolicy"])
    return build_packet(Side("base", base), Side("head", head), TODAY)


def _widened(base: IdentitiesFile, head: IdentitiesFile) -> list[str]:
    """An oracle independent of the gate: what a reviewer would call a widening."""
    found = []
    before, after = base.defaults, head.defaults
    if before.backend != after.backend:
        found.append("backend")
    for field in ("max_session_minutes", "max_lifetime_days", "deploy_key_rotation_days"):
        if getattr(after.policy, field) > getattr(before.policy, field):
            found.append(field)
    base_agents = {a.name: a for a in base.agents}
    for agent in head.agents:
        old = base_agents[agent.name]
        if agent.revoked is not None:
            continue
        if old.revoked is not None:
            found.append(f"{agent.name} restored")
            continue
        if set(agent.approvers) != set(old.approvers):
            found.append(f"{agent.name} approvers")
        # A renewal is the expiry gate's to judge (against the base's limit), not a grant.
        new_docs = mask_expiry(agent_documents(agent, head), agent.expires)
        old_docs = mask_expiry(agent_documents(old, base), old.expires)
        new_subjects = {s for s, _ in trust_grants(new_docs.get("trust", {}))[0]}
        old_subjects = {s for s, _ in trust_grants(old_docs.get("trust", {}))[0]}
        if new_subjects - old_subjects:
            found.append(f"{agent.name} trust")
        old_pins = {(r.repo, r.environment): r.workflow for r in old.runs_on}
        if any(old_pins.get((r.repo, r.environment)) and not r.workflow for r in agent.runs_on):
            found.append(f"{agent.name} pin dropped")
        allows = {r for name in new_docs if name != "trust" for r in expand(new_docs[name])
                  if r[0] == "Allow"}
        old_allows = {r for name in old_docs if name != "trust" for r in expand(old_docs[name])
                      if r[0] == "Allow"}
        if allows - old_allows:
            found.append(f"{agent.name} allows")
        old_keys = {k.repo: k.access for k in old.github.deploy_keys}
        for key in agent.github.deploy_keys:
            if old_keys.get(key.repo) in (None, "read") and key.access == "write" or \
                    key.repo not in old_keys:
                found.append(f"{agent.name} key {key.repo}")
    return found


Case = tuple[IdentitiesFile, list[str], IdentitiesFile]


# The property at the `test` profile's 40 examples (2,000 under `make fuzz`) takes about a
# second: it is `slow`, in the expensive tier `make test` runs. The fast loop judges a
# smaller seeded sample of the same mutations by the same oracle, below.
@pytest.mark.slow
@given(mutated())
def test_a_mutation_that_widens_fails_and_a_passing_one_is_a_named_narrowing(
        case: Case) -> None:
    _judge(case)


@settings(max_examples=10)
@given(mutated())
def test_a_few_mutations_judged_as_the_property_judges_them(case: Case) -> None:
    _judge(case)


def _judge(case: Case) -> None:
    """A mutation that widens fails review; a passing one is a named narrowing."""
    base, names, head = case
    packet = _review(base, head)
    widened = _widened(base, head)
    if widened:
        event("widened: refused")
        assert not packet.ok, f"{names}: {widened} passed review"
        return
    if not packet.ok:
        event("refused without a certain widening")
        return  # refusing is always safe; the oracle only lists certain widenings
    event("passed")
    # A passing packet: every difference in every stack is a named narrowing, harmless
    # by a rule, or an expiry the expiry gate judged.
    base_content, head_content = _base_contents(base), contents(Side("h", head))
    base_agents = {a.name: a for a in base.agents}
    named = {(c.stack, c.address, c.attribute) for a in packet.agents for c in a.content}
    for stack in sorted(set(base_content) | set(head_content)):
        agent = base_agents.get(stack)
        head_agent = next((a for a in head.agents if a.name == stack), None)
        expires = (agent.expires, head_agent.expires) if agent and head_agent else (None, None)
        for change in compare(stack, base_content.get(stack, {}), head_content.get(stack, {}),
                              expires):
            assert change.kind in (NARROWING, HARMLESS, EXPIRY), (names, change)
            if change.kind == NARROWING and head_agent is not None \
                    and head_agent.revoked is None:
                assert (change.stack, change.address, change.attribute) in named, change
    assert all(not a.unclassified for a in packet.agents)


# --------------------------------------------------------------------------- synthesized

SYNTH_CASES = {
    # (mutation, expected exit): the same verdict on synthesized stacks as on plans
    "session-longer": (lambda d: _policy("max_session_minutes")(d, 120), 1),
    "key-write": (lambda d: _keys(d, (1, [{"repo": "acme/docs-mirror", "access": "write"}])), 1),
    "scope-narrowed": (lambda d: _scope(d, (0, "read", None)), 0),
}


@pytest.mark.synth
@pytest.mark.parametrize("case", sorted(SYNTH_CASES))
def test_synthesized_review_agrees_with_the_plans(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutate, expected = SYNTH_CASES[case]
    data = copy.deepcopy(BASE_DATA)
    mutate(data)
    head = IdentitiesFile.model_validate(data)
    (tmp_path / "base.yaml").write_text(DEPLOY_KEYS)
    (tmp_path / "identities.yaml").write_text(json.dumps(
        head.model_dump(mode="json", by_alias=True, exclude_none=True)))
    verdicts = []
    for extra in ([], ["--no-synth"]):
        capsys.readouterr()
        code = main(["review", "--base-file", str(tmp_path / "base.yaml"), "-f",
                     str(tmp_path / "identities.yaml"), "--today", TODAY_ARG, "--format",
                     "json", *extra])
        packet = json.loads(capsys.readouterr().out)
        verdicts.append((code, sorted({g["id"] for g in packet["gates"]})))
        assert code == expected, packet["gates"]
    assert verdicts[0] == verdicts[1]
