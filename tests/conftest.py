"""Shared fixtures (a fixed date, the example file, one synthesis per session) and the
test tiers: `synth` marks the expensive tier, and guards keep synthesis and slow
programs out of the fast loop (docs/architecture.md §7)."""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from cdk.loader import Loaded
from cdk.validation import load

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


_TMP_PATHS = itertools.count()


@pytest.fixture
def tmp_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new empty directory for each test, under the session's base, like pytest's own,
    made with one ``mkdir``: pytest lists the base, makes a numbered directory and
    re-points a symlink for each, ~3 ms a test on a slow disk (a second of the fast loop)."""
    name = re.sub(r"\W", "_", request.node.name)[:30]
    path = tmp_path_factory.getbasetemp() / f"tmp-{next(_TMP_PATHS)}-{name}"
    path.mkdir()
    return path


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
def synthesized_fixtures(tmp_path_factory: pytest.TempPathFactory
                         ) -> Callable[[str], Synthesized]:
    """``get(name)``: tests/fixtures/<name>.yaml synthesized on first use, once per session.

    Every test that needs a fixture's output (the scanners, the goldens, the cloud
    tests) shares this one synthesis of it.
    """
    done: dict[str, Synthesized] = {}

    def get(name: str) -> Synthesized:
        if name not in done:
            project = tmp_path_factory.mktemp(name)
            shutil.copy(FIXTURES / f"{name}.yaml", project / "identities.yaml")
            done[name] = synthesize(project / "identities.yaml", project / "cdktf.out")
        return done[name]

    return get


@pytest.fixture(scope="session")
def synthesized_gcp(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    """Google Cloud agents: roles on a bucket, a secret and the project; keys in Secret Manager."""
    return synthesized_fixtures("gcp")


@pytest.fixture(scope="session")
def synthesized_azure(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    """Azure agents: roles at a resource, a resource group and the subscription, PIM on;
    keys in Key Vault."""
    return synthesized_fixtures("azure")


@pytest.fixture(scope="session")
def synthesized_forms(synthesized_fixtures: Callable[[str], Synthesized]) -> Synthesized:
    """Subject forms: legacy-only and mixed (legacy, immutable, both) agents per cloud."""
    return synthesized_fixtures("subject-forms")


# Modules whose tests synthesize without naming a `synthesized_*` fixture: through
# `synthesize`, `agentid synth|review|affected` in or out of process, or `cdktn synth`.
# Relative to tests/; every test in them is marked `synth`.
SYNTH_MODULES: frozenset[str] = frozenset({
    "azure/test_review.py", "gcp/test_review.py", "review/test_affected.py",
    "review/test_golden.py", "review/test_review.py", "review/test_subject_forms.py",
    # Most of its tests run a review with synthesis; TODO: mark per parameter instead.
    "review/test_fail_closed.py",
})


# Modules of `slow` tests: linters and the README's commands run in subprocesses.
# Every `gates` test (the external scanners) and `fuzz` test (hypothesis) is slow too.
SLOW_MODULES: frozenset[str] = frozenset({"test_code_quality.py", "test_readme_commands.py"})

# Whether a test declared that it synthesizes: an explicit `synth` marker, a
# `synthesized_*` fixture, or a module of SYNTH_MODULES. Only such a test may reach
# `build_app` or start the jsii runtime; a `slow` test carries `synth` as its tier,
# not as leave to synthesize.
SYNTHESIZES = pytest.StashKey[bool]()


def _module(item: pytest.Item) -> str:
    return _relative(item.path)


@functools.cache
def _relative(path: Path) -> str:
    return path.relative_to(Path(__file__).parent).as_posix()


def _synthesizes(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return _module(item) in SYNTH_MODULES or any(n.startswith("synthesized_") for n in names)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `synth` every test that synthesizes and `slow` every one that takes seconds
    otherwise. `synth` is the expensive tier: a `slow` test is marked `synth` too, so
    `pytest -m "not synth"` (`make test-fast`) is the fast loop."""
    for item in items:
        declared = item.get_closest_marker("synth") is not None or _synthesizes(item)
        item.stash[SYNTHESIZES] = declared
        slow = _module(item) in SLOW_MODULES or any(
            item.get_closest_marker(m) is not None for m in ("slow", "gates", "fuzz"))
        if slow and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
        if (declared or slow) and item.get_closest_marker("synth") is None:
            item.add_marker(pytest.mark.synth)


# The synthesis guard. A test that did not declare synthesis (SYNTHESIZES) and yet
# synthesizes fails, naming the fix, whichever way it gets there: `build_app` in this
# process, from the test, from a fixture of any scope (set up or torn down while
# that test runs) or at collection; or the jsii runtime (the provider bindings) in
# a subprocess that inherits the environment (`agentid synth`, `cdktn synth`, ...).
_RUNNING: list[pytest.Item] = []  # the test whose setup, call or teardown is running
# Stands in for the jsii runtime while a test runs that did not declare synthesis:
# jsii fails its handshake with this message (tests/test_synth_guard.py).
_REFUSING_RUNTIME = """\
const message = process.env.AGENTID_REFUSED_SYNTHESIS;
process.stderr.write(message + "\\n");
process.stdout.write(JSON.stringify({hello: message}) + "\\n");
process.exitCode = 1;
"""
_REFUSING_RUNTIME_PATH = pytest.StashKey[Path]()
_GUARD = pytest.StashKey[pytest.MonkeyPatch]()


def _refusal(item: pytest.Item | None) -> str:
    who = item.nodeid if item is not None else "test collection"
    return (f"{who} synthesizes (reaches build_app or loads the provider bindings) but is "
            "not marked `synth`: request a `synthesized_*` fixture, decorate it with "
            "@pytest.mark.synth, or add its module to SYNTH_MODULES in tests/conftest.py")


def _may_synthesize(item: pytest.Item | None) -> bool:
    return item is not None and item.stash.get(SYNTHESIZES, False)


def pytest_configure(config: pytest.Config) -> None:
    import stacks.app

    build_app = stacks.app.build_app

    def guarded(*args: Any, **kwargs: Any) -> Any:
        item = _RUNNING[-1] if _RUNNING else None
        if not _may_synthesize(item):
            raise AssertionError(_refusal(item))
        return build_app(*args, **kwargs)

    guard = pytest.MonkeyPatch()
    guard.setattr(stacks.app, "build_app", guarded)
    # Tests run the CLI in process hundreds of times, and building its argparse parser
    # (gettext looks for a catalog on disk for every message) took 1.5-3 ms each time,
    # about a second of the fast loop. The parser is built from constants and parsing
    # leaves it unchanged, so one per session is the parser every run would build.
    import cdk.cli

    guard.setattr(cdk.cli, "_parser", functools.cache(cdk.cli._parser))
    config.stash[_GUARD] = guard
    runtime = Path(tempfile.mkdtemp(prefix="agentid-refusing-jsii-")) / "runtime.js"
    runtime.write_text(_REFUSING_RUNTIME)
    config.stash[_REFUSING_RUNTIME_PATH] = runtime


def pytest_unconfigure(config: pytest.Config) -> None:
    if _GUARD in config.stash:
        config.stash[_GUARD].undo()
    if _REFUSING_RUNTIME_PATH in config.stash:
        shutil.rmtree(config.stash[_REFUSING_RUNTIME_PATH].parent, ignore_errors=True)


# The fast tier's other guard: a test outside the expensive tier may run small tools
# (git, ssh-keygen, actionlint) but not a program that takes a second or more to start
# and run: a fresh Python interpreter, Node, Terraform/OpenTofu or make.
_SLOW_PROGRAMS = re.compile(r"(python|pypy)[\d.]*|node|npx|npm|cdktn|terraform|tofu|make")


class _FastTierPopen(subprocess.Popen):  # type: ignore[type-arg]
    """:class:`subprocess.Popen` that refuses :data:`_SLOW_PROGRAMS`."""

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        first = args.split()[0] if isinstance(args, str) else args
        if not isinstance(first, (str, bytes, os.PathLike)):
            first = next(iter(first), "")
        program = os.path.basename(os.fsdecode(first))
        if _SLOW_PROGRAMS.fullmatch(program):
            item = _RUNNING[-1] if _RUNNING else None
            raise AssertionError(
                f"{item.nodeid if item else 'a test'} runs {program}, which takes seconds, "
                "but is not in the expensive tier: decorate it with @pytest.mark.slow (or "
                "run the code in this process when the subprocess adds nothing to what "
                "is asserted)")
        super().__init__(args, *rest, **kwargs)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    environ = pytest.MonkeyPatch()
    if not _may_synthesize(item):
        environ.setenv("JSII_RUNTIME", str(item.config.stash[_REFUSING_RUNTIME_PATH]))
        environ.setenv("AGENTID_REFUSED_SYNTHESIS", _refusal(item))
    if item.get_closest_marker("synth") is None:
        environ.setattr(subprocess, "Popen", _FastTierPopen)
    _RUNNING.append(item)
    try:
        return (yield)
    finally:
        _RUNNING.pop()
        environ.undo()
