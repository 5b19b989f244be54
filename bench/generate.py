"""Generate an identities file with N agents, for ``make bench``.

Every agent is valid against the example's date window (expires 60 days after
``today``) and runs in its own repository. By default all are AWS + GitHub
agents that read one S3 prefix, half of them pinning a workflow, so the
generated stacks look like the example's, repeated. With ``clouds`` the agents
take turns: an AWS agent, then one reading a bucket on Google Cloud, then one
reading a storage account on Azure (those two cannot pin workflows); past
:data:`GCP_AGENTS_PER_FILE` Google Cloud agents, AWS and Azure take its turns.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

HEADER = """\
version: 1
defaults:
  github: {{owner: acme, owner_id: 1342004}}
  aws: {{account_id: "123456789012", region: eu-west-1}}
  policy: {{max_lifetime_days: 90, max_session_minutes: 60, deploy_key_rotation_days: 30}}
  backend: {{s3: {{bucket: acme-agent-state, region: eu-west-1, key_prefix: agents}}}}
"""

CLOUD_DEFAULTS = {
    "gcp": "  gcp: {project_id: acme-agents, project_number: 987654321098, "
           "region: europe-west1}\n",
    "azure": "  azure: {tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47, "
             "subscription_id: 0b1f6471-1bf0-4dda-aec3-111122223333, resource_group: agents, "
             "location: westeurope}\n",
}

AGENT = """\
  - name: {name}
    description: Generated agent number {i} for the benchmark
    owner: "@acme/team-{team}"
    rotation_owner: "@acme/team-{team}-oncall"
    approvers: ["@acme/team-{team}-leads"]
    expires: {expires}
    runs_on:
      - repo: acme/repo-{i}
        repo_id: {repo_id}
{pin}{scope}"""

SCOPES = {
    "aws": """\
    aws:
      access:
        read: ["arn:aws:s3:::acme-bench-{team}/agent-{i}/*"]
        list: ["arn:aws:s3:::acme-bench-{team}"]
    must_never_hold: ["s3:DeleteObject"]
""",
    "gcp": """\
    gcp:
      roles:
        - role: roles/storage.objectViewer
          resource: {{bucket: acme-bench-{team}}}
""",
    "azure": """\
    azure:
      roles:
        - role: Storage Blob Data Reader
          scope: {{resource: /subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/\
resourceGroups/bench/providers/Microsoft.Storage/storageAccounts/acmebench{team}}}
""",
}

PIN = """\
        workflow: .github/workflows/agent.yml
        ref: refs/heads/main
"""


def agent_name(i: int) -> str:
    """Name of the i-th generated agent (3-24 chars, a-z0-9-)."""
    return f"bench-agent-{i:05d}"


# Google's limit on the pool's attribute condition (4096 characters), which lists
# every live Google Cloud agent's subject, holds 21 generated agents per file since
# the condition pins immutable subjects (~190 characters each; 30 no longer fit);
# past that many, the generator's Google Cloud turns go to the other clouds.
GCP_AGENTS_PER_FILE = 20


def generate(count: int, today: date, clouds: tuple[str, ...] = ("aws",)) -> str:
    """YAML text of an identities file with ``count`` agents valid on ``today``."""
    expires = (today + timedelta(days=60)).isoformat()
    parts = [HEADER.format(), *(CLOUD_DEFAULTS[c] for c in clouds if c != "aws"), "agents:\n"]
    others = [c for c in clouds if c != "gcp"] or ["aws"]
    gcp_agents = 0
    for i in range(count):
        cloud = clouds[i % len(clouds)]
        if cloud == "gcp":
            if gcp_agents >= GCP_AGENTS_PER_FILE:
                cloud = others[i % len(others)]
            else:
                gcp_agents += 1
        team = i % 20
        parts.append(AGENT.format(
            name=agent_name(i), i=i, team=team, expires=expires, repo_id=100000 + i,
            pin=PIN if i % 2 and cloud == "aws" else "",
            scope=SCOPES[cloud].format(i=i, team=team),
        ))
    return "".join(parts)


def write(path: Path, count: int, today: date, clouds: tuple[str, ...] = ("aws",)) -> Path:
    """Write a generated file to ``path`` and return it."""
    path.write_text(generate(count, today, clouds))
    return path


def main() -> None:
    """``python -m bench.generate N [-o FILE] [--today D]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("-o", "--output", default="identities.bench.yaml")
    parser.add_argument("--today", default=date.today().isoformat())
    args = parser.parse_args()
    write(Path(args.output), args.count, date.fromisoformat(args.today))


if __name__ == "__main__":
    main()
