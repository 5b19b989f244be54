"""How one attribute's difference is judged: the verdict kinds and the judges.

A judge takes the base and head values of one attribute and returns a verdict,
``(kind, note)``: a *narrowing*, a *broadening* (named) or *harmless* (with why),
or None when it cannot tell, which leaves the difference unclassified.
:mod:`cdk.review.content` says which judge speaks for which resource kind and
attribute.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..github.app_permissions import LEVELS, rank
from ..names import PIN_KEY, REPOSITORY_ID_KEY, SUB_KEY
from ..subjects import classify_subject_change
from .diff import expand
from .trust import diff_trust

NARROWING = "narrowing"
BROADENING = "broadening"
HARMLESS = "harmless"
EXPIRY = "expiry"
UNCLASSIFIED = "unclassified"
# What needs a new escalation.
NEEDS_APPROVAL = frozenset({BROADENING, UNCLASSIFIED})
# An attribute one side does not have.
MISSING = object()

Verdict = tuple[str, str]
Judge = Callable[[Any, Any], Verdict | None]


def _text(value: Any) -> str:
    return "(absent)" if value is MISSING or value is None else json.dumps(
        value, sort_keys=True, default=str)


def harmless(reason: str) -> Judge:
    """Any difference is harmless, for ``reason``."""
    return lambda old, new: (HARMLESS, reason)


def broadens(what: str) -> Judge:
    """Any difference is a broadening: ``what`` changed (no direction is safe)."""
    return lambda old, new: (BROADENING, f"{what}: {_text(old)} -> {_text(new)}")


def longer_broadens(what: str) -> Judge:
    """A larger number broadens (a longer session, rotation period); a smaller narrows."""
    def judge(old: Any, new: Any) -> Verdict | None:
        if not isinstance(old, (int, float)) or not isinstance(new, (int, float)):
            return None
        direction = BROADENING if new > old else NARROWING
        return direction, f"{what} {old} -> {new}"
    return judge


def read_only(old: Any, new: Any) -> Verdict | None:
    """A deploy key read-only -> write broadens; write -> read-only narrows."""
    if old is True and new is False:
        return BROADENING, "deploy key read-only -> write"
    if old is False and new is True:
        return NARROWING, "deploy key write -> read-only"
    return None


def pin(old: Any, new: Any) -> Verdict:
    """A workflow pin added narrows; dropped or moved broadens."""
    if old in (None, MISSING):
        return NARROWING, f"deployments now pinned to {new}"
    if new in (None, MISSING):
        return BROADENING, f"pin {old} dropped: any branch the policy allows may deploy"
    return BROADENING, f"pin moved {old} -> {new}"


def _document(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def policy(old: Any, new: Any) -> Verdict | None:
    """Policy documents as statement rows: an allow added or a deny removed broadens."""
    before, after = _document(old), _document(new)
    if before is None and after is None:
        return None
    rows_before, rows_after = expand(before or {}), expand(after or {})
    wider = [r for r in rows_after - rows_before if r[0] == "Allow"]
    wider += [r for r in rows_before - rows_after if r[0] != "Allow"]
    if wider:
        return BROADENING, "; ".join(
            ("allows " if r[0] == "Allow" else "no longer denies ") + f"{r[1]} on {r[2]}"
            + (f" when {r[3]}" if r[3] else "") for r in sorted(wider)[:6]) + (
            f" and {len(wider) - 6} more" if len(wider) > 6 else "")
    if rows_before != rows_after:
        return NARROWING, f"{len(rows_before - rows_after)} statement rows removed or denied"
    return HARMLESS, "the same statements, written differently"


_TRUST_KEYS = (SUB_KEY, REPOSITORY_ID_KEY, PIN_KEY)


def _without_trust_keys(document: dict[str, Any]) -> set[str]:
    """Each statement without its Sid and the keys :func:`diff_trust` judges, as a set."""
    raw = document.get("Statement", [])
    rest = {json.dumps({k: v for k, v in document.items() if k != "Statement"}, sort_keys=True)}
    for statement in raw if isinstance(raw, list) else [raw]:
        if not isinstance(statement, dict):
            rest.add(json.dumps(statement, sort_keys=True))
            continue
        stripped = json.loads(json.dumps({k: v for k, v in statement.items() if k != "Sid"}))
        equals = stripped.get("Condition", {}).get("StringEquals", {})
        for key in [k for k in equals if k in _TRUST_KEYS]:
            del equals[key]
        rest.add(json.dumps(stripped, sort_keys=True))
    return rest


def trust(old: Any, new: Any) -> Verdict | None:
    """A trust policy judged by subject, repository id and pins when only those differ."""
    before, after = _document(old), _document(new)
    if before is None or after is None:
        return None
    if _without_trust_keys(before) != _without_trust_keys(after):
        return None  # principal, audience or another condition changed: not judged here
    trust = diff_trust(before, after)
    if trust.broadened:
        return BROADENING, "trust: " + "; ".join(trust.broadened)
    if trust.narrowed or trust.changed:
        return NARROWING, "trust: " + "; ".join(
            trust.narrowed or trust.respelled or trust.pins_added)
    return HARMLESS, "the same subjects, repositories and pins, written differently"


def _items(value: Any) -> set[str]:
    if value in (None, MISSING):
        return set()
    if not isinstance(value, (list, tuple)):
        return {_text(value)}
    return {_text(v) for v in value}


def grants(what: str) -> Judge:
    """A list of grants named ``what``: an entry added broadens, one removed narrows."""
    def judge(old: Any, new: Any) -> Verdict:
        added, removed = _items(new) - _items(old), _items(old) - _items(new)
        if added:
            return BROADENING, f"new {what}: " + "; ".join(sorted(added))
        return NARROWING, f"{what} removed: " + "; ".join(sorted(removed))
    return judge


def denies(what: str) -> Judge:
    """A list of denials named ``what``: an entry removed broadens, one added narrows."""
    def judge(old: Any, new: Any) -> Verdict:
        added, removed = _items(new) - _items(old), _items(old) - _items(new)
        if removed:
            return BROADENING, f"no longer {what}: " + "; ".join(sorted(removed))
        return NARROWING, f"now {what}: " + "; ".join(sorted(added))
    return judge


def assignment_kind(old: Any, new: Any) -> Verdict | None:
    """Azure time-bound (PIM) assignments turned off broaden; turned on narrow."""
    if old == "pim" and new != "pim":
        return BROADENING, "Azure time-bound (PIM) assignments off: Azure no longer ends " \
                           "access at expiry"
    if new == "pim" and old != "pim":
        return NARROWING, "Azure time-bound (PIM) assignments on"
    return None


_POOL_RUN = re.compile(
    r'\(assertion\.repository_id == "([^"]*)" && assertion\.environment == "([^"]*)" && '
    r'(assertion\.sub == "[^"]*"|\(assertion\.sub == "[^"]*"(?: \|\| assertion\.sub == '
    r'"[^"]*")+\))\)')
_POOL_SUB = re.compile(r'assertion\.sub == "([^"]*)"')
_POOL_OWNER = re.compile(r'^assertion\.repository_owner_id == "([^"]*)" && ')
_PoolRun = tuple[str, str, str]  # (repository id, environment, subject)


def _pool_parts(value: Any) -> tuple[str, set[_PoolRun]] | None:
    """(owner id, {(repository id, environment, subject)}) of a pool condition agentid
    writes (see cdk.gcp.plan.attribute_condition), else None."""
    if not isinstance(value, str) or (owner := _POOL_OWNER.match(value)) is None:
        return None
    runs = _POOL_RUN.findall(value)
    rest = value[owner.end():]
    expected = "false" if not runs else "(" + " || ".join(
        f'(assertion.repository_id == "{rid}" && assertion.environment == "{env}" && {test})'
        for rid, env, test in runs) + ")"
    if rest != expected:
        return None
    return owner.group(1), {(rid, env, sub) for rid, env, test in runs
                            for sub in _POOL_SUB.findall(test)}


def pool_condition(old: Any, new: Any) -> Verdict | None:
    """A Google pool's condition, read as the jobs and subjects it admits."""
    before, after = _pool_parts(old), _pool_parts(new)
    if before is None or after is None or before[0] != after[0]:
        return None
    jobs_added = {(rid, env) for rid, env, _ in after[1]} - {
        (rid, env) for rid, env, _ in before[1]}
    if jobs_added:
        return BROADENING, "the pool now admits " + "; ".join(
            f"{sub} (repository id {rid}, environment {env})"
            for rid, env, sub in sorted(after[1]) if (rid, env) in jobs_added)
    # The same jobs: their subjects judged by form (a respelling to the immutable
    # subject with the same ids tightens; a second form beside the first broadens).
    change = classify_subject_change({sub for *_, sub in before[1]},
                                     {sub for *_, sub in after[1]},
                                     {rid for rid, *_ in before[1]})
    if change.broadened:
        return BROADENING, "the pool now admits " + "; ".join(change.broadened)
    return NARROWING, "the pool " + "; ".join(
        [f"admits {line}" for line in change.respelled]
        + [f"no longer admits {line}" for line in change.narrowed]) if change.changed \
        else "the pool admits fewer jobs"


def credentials(old: Any, new: Any) -> Verdict | None:
    """Azure's federated credentials: judged by subject form when only subjects differ."""
    def parts(value: Any) -> tuple[set[str], set[str]] | None:
        if not isinstance(value, (list, tuple)) or not all(isinstance(c, dict) for c in value):
            return None
        rest = {json.dumps({k: v for k, v in c.items()
                            if k not in ("name", "subject", "rename_proof")}, sort_keys=True)
                for c in value}
        return rest, {str(c.get("subject")) for c in value}
    before, after = parts(old), parts(new)
    if before is None or after is None or not after[0] <= before[0]:
        return grants("Azure grants")(old, new)
    change = classify_subject_change(before[1], after[1])
    if change.broadened:
        return BROADENING, "new Azure federated subjects: " + "; ".join(change.broadened)
    return NARROWING, "Azure federated subjects: " + "; ".join(
        change.respelled + change.narrowed)


def _deny_rules(value: Any) -> tuple[str, set[str]] | None:
    """(everything but the permissions, denied permissions) of a deny policy's rules."""
    if not isinstance(value, list):
        return None
    rest: list[dict[str, Any]] = []
    permissions: set[str] = set()
    for rule in value:
        if not isinstance(rule, dict) or not isinstance(rule.get("deny_rule"), dict):
            return None
        deny = dict(rule["deny_rule"])
        permissions.update(str(p) for p in deny.pop("denied_permissions", []) or [])
        rest.append({**{k: v for k, v in rule.items() if k not in ("deny_rule", "description")},
                     "deny_rule": deny})
    return json.dumps(rest, sort_keys=True), permissions


def deny_policy(old: Any, new: Any) -> Verdict | None:
    """A Google deny policy's rules: judged by their permissions when only those differ."""
    before, after = _deny_rules(old), _deny_rules(new)
    if before is None or after is None or before[0] != after[0]:
        return None
    return denies("denied")(sorted(before[1]), sorted(after[1]))


# --------------------------------------------------------------------------- lock forms
# A lock form recognises the one value a lock writes into an attribute (docs/lifecycle.md)
# and says what it stops; any other value is not the lock's and is judged by the usual
# rule. These are consulted only for an agent whose head is locked (or, reversed, whose
# base was and whose head is not).
# A form reads the attribute's value and, where the value alone does not say it, the
# rest of the resource (as on the side that carries the lock).
LockForm = Callable[[Any, Mapping[str, Any]], str | None]

_DOCUMENT_KEYS = {"Version", "Statement"}


def _only_statement(value: Any) -> dict[str, Any] | None:
    """The one statement of a policy document without its Sid, else None."""
    document = _document(value)
    if document is None or not set(document) <= _DOCUMENT_KEYS \
            or document.get("Version", "2012-10-17") != "2012-10-17":
        return None
    raw = document.get("Statement")
    found = raw if isinstance(raw, list) else [raw]
    if len(found) != 1 or not isinstance(found[0], dict):
        return None
    return {k: v for k, v in found[0].items() if k != "Sid"}


def _one(value: Any, expected: str) -> bool:
    return bool(value == expected or value == [expected])


def trust_admits_nothing(value: Any, resource: Mapping[str, Any] | None = None) -> str | None:
    """The locked trust: one statement denying ``sts:AssumeRoleWithWebIdentity`` to a
    federated provider, and nothing allowed."""
    statement = _only_statement(value)
    if statement is None or set(statement) != {"Effect", "Principal", "Action"}:
        return None
    principal = statement["Principal"]
    if statement["Effect"] != "Deny" or not _one(statement["Action"],
                                                 "sts:AssumeRoleWithWebIdentity") \
            or not isinstance(principal, dict) or set(principal) != {"Federated"} \
            or not isinstance(principal["Federated"], str):
        return None
    return "the trust admits no token (it denies sts:AssumeRoleWithWebIdentity, allows nothing)"


def denies_everything(value: Any, resource: Mapping[str, Any] | None = None) -> str | None:
    """The locked inline policy or boundary: one statement denying every action on every
    resource, unconditionally."""
    statement = _only_statement(value)
    if statement is None or set(statement) != {"Effect", "Action", "Resource"} \
            or statement["Effect"] != "Deny" or not _one(statement["Action"], "*") \
            or not _one(statement["Resource"], "*"):
        return None
    return "every action on every resource denied (sessions already issued stop too)"


def branch_policy_admits_nothing(value: Any, resource: Mapping[str, Any] | None = None
                                 ) -> str | None:
    """The locked environment's branch policy: custom branch policies on, protected
    branches off (and every deployment policy removed, each judged on its own)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if value != {"custom_branch_policies": True, "protected_branches": False}:
        return None
    return "the environment admits no branch (custom branch policies on, none listed)"


def service_account_disabled(value: Any, resource: Mapping[str, Any] | None = None
                             ) -> str | None:
    """The locked service account: disabled, so Google rejects its tokens."""
    return "service account disabled: Google rejects its tokens" if value is True else None


def admits_no_branch(value: Any, resource: Mapping[str, Any] | None = None) -> str | None:
    """The locked environment's plan: it admits no branch."""
    return "the environment admits no branch" if value is True else None


def unpinned_admitting_nothing(value: Any, resource: Mapping[str, Any] | None = None
                               ) -> str | None:
    """A workflow pin gone from a locked environment's plan that admits no branch at all."""
    if value in (None, MISSING) and resource is not None \
            and resource.get("admits_no_branch") is True:
        return "no workflow pin: the environment admits no branch at all"
    return None


def holds_no_secret(value: Any, resource: Mapping[str, Any] | None = None) -> str | None:
    """A locked agent's secret store: the container stays, holding no secret."""
    if isinstance(value, (list, tuple)) and not value:
        return "the store holds no secret (the deploy keys are deleted)"
    return None


# The agent's GitHub App (issue #19): its permissions, repositories and ids, as the
# plan (``plan.github_app``) and the installation's resource hold them.


def _app_levels(value: Any) -> dict[str, str] | None:
    """``{permission: read|write}``, or None for anything else (unclassified)."""
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and v in LEVELS for k, v in value.items()):
        return None
    return dict(value)


def app_permissions(old: Any, new: Any) -> Verdict | None:
    """An App permission added or raised (read -> write) broadens; one removed or
    lowered narrows; anything but ``{name: read|write}`` on either side is unclassified."""
    before, after = _app_levels(old), _app_levels(new)
    if before is None or after is None:
        return None
    wider = [f"{name}: {level}" + (f" (was {before[name]})" if name in before else "")
             for name, level in sorted(after.items())
             if name not in before or rank(level) > rank(before[name])]
    if wider:
        return BROADENING, "GitHub App permissions: " + ", ".join(wider)
    narrower = [f"{name}: {level} -> " + after.get(name, "(none)")
                for name, level in sorted(before.items()) if after.get(name) != level]
    return NARROWING, "GitHub App permissions: " + ", ".join(narrower)


def _names(value: Any) -> set[str] | None:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        return None
    return set(value)


def repositories(what: str) -> Judge:
    """A list of repositories named ``what``: one added broadens, one removed narrows;
    the same ones in another order are harmless; anything but a list of names is
    unclassified."""
    def judge(old: Any, new: Any) -> Verdict | None:
        before, after = _names(old), _names(new)
        if before is None or after is None:
            return None
        if after - before:
            return BROADENING, f"{what}: new " + ", ".join(sorted(after - before))
        if before - after:
            return NARROWING, f"{what}: removed " + ", ".join(sorted(before - after))
        return HARMLESS, f"{what}: the same repositories, in another order"
    return judge


def _app_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > 0:
        return int(value)
    return None


def set_id(what: str) -> Judge:
    """An App's id or installation id: set for the first time or changed broadens (it
    points the agent at an App or installation whose access is now real); removed
    narrows; anything but a positive number is unclassified."""
    def judge(old: Any, new: Any) -> Verdict | None:
        before = None if old in (None, MISSING) else _app_id(old)
        after = None if new in (None, MISSING) else _app_id(new)
        if (before is None and old not in (None, MISSING)) or (
                after is None and new not in (None, MISSING)):
            return None
        if after is None:
            return NARROWING, f"{what} {before} removed"
        if before is None:
            return BROADENING, f"{what} set: {after}"
        if before == after:
            return HARMLESS, f"the same {what}, written differently"
        return BROADENING, f"{what} changed: {before} -> {after}"
    return judge


def stored_secrets(old: Any, new: Any) -> Verdict | None:
    """A secret store's secrets (deploy keys' private halves, the GitHub App's key), each
    compared whole: one added or changed broadens (the agent's identity reads it), one
    removed narrows, the same ones in another order are harmless; anything but a list
    of objects is unclassified."""
    if not all(isinstance(v, (list, tuple)) and all(isinstance(e, dict) for e in v)
               for v in (old, new)):
        return None
    before, after = ({json.dumps(e, sort_keys=True) for e in v} for v in (old, new))
    if after - before:
        return BROADENING, "new stored secrets: " + _secret_names(after - before)
    if before - after:
        return NARROWING, "stored secrets removed: " + _secret_names(before - after)
    return HARMLESS, "the same stored secrets, in another order"


def _secret_names(rows: set[str]) -> str:
    return ", ".join(sorted(str(json.loads(row).get("name", row)) for row in rows))
