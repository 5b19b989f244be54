"""Shared fixtures: a fixed date, the example file, and one synthesis per session."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from cdk.loader import Loaded, load

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "identities.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Tests judge expiry against a fixed day so they never rot with the calendar.
TODAY = date(2026, 11, 29)
TODAY_ARG = TODAY.isoformat()

# Property-based tests: `make test` runs a fixed, seeded number of examples;
# `make fuzz` (AGENTID_FUZZ=1) runs many more, freshly random ones.
FUZZ = bool(os.environ.get("AGENTID_FUZZ"))
settings.register_profile("test", max_examples=40, derandomize=True, deadline=None,
                          database=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.filter_too_much])
settings.load_profile("fuzz" if FUZZ else "test")


@pytest.fixture(scope="session")
def example() -> Loaded:
    return load(EXAMPLE, TODAY)


class Synthesized:
    """Reads the ``cdk.tf.json`` of each stack of one synthesis."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir

    def stacks(self) -> list[str]:
        return sorted(p.name for p in (self.outdir / "stacks").iterdir())

    def stack(self, name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.outdir / "stacks" / name / "cdk.tf.json").read_text())
        return data

    def resources(self, name: str, kind: str) -> list[dict[str, Any]]:
        return list(self.stack(name).get("resource", {}).get(kind, {}).values())

    def resource_count(self, name: str) -> int:
        return sum(len(v) for v in self.stack(name).get("resource", {}).values())


def synthesize(source: Path, outdir: Path) -> Synthesized:
    """Synthesize ``source`` into ``outdir`` through the CLI's own code path."""
    from cdk.cli import main

    assert main(["synth", "-f", str(source), "-o", str(outdir), "--today", TODAY_ARG]) == 0
    return Synthesized(outdir)


@pytest.fixture(scope="session")
def synthesized_example(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    # Loading provider bindings dominates: synthesize the example once per session.
    # The example is copied into a project folder laid out like the repository,
    # so local state paths read as they would for a user.
    project = tmp_path_factory.mktemp("example")
    shutil.copy(EXAMPLE, project / "identities.yaml")
    return synthesize(project / "identities.yaml", project / "cdktf.out")


@pytest.fixture(scope="session")
def synthesized_deploy_keys(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """A write key, a per-key rotation, and an agent with deploy keys but no aws scope."""
    from .records import DEPLOY_KEYS

    project = tmp_path_factory.mktemp("deploy-keys")
    (project / "identities.yaml").write_text(DEPLOY_KEYS)
    return synthesize(project / "identities.yaml", project / "cdktf.out")


@pytest.fixture(scope="session")
def synthesized_gcp(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Google Cloud agents: roles on a bucket, a secret and the project; keys in Secret Manager."""
    project = tmp_path_factory.mktemp("gcp")
    shutil.copy(FIXTURES / "gcp.yaml", project / "identities.yaml")
    return synthesize(project / "identities.yaml", project / "cdktf.out")


@pytest.fixture(scope="session")
def synthesized_azure(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Azure agents: roles at a resource, a resource group and the subscription, PIM on;
    keys in Key Vault."""
    project = tmp_path_factory.mktemp("azure")
    shutil.copy(FIXTURES / "azure.yaml", project / "identities.yaml")
    return synthesize(project / "identities.yaml", project / "cdktf.out")


@pytest.fixture(scope="session")
def synthesized_forms(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Subject forms: legacy-only and mixed (legacy, immutable, both) agents per cloud."""
    project = tmp_path_factory.mktemp("subject-forms")
    shutil.copy(FIXTURES / "subject-forms.yaml", project / "identities.yaml")
    return synthesize(project / "identities.yaml", project / "cdktf.out")
