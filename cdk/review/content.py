"""Fail closed: every difference in what a stack holds is classified, or it needs approval.

A stack's content is ``address -> attribute -> value``: the synthesized
``cdk.tf.json`` (every resource, data source, provider and the backend, without
``//`` metadata) when review synthesizes, or the plans the stack is built from
with ``--no-synth`` (:mod:`cdk.review.plans`). Each attribute that differs
between base and head is judged by the one rule :data:`RULES` holds for its
kind and name: a *narrowing*, a *broadening* (named), or *harmless* (each rule
says why). A difference no rule classifies is *unclassified*: like a broadening,
it passes only with a new escalation, and the packet names its stack, resource
and attribute. Values that differ only by the agent's ``expires`` date are
judged by the expiry gate (against the base's limit), not here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..names import AGENT_TAG, MANAGED_BY_TAG, PIN_KEY, REPOSITORY_ID_KEY, SUB_KEY
from ..subjects import classify_subject_change
from .diff import diff_trust, expand, strip_metadata

Content = dict[str, dict[str, Any]]

NARROWING = "narrowing"
BROADENING = "broadening"
HARMLESS = "harmless"
EXPIRY = "expiry"
UNCLASSIFIED = "unclassified"
# What needs a new escalation.
NEEDS_APPROVAL = frozenset({BROADENING, UNCLASSIFIED})
_MISSING = object()
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


Verdict = tuple[str, str]
Judge = Callable[[Any, Any], Verdict | None]


@dataclass(frozen=True)
class Rule:
    """How differences of ``attributes`` of resources of ``kinds`` are judged, and why."""

    kinds: tuple[str, ...]
    attributes: tuple[str, ...]
    judge: Judge
    reason: str


# --------------------------------------------------------------------------- judges


def _text(value: Any) -> str:
    return "(absent)" if value is _MISSING or value is None else json.dumps(
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


def _read_only(old: Any, new: Any) -> Verdict | None:
    if old is True and new is False:
        return BROADENING, "deploy key read-only -> write"
    if old is False and new is True:
        return NARROWING, "deploy key write -> read-only"
    return None


def _pin(old: Any, new: Any) -> Verdict:
    if old in (None, _MISSING):
        return NARROWING, f"deployments now pinned to {new}"
    if new in (None, _MISSING):
        return BROADENING, f"pin {old} dropped: any branch the policy allows may deploy"
    return BROADENING, f"pin moved {old} -> {new}"


def _document(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _policy(old: Any, new: Any) -> Verdict | None:
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


def _trust(old: Any, new: Any) -> Verdict | None:
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
    if value in (None, _MISSING):
        return set()
    if not isinstance(value, (list, tuple)):
        return {_text(value)}
    return {_text(v) for v in value}


def _grants(what: str) -> Judge:
    def judge(old: Any, new: Any) -> Verdict:
        added, removed = _items(new) - _items(old), _items(old) - _items(new)
        if added:
            return BROADENING, f"new {what}: " + "; ".join(sorted(added))
        return NARROWING, f"{what} removed: " + "; ".join(sorted(removed))
    return judge


def _denies(what: str) -> Judge:
    def judge(old: Any, new: Any) -> Verdict:
        added, removed = _items(new) - _items(old), _items(old) - _items(new)
        if removed:
            return BROADENING, f"no longer {what}: " + "; ".join(sorted(removed))
        return NARROWING, f"now {what}: " + "; ".join(sorted(added))
    return judge


def _assignment_kind(old: Any, new: Any) -> Verdict | None:
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


def _pool_condition(old: Any, new: Any) -> Verdict | None:
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


def _credentials(old: Any, new: Any) -> Verdict | None:
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
        return _grants("Azure grants")(old, new)
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


def _deny_policy(old: Any, new: Any) -> Verdict | None:
    before, after = _deny_rules(old), _deny_rules(new)
    if before is None or after is None or before[0] != after[0]:
        return None
    return _denies("denied")(sorted(before[1]), sorted(after[1]))


# --------------------------------------------------------------------------- the one list

_EVERY_KIND = ("*",)
# Tags the isolation denies read (aws:ResourceTag/agent, aws:ResourceTag/managed-by):
# a change to them changes which resources another agent is denied.
_GUARD_TAGS = (AGENT_TAG, MANAGED_BY_TAG)
_METADATA = ("metadata for people and inventories (owner, expires); a change to a tag the "
             f"isolation denies read ({', '.join(_GUARD_TAGS)}) is unclassified")


def _tags(old: Any, new: Any) -> Verdict | None:
    before = old if isinstance(old, dict) else {}
    after = new if isinstance(new, dict) else {}
    if any(before.get(tag) != after.get(tag) for tag in _GUARD_TAGS):
        return None
    return HARMLESS, _METADATA

RULES: tuple[Rule, ...] = (
    # Harmless: what no access decision depends on.
    Rule(_EVERY_KIND, ("tags", "tags_all", "labels"), _tags, _METADATA),
    Rule(_EVERY_KIND, ("description", "display_name", "justification"),
         harmless("human-readable text; grants nothing"), "human-readable text; grants nothing"),
    Rule(("github_actions_environment_variable", "plan.environment"), ("value", "variables"),
         harmless("names the identity a run uses; what it may do is compared on its own "
                  "resources"),
         "environment variables name the identity a run uses (role ARN, region, client id); "
         "what that identity may do is compared on its own resources"),
    # Policy documents, compared as statement rows.
    Rule(("aws_iam_role", "plan.aws_role"), ("assume_role_policy", "trust_policy"), _trust,
         "trust: a new subject, repository id or a lifted pin broadens; removed ones narrow; "
         "any other condition or principal change is unclassified"),
    Rule(("aws_iam_role_policy", "aws_iam_policy", "aws_kms_key",
          "aws_secretsmanager_secret_policy", "plan.aws_scope"),
         ("policy", "permissions", "boundary"), _policy,
         "policy documents: an allow added or a deny removed broadens; the reverse narrows"),
    # Weakened controls.
    Rule(("aws_iam_role", "plan.aws_role"), ("max_session_duration",),
         longer_broadens("session seconds"), "a longer session outlives a revocation longer"),
    Rule(("time_rotating", "plan.deploy_key"), ("rotation_days",),
         longer_broadens("deploy key rotation days"), "a key that lives longer is a wider "
         "exposure"),
    Rule(("github_repository_deploy_key", "plan.deploy_key"), ("read_only",), _read_only,
         "write access to a repository is a grant"),
    Rule(("github_repository_environment", "plan.environment"),
         ("reviewers", "reviewer_teams", "reviewer_users"), broadens("required reviewers"),
         "fewer or different approvers change who may release a run's credentials; any "
         "change needs an approval"),
    Rule(("github_repository_environment",), ("deployment_branch_policy",),
         broadens("deployment branch policy"), "which branches may deploy is the run's pin"),
    Rule(("github_repository_environment_deployment_policy", "plan.environment"),
         ("branch_pattern", "tag_pattern"), _pin,
         "a dropped or moved workflow pin lets other code obtain the credentials"),
    Rule(("terraform.backend",), _EVERY_KIND, broadens("state backend"),
         "state holds deploy keys' private halves: writing it elsewhere is a grant to "
         "whoever reads there"),
    Rule(("plan.gcp_service_account",), ("bindings", "workload_identity_members"),
         _grants("Google Cloud grants"), "bindings and impersonation members are grants"),
    Rule(("plan.gcp_service_account",), ("denied_permissions",),
         _denies("denied on Google Cloud"), "deny policy permissions guard the agent"),
    Rule(("plan.azure_identity",), ("credentials",), _credentials,
         "federated credentials are grants: a new subject broadens, unless it is the "
         "immutable subject of a job whose legacy subject it replaces (a respelling that "
         "pins the ids); removed ones narrow"),
    Rule(("plan.azure_identity",), ("assignments",), _grants("Azure grants"),
         "role assignments are grants"),
    Rule(("plan.azure_identity", "plan.secret_store"), ("assignment_kind",), _assignment_kind,
         "time-bound assignments make Azure end access at expiry"),
    Rule(("google_iam_workload_identity_pool_provider", "plan.gcp_pool"),
         ("attribute_condition",), _pool_condition,
         "the pool's condition lists the exact repository ids, environments and subjects "
         "it admits: a new job or a second subject form broadens, a legacy subject "
         "respelled immutable with the same ids or one removed narrows; any other change "
         "is unclassified"),
    Rule(("google_iam_deny_policy",), ("rules",), _deny_policy,
         "a permission no longer denied broadens; one newly denied narrows; a change to "
         "whom the rules deny is unclassified"),
    Rule(("terraform",), ("required_providers",),
         harmless("provider versions the code pins; they change with providers added or "
                  "removed, whose resources are judged on their own"),
         "provider versions the code pins; they change with providers added or removed, "
         "whose resources are judged on their own"),
)

_INDEX: dict[tuple[str, str], Rule] = {
    (kind, attribute): rule for rule in RULES for kind in rule.kinds
    for attribute in rule.attributes}

# Kinds whose creation is harmless or narrows, and whose removal narrows; every
# other creation broadens and every other removal is unclassified.
_PROVIDER = ("a provider block only configures how resources are managed; the resources "
             "it manages are judged on their own")
CREATION: dict[str, Verdict] = {
    "data": (HARMLESS, "a data source only reads; its value is judged where it is used"),
    "provider": (HARMLESS, _PROVIDER),
    "github_repository_ruleset": (NARROWING, "GitHub now enforces the review of this file"),
    "plan.identities_ruleset": (NARROWING, "GitHub now enforces the review of this file"),
}
REMOVAL_NARROWS: dict[str, str] = {
    "data": "a data source only reads",
    "provider": _PROVIDER,
    **{kind: "a grant or credential removed" for kind in (
        "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policies_exclusive",
        "aws_iam_role_policy_attachments_exclusive", "github_repository_deploy_key",
        "tls_private_key", "time_rotating", "time_static", "aws_secretsmanager_secret",
        "aws_secretsmanager_secret_version", "google_service_account",
        "google_service_account_iam_member", "google_project_iam_member",
        "google_storage_bucket_iam_member", "google_secret_manager_secret_iam_member",
        "google_secret_manager_secret", "google_secret_manager_secret_version",
        "azurerm_user_assigned_identity", "azurerm_federated_identity_credential",
        "azurerm_role_assignment", "azurerm_pim_active_role_assignment",
        "azurerm_key_vault_secret", "plan.aws_role", "plan.aws_scope", "plan.deploy_key",
        "plan.secret_store", "plan.gcp_service_account", "plan.azure_identity")},
    **{kind: "an environment goes with its runs_on entry, whose subject leaves the trust "
             "in the same change" for kind in (
        "github_repository_environment", "github_repository_environment_deployment_policy",
        "github_actions_environment_variable", "plan.environment")},
}


# (created kind, removed kind, attributes that must match, verdict): one resource
# replacing another that grants the same thing, judged as a pair.
REPLACEMENTS: tuple[tuple[str, str, tuple[str, ...], Verdict], ...] = (
    ("azurerm_pim_active_role_assignment", "azurerm_role_assignment",
     ("scope", "role_definition_id", "principal_id"),
     (NARROWING, "the same role assignment, now time-bound: Azure ends it at expiry")),
    ("azurerm_role_assignment", "azurerm_pim_active_role_assignment",
     ("scope", "role_definition_id", "principal_id"),
     (BROADENING, "the same role assignment, no longer time-bound: Azure no longer ends it "
                  "at expiry")),
)


def explain_rules() -> list[tuple[str, str, str]]:
    """(kinds, attributes, reason) of every rule, for docs/review.md's gate list."""
    rows = [(", ".join(r.kinds), ", ".join(r.attributes), r.reason) for r in RULES]
    rows += [(kind, "(created)", f"{verdict}: {reason}")
             for kind, (verdict, reason) in sorted(CREATION.items())]
    by_reason: dict[str, list[str]] = {}
    for kind, reason in REMOVAL_NARROWS.items():
        by_reason.setdefault(reason, []).append(kind)
    rows += [(", ".join(sorted(kinds)), "(removed)", f"{NARROWING}: {reason}")
             for reason, kinds in sorted(by_reason.items())]
    rows += [(f"{prefix}* without a {principal} left in the stack", "(removed)",
              f"{NARROWING}: nothing is left for it to guard or serve")
             for prefix, principal in PRINCIPALS.items()]
    rows.append(("*", "(removed together with a narrowing removal it references, or that "
                      "references it)", f"{NARROWING}: a guard goes with what it guards"))
    rows += [(f"{created} replacing {removed}", ", ".join(keys), f"{verdict}: {reason}")
             for created, removed, keys, (verdict, reason) in REPLACEMENTS]
    rows.append(("*", "(any value that differs only by `expires`)",
                 "judged by AgentId-Review-ExpiryBeyondPolicy against the base's limit"))
    return rows


# --------------------------------------------------------------------------- content


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


def classify(kind: str, attribute: str, old: Any, new: Any,
             expires: tuple[date | None, date | None] = (None, None)) -> Verdict:
    """The verdict on one attribute that differs; unclassified when no rule speaks."""
    if expires != (None, None):
        # Judged without the expiry date: the expiry gate judges that, with the base's limit.
        old, new = mask_expiry(old, expires[0]), mask_expiry(new, expires[1])
        if old == new:
            return EXPIRY, "moves with `expires` (the expiry gate judges it)"
    rule = _INDEX.get((kind, attribute)) or _INDEX.get((kind, "*")) or _INDEX.get(
        ("*", attribute))
    if rule is not None:
        verdict = rule.judge(old, new)
        if verdict is not None:
            return verdict
    return UNCLASSIFIED, "no rule classifies this change"


def compare(stack: str, base: Content, head: Content,
            expires: tuple[date | None, date | None] = (None, None)
            ) -> tuple[ContentChange, ...]:
    """Every difference between two contents of ``stack``, classified."""
    changes: list[ContentChange] = []
    removals = _removals(base, head)
    for address in sorted(set(base) | set(head)):
        kind = kind_of(address)
        if address not in base:
            verdict = _replacement(kind, head[address], base, head) or CREATION.get(
                kind.split(".", 1)[0] if kind.startswith("data.") else kind,
                (BROADENING, f"new {kind}"))
            changes.append(ContentChange(stack, address, "*", *verdict))
            continue
        if address not in head:
            changes.append(ContentChange(stack, address, "*", *removals[address]))
            continue
        old, new = base[address], head[address]
        for attribute in sorted(set(old) | set(new)):
            before, after = old.get(attribute, _MISSING), new.get(attribute, _MISSING)
            if before == after:
                continue
            changes.append(ContentChange(stack, address, attribute,
                                         *classify(kind, attribute, before, after, expires)))
    return tuple(changes)


# The identity a cloud's resources guard or serve: once it is gone from a stack,
# removing the rest of that cloud's resources there takes nothing from anyone.
PRINCIPALS = {"aws_": "aws_iam_role", "google_": "google_service_account",
              "azurerm_": "azurerm_user_assigned_identity", "plan.aws_": "plan.aws_role"}


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
