"""Policy documents as the review reads them: every target's grants as statements.

Each target gives its review documents (:attr:`cdk.targets.Target.documents`) in
IAM's shape, ``{"Statement": [{"Effect", "Action", "Resource", "Condition"}]}``,
so one reader serves them all.
"""

from __future__ import annotations

from typing import Any

PolicyDocument = dict[str, Any]
# The document that says who may assume the identity (AWS's trust policy); the
# review compares it as trust (cdk/review/diff.py), every other one as grants.
TRUST = "trust"


def as_list(value: Any) -> list[str]:
    """A policy field (absent, one value or a list) as a list of strings."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def statements(document: PolicyDocument) -> list[dict[str, Any]]:
    """Every statement of ``document`` (one or a list), whatever its effect."""
    raw = document.get("Statement", [])
    items = raw if isinstance(raw, list) else [raw]
    return [s for s in items if isinstance(s, dict)]


def allowed(document: PolicyDocument) -> list[dict[str, Any]]:
    """The statements of ``document`` that allow (``Effect`` absent counts as Allow)."""
    return [s for s in statements(document) if s.get("Effect", "Allow") == "Allow"]
