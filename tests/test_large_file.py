"""A 10,000-agent file validates without loading any provider binding.

`validate`, like `review` and the checks, is pure Python: jsii, CDK Terrain and
the provider bindings are loaded only when something is synthesized.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, TODAY_ARG
from .records import BASE

AGENT = BASE[BASE.index("  - name: release-bot"):]
HEADER = BASE[:BASE.index("  - name: release-bot")]

PROBE = """
import sys
from cdk.cli import main
code = main(["validate", "-f", sys.argv[1], "--today", sys.argv[2]])
loaded = sorted(m for m in sys.modules
                if m.split(".")[0] in {"jsii", "cdktn", "constructs"}
                or m.startswith("cdktn_provider") or m.startswith("stacks"))
print("loaded:", loaded)
sys.exit(code or (3 if loaded else 0))
"""


def many_agents(count: int) -> str:
    records = []
    for n in range(count):
        record = AGENT.replace("name: release-bot", f"name: agent{n:05d}")
        records.append(record.replace("environment: agent-release-bot",
                                      f"environment: env-{n:05d}"))
    return HEADER + "".join(records)


@pytest.mark.slow
def test_ten_thousand_agents_validate_without_provider_bindings(tmp_path: Path) -> None:
    # GIVEN a file with 10,000 valid agents
    source = tmp_path / "identities.yaml"
    source.write_text(many_agents(10_000))

    # WHEN it is validated in a fresh interpreter
    result = subprocess.run([sys.executable, "-c", PROBE, str(source), TODAY_ARG], cwd=ROOT,
                            capture_output=True, text=True)

    # THEN every agent passed and no jsii, CDK Terrain or provider module was imported
    assert result.returncode == 0, result.stdout + result.stderr
    assert "10000 agents, no problems" in result.stdout
    assert "loaded: []" in result.stdout
