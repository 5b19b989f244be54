"""The suite's synthesized outputs, read as verify reads them (once per session)."""

from __future__ import annotations

import json

import pytest

from cdk.loader import load

from ..conftest import TODAY, Synthesized
from .helpers import Output


def _output(synthesized: Synthesized) -> Output:
    documents = {name: synthesized.stack(name) for name in synthesized.stacks()}
    identities = load(synthesized.outdir.parent / "identities.yaml", TODAY).identities
    return Output(json.loads(json.dumps(documents)), identities)


@pytest.fixture(scope="session")
def outputs(request: pytest.FixtureRequest) -> dict[str, Output]:
    """Every synthesized fixture of tests/conftest.py by short name."""
    return {name: _output(request.getfixturevalue(f"synthesized_{name}"))
            for name in ("example", "deploy_keys", "gcp", "azure", "forms")}
