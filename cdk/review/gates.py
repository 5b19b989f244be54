"""The review gates: their stable ids and why each exists. A failed gate is a
:class:`cdk.errors.Gate`, the one Finding type plus the fields only a gate has."""

from __future__ import annotations

from ..checks import dated_rules
from ..errors import Gate
from . import escalations as esc

__all__ = ["GATES_WHY", "Gate"]

MIN_REASON_CHARS = esc.MIN_REASON_CHARS
# Rules that judge a record against today's date. A base that was valid when it
# merged may fail them now (an expiry passed); that is what the change may fix,
# so they do not make the base invalid.
TIME_RULES = dated_rules()
# A head that only breaks the lifetime policy is still planned, so the packet
# shows the extension next to its own gate.
HEAD_TOLERATED = frozenset({"AgentId-ExpiryBeyondPolicy"})
GATE_BROADENING = "AgentId-Review-UnapprovedBroadening"
GATE_NEW_AGENT = "AgentId-Review-UnapprovedNewAgent"
GATE_UNCLASSIFIED = "AgentId-Review-UnclassifiedChange"
GATE_REWRITTEN = "AgentId-Review-EscalationRewritten"
GATE_ROTATE_REWRITTEN = "AgentId-Review-RotateRewritten"
GATE_ESCALATION_INVALID = "AgentId-Review-EscalationInvalid"
GATE_ORPHAN = "AgentId-Review-Orphan"
GATE_EXPIRY = "AgentId-Review-ExpiryBeyondPolicy"
GATE_BASE_INVALID = "AgentId-Review-BaseInvalid"
GATE_BASE_NAMES_FILE = "AgentId-Review-BaseNamesAFile"
GATE_HEAD_INVALID = "AgentId-Review-HeadInvalid"
# Why each gate exists; `agentid validate --explain ID` prints it like a rule's,
# and docs/review.md's gate list is generated from it (cdk/review/gatedoc.py).
GATES_WHY = {
    GATE_BROADENING: "A widening of what an agent may do (an allow added, a deny removed, a "
    "new subject, repository or deploy key, a workflow pin lifted, a lock removed, a new "
    "GitHub App, App permission, higher App permission level, App repository or "
    "installation) or a "
    "weakened control (fewer or different approvers, longer sessions, lifetimes or rotation "
    "periods, Azure time-bound assignments off, a different backend, a store that creates a "
    "role) is a human decision; a new escalations entry records who approved it, when, and "
    "why, next to the change. Changes to `defaults` need a new `defaults.escalations` entry.",
    GATE_NEW_AGENT: "Creating an agent is a grant like any widening: its whole scope is "
    "new, so a new agent needs an escalations entry (a revoked agent re-created under "
    "another name is no exception).",
    GATE_UNCLASSIFIED: "The gate fails closed: a difference in a stack's security-relevant "
    "content that no rule classifies as a narrowing or as harmless needs a new escalation, "
    "like a broadening; the packet names the stack, resource and attribute.",
    GATE_REWRITTEN: "Escalations are an append-only audit record: an entry of the base may "
    "not be changed or removed while its agent exists, or one pull request could delete an "
    "approval and the next re-add it beside a different widening.",
    GATE_ROTATE_REWRITTEN: "Rotate requests are an audit record like escalations: an entry "
    "of the base may not be changed or removed while its agent exists, or the record of who "
    "asked for new keys, when and why could be rewritten (and the rotation schedule it "
    "anchors moved) without anyone asking for it.",
    GATE_ESCALATION_INVALID: "A new escalations entry approves only when it is new "
    "(compared normalized, it repeats no entry anywhere in the base), dated within the "
    f"change (today or up to {esc.NEW_ENTRY_DAYS} days before), has a reason of substance, "
    "and names a team of the owner organization that is neither the agent nor its owner "
    "team.",
    GATE_ORPHAN: "A stack that vanishes from the app is never planned again, so Terraform "
    "never destroys what it holds: the agent's role and environments stay live. Revoke "
    "with a tombstone first; remove the record once the destroy has been applied.",
    GATE_EXPIRY: "No agent may live longer than policy.max_lifetime_days without a "
    "reviewed renewal; the cloud enforces the expiry on its own. The limit is the base's: "
    "a change that raises the limit and the expiry together is judged by the old limit.",
    GATE_BASE_INVALID: "A packet compares two plans; a base that cannot be planned would "
    "make every grant look new or hide what is removed.",
    GATE_HEAD_INVALID: "Only a file that passes every check may be merged and deployed.",
    GATE_BASE_NAMES_FILE: "`--base` is a git revision only (usage error, exit 2): a pull "
    "request could add a file named like the base revision holding a copy of its own head, "
    "and review would compare the head with itself. A file base is given with "
    "`--base-file PATH`.",
}
