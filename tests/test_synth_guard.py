"""The tier guards of tests/conftest.py: only a test that declares it may synthesize, and
only the expensive tier may start a program that takes seconds.

GIVEN a test that is not marked `synth` (or is, only because it is `slow`), WHEN it
reaches `build_app` from its body or from a fixture of any scope, or starts the jsii
runtime in a subprocess, THEN it fails naming itself and the fix; a test that declares
synthesis gets the real `build_app`. Every call here would stop before loading any
provider binding even without the guard (an unknown stack is refused first), so a
broken guard costs nothing but a failed assertion. Likewise, outside the expensive tier
a fresh Python interpreter is refused before it starts; small tools such as git run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import stacks.app
from cdk.errors import AgentIdError
from cdk.loader import Loaded

from .conftest import ROOT

REFUSED = "but is not marked `synth`"


def _build_unknown_stack(example: Loaded) -> None:
    stacks.app.build_app(example.identities, None, ROOT, stacks=["no-such-stack"])


def test_an_unmarked_test_cannot_reach_build_app(request: pytest.FixtureRequest,
                                                 example: Loaded) -> None:
    with pytest.raises(AssertionError, match=REFUSED) as refused:
        _build_unknown_stack(example)
    assert request.node.nodeid in str(refused.value)
    assert "SYNTH_MODULES in tests/conftest.py" in str(refused.value)


@pytest.fixture(scope="module")
def refused_in_a_module_fixture(example: Loaded) -> str:
    """What a module-scoped fixture gets when it synthesizes for an unmarked test: it is
    set up before any function-scoped fixture, which is how a synthesis once hid here."""
    with pytest.raises(AssertionError, match=REFUSED) as refused:
        _build_unknown_stack(example)
    return str(refused.value)


def test_a_fixture_of_any_scope_cannot_synthesize_for_an_unmarked_test(
        request: pytest.FixtureRequest, refused_in_a_module_fixture: str) -> None:
    assert refused_in_a_module_fixture.startswith(request.node.nodeid)


def test_an_unmarked_test_points_subprocesses_at_a_refusing_jsii_runtime(
        request: pytest.FixtureRequest) -> None:
    runtime = os.environ["JSII_RUNTIME"]
    assert runtime.endswith("runtime.js")
    assert os.environ["AGENTID_REFUSED_SYNTHESIS"].startswith(request.node.nodeid)


@pytest.mark.slow
def test_a_subprocess_of_an_unmarked_test_cannot_load_provider_bindings(
        request: pytest.FixtureRequest) -> None:
    # `constructs` is the smallest jsii package: importing it starts the runtime.
    result = subprocess.run([sys.executable, "-c", "import constructs"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert f"{request.node.nodeid} synthesizes" in result.stderr and REFUSED in result.stderr


@pytest.mark.slow
def test_a_slow_test_is_in_the_synth_tier_but_may_not_synthesize(
        request: pytest.FixtureRequest, example: Loaded) -> None:
    assert request.node.get_closest_marker("synth") is not None
    with pytest.raises(AssertionError, match=REFUSED):
        _build_unknown_stack(example)


@pytest.mark.synth
def test_a_test_marked_synth_reaches_the_real_build_app(example: Loaded) -> None:
    assert "AGENTID_REFUSED_SYNTHESIS" not in os.environ
    with pytest.raises(AgentIdError, match="no-such-stack"):
        _build_unknown_stack(example)


def test_the_fast_tier_cannot_start_a_fresh_interpreter(request: pytest.FixtureRequest) -> None:
    with pytest.raises(AssertionError, match="@pytest.mark.slow") as refused:
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert str(refused.value).startswith(f"{request.node.nodeid} runs python")
    for argv in (["make", "-n"], "npx --no-install cdktn synth", [Path("/usr/bin/terraform")]):
        with pytest.raises(AssertionError, match="takes seconds"):
            subprocess.run(argv, shell=isinstance(argv, str), check=False)


def test_the_fast_tier_runs_small_tools() -> None:
    assert subprocess.run(["git", "--version"], capture_output=True, check=True).stdout


@pytest.mark.slow
def test_the_expensive_tier_starts_interpreters() -> None:
    assert subprocess.run([sys.executable, "-c", "pass"], check=False).returncode == 0
