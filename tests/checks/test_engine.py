"""The rule engine stamps ids, knows the dated rules, and fails closed on a bad group.

GIVEN rules registered with the engine, WHEN they run, THEN each finding carries
the id its rule was registered under (rules never write their own), only rules
registered as dated see the date, and a group's function runs once with each of
its problems stamped by the id declared for its kind.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cdk.checks import engine
from cdk.checks.engine import (
    CROSS_TARGET_RULES,
    RULES,
    Problem,
    dated_rules,
    load_rules,
    rule_modules,
    run_checks,
)
from cdk.loader import validate_schema
from cdk.model import IdentitiesFile
from cdk.yamlsafe import parse

from ..conftest import TODAY
from ..records import BASE


def _identities() -> IdentitiesFile:
    return validate_schema(parse("identities.yaml", BASE))


@pytest.fixture
def only(monkeypatch: pytest.MonkeyPatch) -> dict[str, engine.Rule]:
    """An empty registry the test fills (the real rules stay untouched)."""
    load_rules()
    registry: dict[str, engine.Rule] = {}
    monkeypatch.setattr(engine, "RULES", registry)
    monkeypatch.setattr(engine, "rule_modules", lambda: ())
    return registry


def test_the_dated_rules_are_the_ones_that_judge_against_today() -> None:
    assert dated_rules() == {"AgentId-ExpiryPassed", "AgentId-ExpiryBeyondPolicy",
                             "AgentId-RevokedInFuture", "AgentId-LockedInFuture",
                             "AgentId-RotateInFuture"}


def test_the_engine_stamps_the_registered_id(only: dict[str, engine.Rule]) -> None:
    @engine.rule("AgentId-Example")
    def example(identities: IdentitiesFile) -> Iterator[Problem]:
        """Reports the first agent's name."""
        yield Problem(("agents", 0, "name"), "a message", "a hint")

    [finding] = run_checks(_identities(), TODAY)
    assert (finding.id, finding.path, finding.message, finding.fix) == (
        "AgentId-Example", ("agents", 0, "name"), "a message", "a hint")
    assert only["AgentId-Example"].why == "Reports the first agent's name."
    assert not only["AgentId-Example"].dated


def test_a_dated_rule_gets_the_date(only: dict[str, engine.Rule]) -> None:
    seen: list[date] = []

    @engine.dated_rule("AgentId-Dated")
    def dated(identities: IdentitiesFile, today: date) -> Iterator[Problem]:
        """Records the date it judged against."""
        seen.append(today)
        return iter(())

    assert run_checks(_identities(), TODAY) == []
    assert seen == [TODAY]
    assert only["AgentId-Dated"].dated


def test_a_group_runs_once_and_stamps_each_kind_in_declared_order(
        only: dict[str, engine.Rule]) -> None:
    calls: list[int] = []

    @engine.rule_group({"Second": ("AgentId-Second", "why the second exists"),
                        "First": ("AgentId-First", "why the first exists")})
    def group(identities: IdentitiesFile) -> Iterator[Problem]:
        """Reports both kinds."""
        calls.append(1)
        yield Problem(("agents", 0), "first", kind="First")
        yield Problem(("agents", 0), "second", kind="Second")

    findings = run_checks(_identities(), TODAY)
    assert calls == [1]
    assert [(f.id, f.message) for f in findings] == [
        ("AgentId-Second", "second"), ("AgentId-First", "first")]
    assert {r.id: r.why for r in only.values()} == {
        "AgentId-Second": "why the second exists", "AgentId-First": "why the first exists"}


def test_an_undeclared_kind_is_a_crashed_rule_not_a_dropped_finding(
        only: dict[str, engine.Rule]) -> None:
    @engine.rule_group({"Known": ("AgentId-Known", "why it exists")})
    def group(identities: IdentitiesFile) -> Iterator[Problem]:
        """Reports a kind nobody declared."""
        yield Problem(("agents", 0), "?", kind="Unknown")

    @engine.rule("AgentId-Single")
    def single(identities: IdentitiesFile) -> Iterator[Problem]:
        """Claims a kind although it has one id."""
        yield Problem(("agents", 0), "?", kind="Known")

    findings = run_checks(_identities(), TODAY)
    assert [f.id for f in findings] == ["AgentId-RuleCrashed", "AgentId-RuleCrashed"]
    assert "'Unknown' is not declared" in findings[0].message


def test_an_id_is_registered_once(only: dict[str, engine.Rule]) -> None:
    def judge(identities: IdentitiesFile) -> Iterator[Problem]:
        """Nothing."""
        return iter(())

    engine.rule("AgentId-Twice")(judge)
    with pytest.raises(RuntimeError, match="duplicate rule id AgentId-Twice"):
        engine.rule("AgentId-Twice")(judge)


@pytest.mark.parametrize("module", rule_modules())
def test_rule_modules_never_write_a_finding_or_an_id_themselves(module: str) -> None:
    # The id is written once, in the registration: a rule yields Problems only.
    source = Path(importlib.import_module(module).__file__ or "").read_text()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "Finding", f"{module}:{node.lineno} builds a Finding"
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    assert not arg.value.startswith("AgentId-"), f"{module}:{node.lineno}"


def test_every_rule_comes_from_a_listed_module_and_every_listed_module_has_rules() -> None:
    load_rules()
    assert {r.module for r in RULES.values()} == set(rule_modules())


def test_each_targets_rules_come_from_its_registry_entry_and_live_in_its_folder() -> None:
    # Adding a target adds its rules through its registry line (docs/architecture.md
    # §8): the engine lists only the rules that judge across targets.
    from cdk.targets import targets

    listed = [module for t in targets() for module in t.rules]
    assert rule_modules() == (*listed, *CROSS_TARGET_RULES)
    for t in targets():
        assert all(module.startswith(f"cdk.{t.name}.") for module in t.rules), t.name
    assert all(module.startswith("cdk.checks.") for module in CROSS_TARGET_RULES)
