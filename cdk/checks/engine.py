"""The rule engine: a registry of rules, their ids, and the run (as cdk-nag's ``NagPack``).

A rule is a pure function that only judges: it takes the validated file (and the
date to judge against, if it declares it needs one) and yields :class:`Problem`
values (where and what is wrong, and how to fix it), never its own id. The engine
stamps the id the rule was registered under on each, so an id is written once, in
the registration. Each rule's docstring is the "why this rule exists" text that
``agentid validate --explain ID`` prints and the rules page of the docs lists.

- ``@rule("AgentId-X")``: the function takes ``(identities)``; it cannot see the
  date, so its verdict holds on any day.
- ``@dated_rule("AgentId-X")``: the function takes ``(identities, today)``.
  :func:`dated_rules` names these: a base that was valid when it merged may fail
  them now (an expiry passed), which is what review tolerates on a base.
- ``@rule_group({KIND: (ID, WHY), ...})``: one function that reports several ids,
  because one plan function decides between them (``cdk.gcp.roles.role_problem``
  returns ``("GcpBasicRole", message, fix)``). Its problems carry that ``kind``;
  the registration maps each kind to its id and why. A kind the registration does
  not declare is reported as a crashed rule, never dropped.

A rule that raises is itself reported as a finding (``AgentId-RuleCrashed``): a
broken rule must never look like a clean file. The rule modules are imported from
:func:`rule_modules` by name, so this module imports none of them; they import it
(and :mod:`cdk.checks.common`, what rules share).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..errors import Finding, Path

if TYPE_CHECKING:
    from ..model import IdentitiesFile

# Modules of the rules that judge across targets (identity, expiry, trust); each
# target's own rule modules come from the target registry (``Target.rules``,
# cdk/targets.py), so adding a target never edits this file. Findings are reported
# in this order: every target's rules in registry order, then these.
CROSS_TARGET_RULES: tuple[str, ...] = (
    "cdk.checks.identity",
    "cdk.checks.trust",
    "cdk.checks.alerts",
    "cdk.checks.lifecycle",
)


def rule_modules() -> tuple[str, ...]:
    """Every module that registers rules: the targets' (registry order), then
    :data:`CROSS_TARGET_RULES`."""
    from ..targets import targets

    return (*(module for t in targets() for module in t.rules), *CROSS_TARGET_RULES)


CRASHED = "AgentId-RuleCrashed"


@dataclass(frozen=True)
class Problem:
    """What a rule found: the path in the file, what is wrong and how to fix it.

    ``kind`` is set only by a rule of a group: which of its declared ids this is.
    """

    path: Path
    message: str
    fix: str = ""
    kind: str = ""


# Quoted: the model is imported for type checking only, so loading the engine stays
# cheap and shallow (the CLI is held to a low recursion limit, tests/test_hostile.py).
Judge = Callable[["IdentitiesFile", date], Iterable[Problem]]
UndatedRule = Callable[["IdentitiesFile"], Iterable[Problem]]
DatedRule = Callable[["IdentitiesFile", date], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    """A registered rule id: why it exists, the function that judges, and whether its
    verdict depends on today's date. A group's ids share one function."""

    id: str
    why: str
    judge: Judge
    dated: bool = False
    # kind -> id for a group (every id of the group holds the same mapping).
    kinds: Mapping[str, str] | None = None
    # The module that defines the rule's function.
    module: str = ""


RULES: dict[str, Rule] = {}


def _why(text: str | None) -> str:
    return " ".join((text or "").split())


def _register(entry: Rule) -> None:
    if entry.id in RULES:
        raise RuntimeError(f"duplicate rule id {entry.id}")
    RULES[entry.id] = entry


def rule(rule_id: str) -> Callable[[UndatedRule], UndatedRule]:
    """Register a rule under ``rule_id``; its docstring says why it exists."""

    def register(fn: UndatedRule) -> UndatedRule:
        _register(Rule(rule_id, _why(fn.__doc__), lambda identities, _today: fn(identities),
                       module=fn.__module__))
        return fn

    return register


def dated_rule(rule_id: str) -> Callable[[DatedRule], DatedRule]:
    """Register a rule whose verdict depends on today's date (it takes ``today``)."""

    def register(fn: DatedRule) -> DatedRule:
        _register(Rule(rule_id, _why(fn.__doc__), fn, dated=True, module=fn.__module__))
        return fn

    return register


def rule_group(kinds: Mapping[str, tuple[str, str]]) -> Callable[[UndatedRule], UndatedRule]:
    """Register one function under several ids: ``kind -> (rule id, why)``.

    The function's problems name their ``kind``; the engine stamps the id declared
    for it.
    """

    def register(fn: UndatedRule) -> UndatedRule:
        ids = {kind: rule_id for kind, (rule_id, _) in kinds.items()}

        def judge(identities: IdentitiesFile, today: date) -> Iterable[Problem]:
            return fn(identities)

        for rule_id, why in kinds.values():
            _register(Rule(rule_id, _why(why), judge, kinds=ids, module=fn.__module__))
        return fn

    return register


def load_rules() -> None:
    """Import every module of :func:`rule_modules` (``RULES`` is complete afterwards).

    Kept lazy so importing ``cdk.checks`` stays cheap.
    """
    for name in rule_modules():
        importlib.import_module(name)


def dated_rules() -> frozenset[str]:
    """Ids of the rules that judge a record against today's date."""
    load_rules()
    return frozenset(r.id for r in RULES.values() if r.dated)


def run_checks(identities: IdentitiesFile, today: date) -> list[Finding]:
    """Run every rule; collect all findings so one run reports every problem."""
    load_rules()
    findings: list[Finding] = []
    done: set[Judge] = set()
    for registered in RULES.values():
        if registered.judge in done:
            continue  # a group's other ids: its function already ran
        done.add(registered.judge)
        found: list[Finding] = []
        try:
            for problem in registered.judge(identities, today):
                found.append(_stamped(registered, problem))
        except Exception as exc:  # noqa: BLE001 - a crashing rule is a finding, not a crash
            found.append(Finding(
                CRASHED, (), f"rule {registered.id} failed: {type(exc).__name__}: {exc}",
                "this is a bug in agentid; report it with the file that triggers it",
            ))
        if registered.kinds is not None:
            # A group reports its ids in the order it declares them.
            order = [*registered.kinds.values(), CRASHED]
            found.sort(key=lambda f: order.index(f.id))
        findings.extend(found)
    return findings


class UnknownKind(Exception):
    """A group's function reported a kind its registration does not declare."""


def _stamped(registered: Rule, problem: Problem) -> Finding:
    rule_id = registered.id
    if registered.kinds is not None:
        found = registered.kinds.get(problem.kind)
        if found is None:
            raise UnknownKind(f"problem kind {problem.kind!r} is not declared")
        rule_id = found
    elif problem.kind:
        raise UnknownKind(f"a single-id rule reported kind {problem.kind!r}")
    return Finding(rule_id, problem.path, problem.message, problem.fix)
