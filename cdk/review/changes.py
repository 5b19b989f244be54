"""Every difference between two contents of a stack, classified by the one list of rules.

A stack's content is ``address -> attribute -> value`` (:func:`synthesized_content`
from a ``cdk.tf.json``, or :mod:`cdk.review.plans` with ``--no-synth``). Each
attribute that differs is judged by the rule :mod:`cdk.review.content` holds for its
kind and name; a created or removed resource by the creation, removal and
replacement lists there. What no rule classifies is unclassified.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..subjects import classify_subject_change
from .content import (
    CREATED,
    CREATION,
    PRINCIPALS,
    REMOVAL_HARMLESS,
    REMOVAL_NARROWS,
    REPLACEMENTS,
    lock_rule_for,
    rule_for,
)
from .diff import strip_metadata
from .verdicts import (
    BROADENING,
    EXPIRY,
    HARMLESS,
    MISSING,
    NARROWING,
    NEEDS_APPROVAL,
    UNCLASSIFIED,
    Verdict,
)

Content = dict[str, dict[str, Any]]
_EXPIRES = "<expires>"


@dataclass(frozen=True, order=True)
class ContentChange:
    """One classified difference: where it is, what kind of change, and why."""

    stack: str
    address: str
    attribute: str
    kind: str
    note: str

    @property
    def where(self) -> str:
        """``stack: address.attribute`` as the packet names it."""
        attribute = f".{self.attribute}" if self.attribute != "*" else ""
        return f"{self.stack}: {self.address}{attribute}"


def synthesized_content(stack: Mapping[str, Any] | None) -> Content:
    """Every resource, data source, provider and the backend of a ``cdk.tf.json``."""
    content: Content = {}
    if not stack:
        return content
    data = strip_metadata(stack)
    for section, value in data.items():
        if section == "resource":
            for kind, by_name in value.items():
                for name, body in by_name.items():
                    content[f"{kind}.{name}"] = dict(body)
        elif section == "data":
            for kind, by_name in value.items():
                for name, body in by_name.items():
                    content[f"data.{kind}.{name}"] = dict(body)
        elif section == "provider":
            for kind, configs in value.items():
                content[f"provider.{kind}"] = {"config": configs}
        elif section == "terraform":
            settings = dict(value)
            backend = settings.pop("backend", None)
            if backend is not None:
                content["terraform.backend"] = dict(backend)
            if "cloud" in settings:
                content["terraform.backend"] = {"cloud": settings.pop("cloud")}
            content["terraform"] = settings
        else:
            content[section] = value if isinstance(value, dict) else {"value": value}
    return content


def kind_of(address: str) -> str:
    """``aws_iam_role.x`` -> ``aws_iam_role``; ``plan.deploy_key.a/b`` -> ``plan.deploy_key``."""
    head, _, rest = address.partition(".")
    if head == "plan":
        return f"plan.{rest.split('.', 1)[0]}"
    if address == "terraform.backend":
        return address
    return head


def mask_expiry(value: Any, expires: date | None) -> Any:
    """``value`` with every occurrence of the ``expires`` date replaced by a placeholder."""
    if expires is None:
        return value
    stamp = expires.isoformat()
    if isinstance(value, str):
        return value.replace(stamp, _EXPIRES)
    if isinstance(value, dict):
        return {k: mask_expiry(v, expires) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_expiry(v, expires) for v in value]
    return value


# What a change does to the agent's lock, for :func:`compare`: the head locks it (the
# lock's forms narrow), or the head lifts the base's lock (leaving them broadens).
LOCKING = "locking"
UNLOCKING = "unlocking"


def classify(kind: str, attribute: str, old: Any, new: Any,
             expires: tuple[date | None, date | None] = (None, None),
             lock: str | None = None,
             bodies: tuple[Mapping[str, Any], Mapping[str, Any]] = ({}, {})) -> Verdict:
    """The verdict on one attribute that differs; unclassified when no rule speaks
    (``bodies``: the base's and the head's whole resource, for the lock's forms)."""
    if expires != (None, None):
        # Judged without the expiry date: the expiry gate judges that, with the base's limit.
        old, new = mask_expiry(old, expires[0]), mask_expiry(new, expires[1])
        if old == new:
            return EXPIRY, "moves with `expires` (the expiry gate judges it)"
    locked = lock_rule_for(kind, attribute) if lock is not None else None
    if locked is not None:
        if lock == LOCKING and (note := locked.form(new, bodies[1])) is not None:
            return NARROWING, f"locked: {note}"
        was = locked.form(old, bodies[0]) if lock == UNLOCKING else None
        if was is not None and locked.form(new, bodies[1]) is None:
            return BROADENING, f"unlocked: the lock's form is lifted (was: {was})"
    rule = rule_for(kind, attribute)
    if rule is not None:
        verdict = rule.judge(old, new)
        if verdict is not None:
            return verdict
    return UNCLASSIFIED, "no rule classifies this change"


def compare(stack: str, base: Content, head: Content,
            expires: tuple[date | None, date | None] = (None, None),
            lock: str | None = None) -> tuple[ContentChange, ...]:
    """Every difference between two contents of ``stack``, classified (``lock``:
    :data:`LOCKING` or :data:`UNLOCKING` when the change locks or unlocks the agent)."""
    changes: list[ContentChange] = []
    removals = _removals(base, head)
    for address in sorted(set(base) | set(head)):
        kind = kind_of(address)
        if address not in base:
            verdict = _replacement(kind, head[address], base, head) or (
                CREATED[kind][0](head[address]) if kind in CREATED else CREATION.get(
                    kind.split(".", 1)[0] if kind.startswith("data.") else kind,
                    (BROADENING, f"new {kind}")))
            changes.append(ContentChange(stack, address, "*", *verdict))
            continue
        if address not in head:
            changes.append(ContentChange(stack, address, "*", *removals[address]))
            continue
        old, new = base[address], head[address]
        for attribute in sorted(set(old) | set(new)):
            before, after = old.get(attribute, MISSING), new.get(attribute, MISSING)
            if before == after:
                continue
            changes.append(ContentChange(stack, address, attribute,
                                         *classify(kind, attribute, before, after, expires,
                                                   lock, (old, new))))
    return tuple(changes)


def _references(body: Any, address: str) -> bool:
    return f"${{{address}." in json.dumps(body)


def _removals(base: Content, head: Content) -> dict[str, Verdict]:
    """Verdict on every resource of ``base`` that ``head`` lacks.

    Listed kinds narrow; a resource of a cloud whose identity left the stack narrows;
    so does one removed together with a narrowing removal it references or that
    references it (a secret's policy with the secret). Everything else is unclassified.
    """
    removed = sorted(set(base) - set(head))
    verdicts: dict[str, Verdict] = {}
    for address in removed:
        kind = kind_of(address)
        if kind in REMOVAL_HARMLESS:
            verdicts[address] = (HARMLESS, f"removed: {REMOVAL_HARMLESS[kind]}")
            continue
        reason = REMOVAL_NARROWS.get("data" if kind.startswith("data.") else kind)
        if reason is not None:
            verdicts[address] = (NARROWING, f"removed: {reason}")
            continue
        gone = next((principal for prefix, principal in PRINCIPALS.items()
                     if kind.startswith(prefix)
                     and not any(kind_of(a) == principal for a in head)), None)
        if gone is not None:
            verdicts[address] = (NARROWING, f"removed with the stack's last {gone}: "
                                            "nothing is left for it to guard or serve")
    changed = True
    while changed:
        changed = False
        for address in removed:
            if address in verdicts:
                continue
            partner = next((other for other in verdicts if verdicts[other][0] == NARROWING
                            and (_references(base[address], other)
                                 or _references(base[other], address))), None)
            if partner is not None:
                verdicts[address] = (NARROWING, f"removed together with {partner}, which it "
                                                "guards or serves")
                changed = True
    for address in removed:
        verdicts.setdefault(address, (UNCLASSIFIED,
                                      "removed, and no rule says removing it narrows"))
    return verdicts


def _respelled_credential(body: Mapping[str, Any], base: Content, head: Content
                          ) -> Verdict | None:
    """A new Azure credential whose subject is the immutable spelling of a removed one's
    (same identity, issuer and audience; the legacy subject gone from the head)."""
    keys = ("user_assigned_identity_id", "issuer", "audience")
    still = {str(head[a].get("subject")) for a in head
             if kind_of(a) == "azurerm_federated_identity_credential"}
    for address in set(base) - set(head):
        old = base[address]
        if kind_of(address) != "azurerm_federated_identity_credential" or any(
                old.get(k) != body.get(k) for k in keys) or old.get("subject") in still:
            continue
        change = classify_subject_change({str(old.get("subject"))}, {str(body.get("subject"))})
        if change.respelled and not change.broadened:
            return NARROWING, "the same job's credential, respelled: " + change.respelled[0]
    return None


def _replacement(kind: str, body: Mapping[str, Any], base: Content, head: Content
                 ) -> Verdict | None:
    """The verdict of a created resource that replaces a removed one granting the same."""
    if kind == "azurerm_federated_identity_credential":
        return _respelled_credential(body, base, head)
    for created, removed, keys, verdict in REPLACEMENTS:
        if kind != created:
            continue
        for address in set(base) - set(head):
            if kind_of(address) == removed and all(
                    base[address].get(k) == body.get(k) for k in keys):
                return verdict
    return None


def needing_approval(changes: Iterable[ContentChange]) -> list[ContentChange]:
    """Changes that pass only with a new escalation."""
    return [c for c in changes if c.kind in NEEDS_APPROVAL]
