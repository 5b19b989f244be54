"""The rule pack: every rule beyond the schema, one pure function each.

The engine (:mod:`cdk.checks.engine`) holds the registry and the run; the rules
live beside what they judge: cross-target rules here (``identity``, ``trust``),
each target's in its own folder (``cdk/<target>/rules.py``, named by its
``Target.rules``), all imported through
:func:`~cdk.checks.engine.rule_modules`.
"""

from __future__ import annotations

from .engine import RULES, Problem, Rule, dated_rules, load_rules, run_checks

__all__ = ["RULES", "Problem", "Rule", "dated_rules", "load_rules", "run_checks"]
