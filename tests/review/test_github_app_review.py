"""`agentid review` of the agent's GitHub App (issue #19).

An App declared on an agent that had none, a new permission, a higher level
(read -> write), a new repository, an App id or an installation set or changed are
broadenings: each fails the gate without a new escalation and passes with one.
Removals and lowerings narrow and pass. Anything the rules do not recognise in the
App's plan or its installation is unclassified (it needs an escalation too). The card
lists the App's permissions and repositories, and says when the App is not created
or not installed yet.

The ``--no-synth`` reviews compare ``plan.github_app`` (permissions, sorted
repositories, app_id, installation_id: cdk/github/app_plan.py); with synthesis, the
installation's ``github_app_installation_repositories``, the key's secret and the
environment variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cdk.loader import validate_schema
from cdk.review.card import identity_card
from cdk.review.changes import LOCKING, UNLOCKING, classify, compare
from cdk.review.content import explain_rules
from cdk.review.plans import planned_content
from cdk.review.render import md_text, render_card
from cdk.review.verdicts import (
    BROADENING,
    HARMLESS,
    MISSING,
    NARROWING,
    UNCLASSIFIED,
    stored_secrets,
)
from cdk.yamlsafe import parse

from ..conftest import TODAY
from ..records import BASE, variant
from .helpers import LOCK, escalate, failed, passed, review

BROADENING_GATE = "AgentId-Review-UnapprovedBroadening"
NO_SYNTH = "--no-synth"


# ----------------------------------------------------------------- records and plan

def app(permissions: str = "{contents: read}", *extra: str) -> str:
    """The base record's ``github.app`` block (``extra``: more keys, one a line)."""
    lines = "".join(f"        {line}\n" for line in extra)
    return f"    github:\n      app:\n        permissions: {permissions}\n{lines}"


READ = BASE + app()
CREATED = BASE + app("{contents: read}", "app_id: 101")
INSTALLED = BASE + app("{contents: read}", "app_id: 101", "installation_id: 202")


def test_the_plan_carries_the_app_in_the_shape_the_rules_read() -> None:
    # plan.github_app (cdk/github/app_plan.py): the fields the review's rules judge
    identities = validate_schema(parse("identities.yaml", variant("permissions: {contents: read}",
                                   "permissions: {pull_requests: write, contents: read}\n"
                                   "        repositories: [acme/web, acme/api]",
                                   base=INSTALLED)))
    plan = planned_content(identities.agents[0], identities)["plan.github_app"]
    assert {k: plan[k] for k in ("permissions", "repositories", "app_id",
                                 "installation_id")} == {
        "permissions": {"contents": "read", "pull_requests": "write"},
        "repositories": ("acme/api", "acme/web"), "app_id": 101, "installation_id": 202}
    assert set(plan) - {"permissions", "repositories", "app_id", "installation_id"} <= {
        "secret_name", "store_key"}  # constant for an agent: a change is unclassified


# Each kind of broadening: (base, head, what the record's diff and the gate name, the
# plan's note).
BROADENINGS: dict[str, tuple[str, str, str, str]] = {
    "new App": (BASE, READ, "new GitHub App: contents: read on acme/api",
                "new GitHub App: contents: read on acme/api"),
    "new permission": (READ, BASE + app("{contents: read, pull_requests: write}"),
                       "GitHub App: new permission pull_requests: write",
                       "GitHub App permissions: pull_requests: write"),
    "higher level": (READ, BASE + app("{contents: write}"), "GitHub App: contents: read -> write",
                     "GitHub App permissions: contents: write (was read)"),
    "new repository": (INSTALLED, BASE + app("{contents: read}", "app_id: 101",
                                             "installation_id: 202",
                                             "repositories: [acme/api, acme/web]"),
                       "GitHub App: new repository acme/web",
                       "GitHub App repositories: new acme/web"),
    "App id set": (READ, CREATED, "GitHub App: App id set: 101", "GitHub App id set: 101"),
    "installation added": (CREATED, INSTALLED, "GitHub App: installation set: 202",
                           "GitHub App installation set: 202"),
    "installation changed": (INSTALLED, variant("installation_id: 202", "installation_id: 303",
                                                base=INSTALLED),
                             "GitHub App: installation changed: 202 -> 303",
                             "GitHub App installation changed: 202 -> 303"),
}

NARROWINGS: dict[str, tuple[str, str, str]] = {
    "App removed": (INSTALLED, BASE, "GitHub App removed (contents: read on acme/api)"),
    "permission removed": (BASE + app("{contents: read, pull_requests: write}"), READ,
                           "GitHub App: permission pull_requests: write removed"),
    "lower level": (BASE + app("{contents: write}"), READ, "GitHub App: contents: write -> read"),
    "repository removed": (BASE + app("{contents: read}", "app_id: 101", "installation_id: 202",
                                      "repositories: [acme/api, acme/web]"),
                           INSTALLED, "GitHub App: repository acme/web removed"),
    "installation removed": (INSTALLED, CREATED, "GitHub App: installation 202 removed"),
}


# ------------------------------------------------------------------------ --no-synth

@pytest.mark.parametrize("kind", sorted(BROADENINGS))
def test_each_app_broadening_fails_without_an_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    base, head, named, note = BROADENINGS[kind]
    result = review(tmp_path, base, head, capsys, NO_SYNTH)
    assert named in failed(result, BROADENING_GATE)["message"]
    agent = result.agent("release-bot")
    assert agent["broadened"] is True
    assert agent["github_app"]["broadened"] == [named]
    assert f"- {md_text(named)}\n" in result.markdown
    # the plans say so too, on their own (plan.github_app)
    notes = {c["address"]: c["note"] for c in agent["content"] if c["kind"] == "broadening"}
    assert note in notes["plan.github_app"], notes


@pytest.mark.parametrize("kind", sorted(BROADENINGS))
def test_each_app_broadening_passes_with_a_new_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    base, head, named, _ = BROADENINGS[kind]
    result = review(tmp_path, base, escalate(head), capsys, NO_SYNTH)
    passed(result)
    assert result.agent("release-bot")["github_app"]["broadened"] == [named]


@pytest.mark.parametrize("kind", sorted(NARROWINGS))
def test_each_app_narrowing_passes_without_an_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    base, head, named = NARROWINGS[kind]
    result = review(tmp_path, base, head, capsys, NO_SYNTH)
    passed(result)
    agent = result.agent("release-bot")
    assert agent["broadened"] is False
    assert agent["narrowed"] is True
    assert agent["github_app"]["narrowed"] == [named]
    assert f"- {md_text(named)}\n" in result.markdown
    assert "| `release-bot` | changed | narrowed |" in result.markdown
    assert {c["kind"] for c in agent["content"]} <= {"narrowing"}


def test_an_app_unchanged_needs_nothing(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, INSTALLED, touched(INSTALLED), capsys, NO_SYNTH)
    passed(result)
    agent = result.agent("release-bot")
    assert agent["content"] == [] and agent["github_app"] == {"broadened": [],
                                                              "narrowed": []}


def touched(text: str) -> str:
    """``text`` with the agent's description changed: the agent is in the packet, and
    nothing it may do changes."""
    return variant("Tags releases and uploads build artifacts",
                   "Tags releases, uploads build artifacts", base=text)


def test_a_broadening_beside_a_narrowing_still_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # contents lowered to read, issues added: the new permission is not offset
    result = review(tmp_path, BASE + app("{contents: write}"),
                    BASE + app("{contents: read, issues: write}"), capsys, NO_SYNTH)
    assert "issues: write" in failed(result, BROADENING_GATE)["message"]


def test_an_app_declared_beside_a_lock_still_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the lock is judged on its own; what unlocking would grant needs its escalation now
    result = review(tmp_path, BASE, BASE + LOCK + app(), capsys, NO_SYNTH)
    assert "new GitHub App" in failed(result, BROADENING_GATE)["message"]


# ------------------------------------------------------------- the rules, pure

APP = {"permissions": {"contents": "read"}, "repositories": ["acme/api"], "app_id": 101,
       "installation_id": 202}


def _verdict(attribute: str, old: Any, new: Any, kind: str = "plan.github_app") -> str:
    return classify(kind, attribute, old, new)[0]


def test_the_permission_rule_reads_names_and_levels() -> None:
    assert _verdict("permissions", {"contents": "read"},
                    {"contents": "read", "issues": "read"}) == BROADENING
    assert _verdict("permissions", {"contents": "read"}, {"contents": "write"}) == BROADENING
    assert _verdict("permissions", {"contents": "write"}, {"contents": "read"}) == NARROWING
    assert _verdict("permissions", {"contents": "write", "issues": "read"},
                    {"contents": "write"}) == NARROWING
    # a rename is a new permission, whatever goes
    assert _verdict("permissions", {"issues": "write"}, {"contents": "read"}) == BROADENING


@pytest.mark.parametrize("old, new", [
    ({"contents": "read"}, {"contents": "admin"}),   # a level the rules do not know
    ({"contents": "read"}, {"contents": None}),
    ({"contents": "read"}, ["contents"]),
    ({"contents": "read"}, MISSING),
    (MISSING, {"contents": "read"}),
    ({"contents": "read"}, "contents: write"),
])
def test_an_unrecognised_permission_value_is_unclassified(old: Any, new: Any) -> None:
    assert _verdict("permissions", old, new) == UNCLASSIFIED


def test_the_repository_rules_add_broadens_remove_narrows() -> None:
    for kind, attribute in (("plan.github_app", "repositories"),
                            ("github_app_installation_repositories",
                             "selected_repositories")):
        assert _verdict(attribute, ["a"], ["a", "b"], kind) == BROADENING
        assert _verdict(attribute, ["a", "b"], ["b", "c"], kind) == BROADENING
        assert _verdict(attribute, ["a", "b"], ["a"], kind) == NARROWING
        assert _verdict(attribute, ["a", "b"], [], kind) == NARROWING
        assert _verdict(attribute, ["a", "b"], ["b", "a"], kind) == HARMLESS
        for odd in ("a", [1], MISSING, None, {"a": 1}):
            assert _verdict(attribute, ["a"], odd, kind) == UNCLASSIFIED, (kind, odd)


def test_the_id_rules_set_or_changed_broaden_removed_narrows() -> None:
    for kind, attribute in (("plan.github_app", "app_id"), ("plan.github_app",
                                                            "installation_id"),
                            ("github_app_installation_repositories", "installation_id")):
        assert _verdict(attribute, None, 7, kind) == BROADENING
        assert _verdict(attribute, MISSING, "7", kind) == BROADENING
        assert _verdict(attribute, 7, 8, kind) == BROADENING
        assert _verdict(attribute, 7, None, kind) == NARROWING
        assert _verdict(attribute, 7, "7", kind) == HARMLESS
        for odd in (True, 0, -1, "x", [7], 7.5):
            assert _verdict(attribute, 7, odd, kind) == UNCLASSIFIED, (kind, odd)


def test_any_other_difference_of_the_app_is_unclassified() -> None:
    assert _verdict("slug", "agent-a", "agent-b") == UNCLASSIFIED
    assert _verdict("events", MISSING, ["push"]) == UNCLASSIFIED
    assert _verdict("repository_selection", "selected", "all",
                    "github_app_installation_repositories") == UNCLASSIFIED


def _kinds(changes: tuple[Any, ...]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(c.address, c.attribute): (c.kind, c.note) for c in changes}


def test_an_app_plan_created_broadens_removed_narrows_unrecognised_is_unclassified() -> None:
    created = _kinds(compare("a", {}, {"plan.github_app": APP}))
    assert created[("plan.github_app", "*")] == (
        BROADENING, "new GitHub App: contents: read on acme/api (App id 101) "
                    "(installation 202)")
    removed = _kinds(compare("a", {"plan.github_app": APP}, {}))
    assert removed[("plan.github_app", "*")][0] == NARROWING
    odd = _kinds(compare("a", {}, {"plan.github_app": {"permissions": "all"}}))
    assert odd[("plan.github_app", "*")][0] == UNCLASSIFIED


# The synthesized installation and the key's secret, as the stack names them
# (github_app_installation_repositories; the key like a deploy key's private half).
INSTALLATION = "github_app_installation_repositories.github_app"
SECRET = "aws_secretsmanager_secret.github_app_key"
SYNTHESIZED = {
    INSTALLATION: {"installation_id": "202", "selected_repositories": ["api", "web"]},
    SECRET: {"name": "agentid/release-bot/github-app", "kms_key_id": "${aws_kms_key.k.arn}"},
    "github_actions_environment_variable.app_id": {
        "repository": "api", "environment": "agent-release-bot",
        "variable_name": "AGENT_APP_ID", "value": "101"},
}


def test_the_synthesized_installation_created_broadens_removed_narrows() -> None:
    created = _kinds(compare("release-bot", {}, SYNTHESIZED))
    assert created[(INSTALLATION, "*")] == (BROADENING, "App installation 202 may act on "
                                                        "api, web")
    assert created[(SECRET, "*")][0] == BROADENING
    removed = _kinds(compare("release-bot", SYNTHESIZED, {}))
    assert {verdict for verdict, _ in removed.values()} == {NARROWING}
    odd = _kinds(compare("release-bot", {}, {INSTALLATION: {"installation_id": "202"}}))
    assert odd[(INSTALLATION, "*")][0] == UNCLASSIFIED


def test_the_app_s_environment_variables_are_judged_as_other_variables() -> None:
    new = {**SYNTHESIZED, "github_actions_environment_variable.app_id": {
        **SYNTHESIZED["github_actions_environment_variable.app_id"], "value": "102"}}
    changes = _kinds(compare("release-bot", SYNTHESIZED, new))
    assert changes[("github_actions_environment_variable.app_id", "value")][0] == HARMLESS


def test_a_lock_removing_the_installation_and_key_narrows_an_unlock_restoring_them_broadens(
        ) -> None:
    locked = {k: v for k, v in SYNTHESIZED.items() if k not in (INSTALLATION, SECRET)}
    locking = compare("release-bot", SYNTHESIZED, locked, lock=LOCKING)
    assert {c.kind for c in locking} == {NARROWING}
    assert {c.address for c in locking} == {INSTALLATION, SECRET}
    unlocking = _kinds(compare("release-bot", locked, SYNTHESIZED, lock=UNLOCKING))
    assert unlocking[(INSTALLATION, "*")][0] == BROADENING
    assert unlocking[(SECRET, "*")][0] == BROADENING
    # a lock that empties the installation instead of removing it narrows too
    emptied = {**SYNTHESIZED, INSTALLATION: {"installation_id": "202",
                                             "selected_repositories": []}}
    assert {c.kind for c in compare("release-bot", SYNTHESIZED, emptied,
                                    lock=LOCKING)} == {NARROWING}
    assert {c.kind for c in compare("release-bot", emptied, SYNTHESIZED,
                                    lock=UNLOCKING)} == {BROADENING}


def test_a_store_s_secrets_are_judged_whole() -> None:
    key = {"repo": "acme/docs", "name": "agents/a/deploy-keys/acme/docs"}
    app_key = {"repo": "github-app", "name": "agents/a/deploy-keys/github-app"}
    assert stored_secrets([key], [key, app_key]) == (
        BROADENING, "new stored secrets: agents/a/deploy-keys/github-app")
    assert stored_secrets([key, app_key], [key])[0] == NARROWING
    assert stored_secrets([key], [{**key, "name": "elsewhere"}])[0] == BROADENING
    assert stored_secrets([key, app_key], [app_key, key])[0] == HARMLESS
    for odd in (MISSING, None, "x", [1], {"a": key}):
        assert stored_secrets([key], odd) is None
        assert classify("plan.secret_store", "secrets", [key], odd)[0] == UNCLASSIFIED
    # the lock's form still speaks first: a locked store holds no secret
    assert classify("plan.secret_store", "secrets", [key], [], lock=LOCKING)[1].startswith(
        "locked: the store holds no secret")


def test_the_gate_list_names_the_app_rules() -> None:
    rows = {(kinds, attributes) for kinds, attributes, _ in explain_rules()}
    assert ("plan.github_app", "permissions") in rows
    assert ("github_app_installation_repositories", "selected_repositories") in rows
    assert ("plan.github_app", "(created)") in rows


# ------------------------------------------------------------------------- the card

@pytest.mark.parametrize("head, state", [
    (READ, "(App not created yet; not installed yet)"),
    (CREATED, "(App id 101; not installed yet)"),
    (INSTALLED, "(App id 101, installation 202)"),
])
def test_the_card_lists_the_app_s_permissions_and_repositories(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], head: str, state: str) -> None:
    text = variant("app:\n        permissions: {contents: read}\n",
                   "app:\n        permissions: {pull_requests: write, contents: read}\n"
                   "        repositories: [acme/web, acme/api]\n", base=head)
    result = review(tmp_path, text, touched(text), capsys, NO_SYNTH)
    line = ("GitHub App agent-release-bot: contents: read, pull_requests: write on "
            f"acme/api, acme/web {state}")
    assert result.agent("release-bot")["card"]["acts_as"] == [line]
    assert f"  - {md_text(line)}" in result.markdown


def test_an_agent_without_an_app_has_no_app_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, BASE, touched(BASE), capsys, NO_SYNTH)
    assert result.agent("release-bot")["card"]["acts_as"] == []
    assert "GitHub App" not in result.markdown


def test_the_card_s_repositories_default_to_runs_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, READ, touched(READ), capsys, NO_SYNTH)
    assert result.agent("release-bot")["card"]["acts_as"] == [
        "GitHub App agent-release-bot: contents: read on acme/api (App not created yet; "
        "not installed yet)"]


# ---------------------------------------------------------------------- synthesized
# One file holds one agent per case (each its own environment), so each direction is
# one synthesis of base and head: review --no-synth above covers the plans case by case.

_HEADER, _AGENT = BASE.split("agents:\n")


def agents(records: dict[str, str]) -> str:
    """A file with one copy of the base agent per name, ``records[name]`` appended to it."""
    return _HEADER + "agents:\n" + "".join(
        _AGENT.replace("name: release-bot", f"name: {name}")
        .replace("environment: agent-release-bot", f"environment: agent-{name}") + tail
        for name, tail in records.items())


def _tail(text: str) -> str:
    return text[len(BASE):]


def _name(kind: str) -> str:
    return "app-" + kind.lower().replace(" ", "-")


def _escalated(text: str, names: list[str]) -> str:
    for name in names:
        text = escalate(text, name)
    return text


@pytest.mark.synth
def test_each_app_broadening_with_synthesis_fails_without_and_passes_with_an_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = [_name(kind) for kind in sorted(BROADENINGS)]
    base = agents({_name(k): _tail(BROADENINGS[k][0]) for k in sorted(BROADENINGS)})
    head = agents({_name(k): _tail(BROADENINGS[k][1]) for k in sorted(BROADENINGS)})
    result = review(tmp_path, base, head, capsys)
    assert result.code == 1
    gates = {g["agent"]: g["message"] for g in result.packet["gates"]
             if g["id"] == BROADENING_GATE}
    assert sorted(gates) == sorted(names)
    for kind in sorted(BROADENINGS):
        assert BROADENINGS[kind][2] in gates[_name(kind)], kind
    assert {g["id"] for g in result.packet["gates"]} == {BROADENING_GATE}
    # the synthesized stacks say so in their own terms
    content = {(a["name"], c["address"].split(".")[0]): (c["kind"], c["note"])
               for a in result.packet["agents"] for c in a["content"]}
    assert content[(_name("new App"), "aws_secretsmanager_secret")][0] == BROADENING
    assert content[(_name("installation added"), "github_app_installation_repositories")] \
        == (BROADENING, "App installation 202 may act on api")
    assert content[(_name("new repository"), "github_app_installation_repositories")] \
        == (BROADENING, "App installation repositories: new web")
    assert content[(_name("installation changed"), "github_app_installation_repositories")] \
        == (BROADENING, "GitHub App installation changed: 202 -> 303")
    assert content[(_name("App id set"), "github_actions_environment_variable")][0] \
        == BROADENING
    passed(review(tmp_path, base, _escalated(head, names), capsys))


@pytest.mark.synth
def test_each_app_narrowing_with_synthesis_passes_without_an_escalation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = agents({_name(k): _tail(NARROWINGS[k][0]) for k in sorted(NARROWINGS)})
    head = agents({_name(k): _tail(NARROWINGS[k][1]) for k in sorted(NARROWINGS)})
    result = review(tmp_path, base, head, capsys)
    passed(result)
    for kind in sorted(NARROWINGS):
        agent = result.agent(_name(kind))
        assert agent["narrowed"] is True and agent["broadened"] is False, kind
        assert agent["github_app"]["narrowed"] == [NARROWINGS[kind][2]]
        assert {c["kind"] for c in agent["content"]} <= {NARROWING}, agent["content"]
    removed = {c["address"].split(".")[0]
               for c in result.agent(_name("App removed"))["content"]}
    assert {"github_app_installation_repositories", "aws_secretsmanager_secret"} <= removed
    narrowed = {c["address"].split(".")[0]: c["note"]
                for c in result.agent(_name("repository removed"))["content"]}
    assert narrowed["github_app_installation_repositories"] == (
        "App installation repositories: removed web")


@pytest.mark.synth
def test_a_lock_removes_the_installation_and_key_and_an_unlock_restoring_them_broadens(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = review(tmp_path, INSTALLED, INSTALLED + LOCK, capsys)
    passed(result)
    effects = {(e["address"].split(".")[0], e["attribute"]): (e["kind"], e["note"])
               for e in result.agent("release-bot")["lock_effects"]}
    for kind in ("github_app_installation_repositories", "aws_secretsmanager_secret"):
        assert effects[(kind, "*")] == (NARROWING, "deleted by the lock (a removal narrows)")
    result = review(tmp_path, INSTALLED + LOCK, INSTALLED, capsys)
    assert "unlocked (was locked" in failed(result, BROADENING_GATE)["message"]
    back = {(c["address"].split(".")[0], c["kind"])
            for c in result.agent("release-bot")["content"]}
    assert {("github_app_installation_repositories", BROADENING),
            ("aws_secretsmanager_secret", BROADENING)} <= back
    passed(review(tmp_path, INSTALLED + LOCK, escalate(INSTALLED), capsys))


@pytest.mark.synth
def test_an_app_removed_beside_a_deploy_key_narrows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the store keeps the deploy key's secret; the App's goes (judged whole, narrowing)
    keyed = "        - {repo: acme/docs}\n"
    with_key = BASE + app().replace("    github:\n", "    github:\n      deploy_keys:\n"
                                    + keyed)
    without = BASE + "    github:\n      deploy_keys:\n" + keyed
    for extra in ((NO_SYNTH,), ()):
        result = review(tmp_path, with_key, without, capsys, *extra)
        passed(result)
        assert result.agent("release-bot")["github_app"]["narrowed"] == [
            "GitHub App removed (contents: read on acme/api)"]


def test_the_run_card_lists_the_app_and_a_locked_agent_s_card_too() -> None:
    for text in (INSTALLED, INSTALLED + LOCK):
        identities = validate_schema(parse("identities.yaml", text))
        card = identity_card(identities.agents[0], identities, TODAY)
        line = ("GitHub App agent-release-bot: contents: read on acme/api (App id 101, "
                "installation 202)")
        assert card.acts_as == (line,)
        rendered = render_card(card, "run-7")
        scope = rendered[rendered.index("**Scope:**"):rendered.index("**Must never hold:**")]
        assert f"  - {md_text(line)}\n" in scope
    assert "GitHub App" not in render_card(identity_card(
        validate_schema(parse("identities.yaml", BASE)).agents[0],
        validate_schema(parse("identities.yaml", BASE)), TODAY))
