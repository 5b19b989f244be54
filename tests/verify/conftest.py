"""The suite's synthesized outputs, read as verify reads them (once per session)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from cdk.validation import load

from ..conftest import TODAY, Synthesized
from .helpers import Output


def _output(synthesized: Synthesized) -> Output:
    documents = {name: synthesized.stack(name) for name in synthesized.stacks()}
    identities = load(synthesized.outdir.parent / "identities.yaml", TODAY).identities
    return Output(json.loads(json.dumps(documents)), identities)


@pytest.fixture(scope="session")
def outputs(synthesized_example: Synthesized, synthesized_deploy_keys: Synthesized,
            synthesized_gcp: Synthesized, synthesized_azure: Synthesized,
            synthesized_forms: Synthesized,
            synthesized_fixtures: Callable[[str], Synthesized]) -> dict[str, Output]:
    """Every synthesized fixture of tests/conftest.py by short name (named as arguments,
    so tests/conftest.py marks every test that uses them `synth`)."""
    return {"example": _output(synthesized_example),
            "deploy_keys": _output(synthesized_deploy_keys),
            "gcp": _output(synthesized_gcp), "azure": _output(synthesized_azure),
            "forms": _output(synthesized_forms),
            "alerts_aws": _output(synthesized_fixtures("alerts-aws")),
            "locked": _output(synthesized_fixtures("locked")),
            "alerts_gcp_azure": _output(synthesized_fixtures("alerts-gcp-azure")),
            "github_app": _output(synthesized_fixtures("github-app"))}
