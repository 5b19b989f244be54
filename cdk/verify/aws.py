"""AWS invariants: the role's policies, trust, boundary, and the deploy-key secret store.

The checks live in :mod:`.aws_policies`, :mod:`.aws_trust` and :mod:`.aws_stores`
(what they share in :mod:`.aws_common`); this module is the target's registry.
"""

from __future__ import annotations

from .aws_alerts import ALERT_RULES, ALERT_TARGETS
from .aws_policies import (
    ALWAYS_DENIED_ALLOWED,
    NO_GRANT_ON_OTHER_AGENTS,
    NO_WILDCARD_ACTION,
    WILDCARD_RESOURCE,
)
from .aws_stores import (
    BOUNDARY,
    EXCLUSIVE,
    KEY_POLICY,
    SECRET_POLICY,
)
from .aws_trust import (
    SESSION_LENGTH,
    TRUST_CONDITIONS,
    TRUST_PRINCIPAL,
    TRUST_SUBJECTS,
)

__all__ = [
    "ALERT_RULES",
    "ALERT_TARGETS",
    "ALWAYS_DENIED_ALLOWED",
    "BOUNDARY",
    "EXCLUSIVE",
    "INVARIANTS",
    "KEY_POLICY",
    "NO_GRANT_ON_OTHER_AGENTS",
    "NO_WILDCARD_ACTION",
    "SECRET_POLICY",
    "SESSION_LENGTH",
    "TRUST_CONDITIONS",
    "TRUST_PRINCIPAL",
    "TRUST_SUBJECTS",
    "WILDCARD_RESOURCE",
]

INVARIANTS = (NO_WILDCARD_ACTION, WILDCARD_RESOURCE, ALWAYS_DENIED_ALLOWED,
              NO_GRANT_ON_OTHER_AGENTS, TRUST_PRINCIPAL, TRUST_CONDITIONS, TRUST_SUBJECTS,
              SESSION_LENGTH, BOUNDARY, EXCLUSIVE, SECRET_POLICY, KEY_POLICY, ALERT_RULES,
              ALERT_TARGETS)
