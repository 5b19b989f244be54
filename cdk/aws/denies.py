"""The denies of an agent's permissions boundary: what no scope can lift.

The always-on ones (no identity or credential changes, no other roles' sessions, no
key or secret policy changes, no writes to agents' secrets: docs/architecture.md
§6.2), the isolation from other agents' resources, every agent's alert rules (no
agent may mute an alert: docs/alerts.md), and the record's ``must_never_hold``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from ..model import Agent, AwsDefaults
from ..names import (
    AGENT_TAG,
    MANAGED_BY,
    MANAGED_BY_TAG,
    SECRETS_PREFIX,
    kms_alias,
    principal,
    role_name,
)
from ..plan import never_hold
from . import catalog
from .document import policy_size
from .grants import Grant
from .secret_plan import SECRET_POLICY_ACTIONS, SECRET_WRITE_ACTIONS

# Every IAM action that creates, changes or deletes an identity, policy or
# credential starts with one of these verbs; a test holds them against the catalog
# (all IAM Write, Permissions management and Tagging actions, no Read or List).
# Verb patterns rather than the ~110 names keep the boundary inside IAM's 6,144
# characters and also cover IAM actions added after this catalog.
IAM_WRITE_PATTERNS = (
    "iam:Accept*", "iam:Add*", "iam:Associate*", "iam:Attach*", "iam:Change*",
    "iam:Create*", "iam:Deactivate*", "iam:Delete*", "iam:Detach*", "iam:Disable*",
    "iam:Enable*", "iam:PassRole", "iam:Put*", "iam:Reject*", "iam:Remove*", "iam:Reset*",
    "iam:Resync*", "iam:Send*", "iam:Set*", "iam:Tag*", "iam:Untag*", "iam:Update*",
    "iam:Upload*",
)
# Each of these hands out a session of another role (or of the account root).
ASSUME_PATTERNS = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
                   "sts:AssumeRoot", "sts:GetFederationToken")
# Grants and key policies decide who may use a key; CreateKey and ReplicateKey
# take a key policy too.
KEY_POLICY_ACTIONS = ("kms:CreateGrant", "kms:CreateKey", "kms:PutKeyPolicy",
                      "kms:ReplicateKey", "kms:RetireGrant", "kms:RevokeGrant")
# What could mute an alert rule (every agent's, named ``agent-<name>-...``): delete or
# disable it, rewrite its pattern or state (PutRule; EnableRule sets plain ENABLED,
# which skips read-only events), retarget it or rewrite its message (PutTargets,
# RemoveTargets), or change its tags. Denied on ``rule/agent-*`` in every Region.
ALERT_RULE_ACTIONS = ("events:DeleteRule", "events:DisableRule", "events:EnableRule",
                      "events:PutRule", "events:PutTargets", "events:RemoveTargets",
                      "events:TagResource", "events:UntagResource")
# What could stop a topic delivering the agent's alerts: delete it, rewrite its access
# policy, delivery or encryption settings, remove EventBridge's permission, or add a
# data protection policy that denies publishing. Refused by a rule on every topic any
# agent of the file alerts to (AgentId-AwsAlertTamper), not denied by the boundary:
# such a deny would make each agent's boundary follow its alert channels, so adding
# or removing a channel would become an access change (docs/alerts.md).
# sns:Unsubscribe and sns:SetSubscriptionAttributes have no resource-level
# permissions: they could be denied only on every topic of the account, which would
# forbid every agent every subscription change, so they are not.
ALERT_TOPIC_ACTIONS = ("sns:DeleteTopic", "sns:PutDataProtectionPolicy",
                       "sns:RemovePermission", "sns:SetTopicAttributes")
ALERT_TAMPER_WHY = (
    "agentid always denies it: an alert exists so that the principal it watches cannot "
    "switch it off, so no agent may delete, disable, rewrite or retarget any agent's "
    "alert rules, or stop the alert topics delivering"
)
CREDENTIAL_CHANGE_WHY = (
    "agentid always denies it: creating, changing or deleting identities, policies, "
    "keys' and secrets' policies or agent credentials (its own included) is a human "
    "decision made in a reviewed change, never an agent's"
)


@dataclass(frozen=True)
class Deny:
    """One explicit deny: action patterns on resource patterns (with a condition:
    only the resources it selects)."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ("*",)
    condition: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def statement(self) -> dict[str, Any]:
        """The IAM statement, actions and resources sorted."""
        statement: dict[str, Any] = {"Sid": self.sid, "Effect": "Deny",
                                     "Action": sorted(self.actions),
                                     "Resource": sorted(self.resources)}
        if self.condition:
            statement["Condition"] = {op: dict(pairs) for op, pairs in self.condition}
        return statement


def always_denies(agent: Agent, aws: AwsDefaults) -> tuple[Deny, ...]:
    """The denies every agent carries, whatever its scope says."""
    return _always_denies(aws.partition, aws.account_id)


@functools.lru_cache(maxsize=64)
def _always_denies(partition: str, account_id: str) -> tuple[Deny, ...]:
    return (
        Deny("DenyAgentSecretWrites", SECRET_WRITE_ACTIONS,
             (_agent_secrets(partition, account_id),)),
        Deny("DenyAssumingOtherRoles", ASSUME_PATTERNS),
        Deny("DenyIdentityAndCredentialChanges", IAM_WRITE_PATTERNS),
        Deny("DenyKeyPolicyChanges", KEY_POLICY_ACTIONS),
        Deny("DenySecretPolicyChanges", SECRET_POLICY_ACTIONS),
    )


def alert_rules_pattern(partition: str, account_id: str) -> str:
    """Every agent's EventBridge alert rules (``agent-<name>-...`` on the default bus),
    in every Region of the account."""
    return f"arn:{partition}:events:*:{account_id}:rule/{principal('*')}"


def alert_rule_deny(aws: AwsDefaults) -> Deny:
    """The boundary's deny of every write that could mute an agent's alert rules."""
    return _alert_rule_deny(aws.partition, aws.account_id)


@functools.lru_cache(maxsize=64)
def _alert_rule_deny(partition: str, account_id: str) -> Deny:
    return Deny("DenyAlertRuleChanges", ALERT_RULE_ACTIONS,
                (alert_rules_pattern(partition, account_id),))


def alert_topic_deny(topics: tuple[str, ...]) -> Deny:
    """What the rules refuse on the alert topics (``topics``); not in the boundary."""
    return Deny("DenyAlertTopicChanges", ALERT_TOPIC_ACTIONS, topics)


def _agent_secrets(partition: str, account_id: str) -> str:
    return f"arn:{partition}:secretsmanager:*:{account_id}:secret:{SECRETS_PREFIX}*"


def _agent_key_aliases(partition: str, account_id: str) -> str:
    return f"arn:{partition}:kms:*:{account_id}:{kms_alias('*')}"


def agent_owned_patterns(aws: AwsDefaults) -> tuple[tuple[str, str], ...]:
    """ARN patterns of what agentid creates for agents: (pattern, what it is).

    No scope may name them: an agent reaches its own secrets and key only through
    the grants agentid writes, and never another agent's.
    """
    p, account = aws.partition, aws.account_id
    return (
        (_agent_secrets(p, account), "agents' deploy-key secrets"),
        (_agent_key_aliases(p, account), "agents' KMS key aliases"),
        (f"arn:{p}:iam::{account}:role/{role_name('*')}", "agents' IAM roles"),
        (f"arn:{p}:iam::{account}:policy/{principal('*')}", "agents' permissions boundaries"),
        (f"arn:{p}:iam::{account}:oidc-provider/*", "the account's OIDC providers"),
    )


def isolation_denies(agent: Agent, aws: AwsDefaults) -> tuple[Deny, ...]:
    """The backstop behind the rule that refuses grants on other agents' resources.

    Every role, key and secret agentid creates carries ``managed-by: agentid`` and
    ``agent: <name>``, and no agent may change tags (IAM ``Tag*`` and secret tagging
    are denied; this deny covers ``kms:TagResource`` on those keys). So a deny on
    resources tagged for another agent holds whatever a scope says, even through a
    key id or glob no rule could attribute. Aliases of agents' keys are denied
    outright: only a human moves an alias.
    """
    return _isolation_denies(aws.partition, aws.account_id, agent.name)


@functools.lru_cache(maxsize=16384)
def _isolation_denies(partition: str, account_id: str, name: str) -> tuple[Deny, ...]:
    return (
        Deny("DenyAgentKeyAliases", ("kms:*",), (_agent_key_aliases(partition, account_id),)),
        Deny("DenyOtherAgentsResources", ("iam:*", "kms:*", "secretsmanager:*", "sts:*"),
             (f"arn:{partition}:iam::{account_id}:role/*",
              f"arn:{partition}:kms:*:{account_id}:key/*",
              f"arn:{partition}:secretsmanager:*:{account_id}:secret:*"),
             (("StringEquals", ((f"aws:ResourceTag/{MANAGED_BY_TAG}", MANAGED_BY),)),
              ("StringNotEquals", ((f"aws:ResourceTag/{AGENT_TAG}", name),)))),
    )


def must_never_hold_deny(agent: Agent) -> Deny | None:
    """The record's ``must_never_hold`` entries as one explicit deny."""
    return _never_hold_deny(never_hold(agent, "aws"))


@functools.lru_cache(maxsize=4096)
def _never_hold_deny(entries: tuple[str, ...]) -> Deny | None:
    return Deny("DenyMustNeverHold", entries) if entries else None


def boundary_denies(agent: Agent, aws: AwsDefaults) -> tuple[Deny, ...]:
    """Every deny of the boundary: the always-on ones, the isolation from other
    agents, every agent's alert rules and the record's ``must_never_hold``."""
    return _boundary_denies(aws.partition, aws.account_id, agent.name,
                            never_hold(agent, "aws"))


# Keyed by what the denies depend on.
@functools.lru_cache(maxsize=16384)
def _boundary_denies(partition: str, account_id: str, name: str, never: tuple[str, ...]
                     ) -> tuple[Deny, ...]:
    denies = (*_always_denies(partition, account_id),
              *_isolation_denies(partition, account_id, name),
              _alert_rule_deny(partition, account_id))
    never_deny = _never_hold_deny(never)
    return denies if never_deny is None else (*denies, never_deny)


def overlap(grant: Grant, deny: Deny) -> tuple[str, ...]:
    """Actions of ``grant`` that ``deny`` blocks on some resource both name."""
    # Actions first: that answer is cached across agents (access levels expand to
    # the same lists) and is almost always empty, so resources are rarely compared.
    blocked = catalog.blocked_actions(grant.actions, deny.actions)
    if not blocked or not any(catalog.globs_overlap(r, d)
                              for r in grant.resources for d in deny.resources):
        return ()
    return blocked


def boundary_deny_sizes(agent: Agent, aws: AwsDefaults) -> tuple[int, ...]:
    """:func:`~cdk.aws.document.policy_size` of each of :func:`boundary_denies`, the
    denies shared by every agent measured once per run."""
    partition, account_id, name = aws.partition, aws.account_id, agent.name
    # The isolation denies differ between agents only by the name in one condition
    # (names are plain ASCII): measured once with an empty name, plus its length.
    shared = _shared_deny_sizes(partition, account_id, never_hold(agent, "aws"))
    return (*shared, *(size + len(name) * uses for size, uses
                       in _isolation_sizes(partition, account_id)))


@functools.lru_cache(maxsize=4096)
def _shared_deny_sizes(partition: str, account_id: str, never: tuple[str, ...]
                       ) -> tuple[int, ...]:
    never_deny = _never_hold_deny(never)
    denies = (*_always_denies(partition, account_id), _alert_rule_deny(partition, account_id),
              *(() if never_deny is None else (never_deny,)))
    return tuple(policy_size(d.statement()) for d in denies)


@functools.lru_cache(maxsize=64)
def _isolation_sizes(partition: str, account_id: str) -> tuple[tuple[int, int], ...]:
    # (size with an empty name, how many times the name appears): once, in the
    # condition of the deny that has one.
    return tuple((policy_size(d.statement()), int(bool(d.condition)))
                 for d in _isolation_denies(partition, account_id, ""))
