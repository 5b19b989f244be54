"""The rule pack: every rule beyond the schema, one pure function each.

A rule takes the whole validated file and the date to judge against, and yields
findings. Each has a stable id (``AgentId-...``), and its docstring is the "why
this rule exists" text that ``agentid validate --explain ID`` prints. A rule that
raises is itself reported as a finding: a broken rule must never look like a
clean file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from ..errors import Finding
from ..model import IdentitiesFile

RuleFn = Callable[[IdentitiesFile, date], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its id, why it exists, and the function."""

    id: str
    why: str
    fn: RuleFn


RULES: dict[str, Rule] = {}


def rule(rule_id: str) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function under a stable id; its docstring says why it exists."""

    def register(fn: RuleFn) -> RuleFn:
        if rule_id in RULES:
            raise RuntimeError(f"duplicate rule id {rule_id}")
        RULES[rule_id] = Rule(rule_id, " ".join((fn.__doc__ or "").split()), fn)
        return fn

    return register


def run_checks(identities: IdentitiesFile, today: date) -> list[Finding]:
    """Run every rule; collect all findings so one run reports every problem."""
    load_rules()
    findings: list[Finding] = []
    for registered in RULES.values():
        try:
            findings.extend(registered.fn(identities, today))
        except Exception as exc:  # noqa: BLE001 - a crashing rule is a finding, not a crash
            findings.append(Finding(
                "AgentId-RuleCrashed", (),
                f"rule {registered.id} failed: {type(exc).__name__}: {exc}",
                "this is a bug in agentid; report it with the file that triggers it",
            ))
    return findings


def load_rules() -> None:
    """Register every rule (``RULES`` is complete afterwards).

    Importing the rule modules registers them; kept lazy so importing
    ``cdk.checks`` stays cheap.
    """
    from . import aws, azure, deploy_keys, gcp, identity, scope, trust  # noqa: F401
