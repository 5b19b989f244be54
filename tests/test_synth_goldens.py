"""Goldens of the synthesized output: every stack's ``cdk.tf.json`` and the manifest.

GIVEN identities.yaml, the deploy-keys records of tests/records.py and every
tests/fixtures/*.yaml synthesized (the session fixtures: each once per session),
WHEN each stack's ``cdk.tf.json`` and ``manifest.json`` is read, THEN it is byte
for byte the file committed under tests/goldens/synth/<fixture>/<stack>.json
(the manifest as ``_manifest.json``: no agent name starts with ``_``).

A refactor that must not change what is deployed (issue #16) keeps these green.
A change that is meant to alter the output regenerates them, and the diff of
tests/goldens/ in the commit shows exactly what it alters. The one way to
regenerate (all of them; stale files and folders removed):

    AGENTID_UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_synth_goldens.py

A mismatch names the fixture, the stack and the first differing JSON path.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import FIXTURES, Synthesized

GOLDENS = Path(__file__).resolve().parent / "goldens" / "synth"
UPDATE = os.environ.get("AGENTID_UPDATE_GOLDENS") == "1"
REGENERATE = "AGENTID_UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_synth_goldens.py"
MANIFEST = "_manifest.json"

# Golden directory name -> how the session fixtures produce that synthesis.
SOURCES: dict[str, Callable[[pytest.FixtureRequest], Synthesized]] = {
    "identities": lambda request: request.getfixturevalue("synthesized_example"),
    "deploy-keys": lambda request: request.getfixturevalue("synthesized_deploy_keys"),
    **{path.stem: (lambda request, name=path.stem:
                   request.getfixturevalue("synthesized_fixtures")(name))
       for path in sorted(FIXTURES.glob("*.yaml"))},
}


def synthesized_files(synthesized: Synthesized) -> dict[str, bytes]:
    """Golden file name -> the bytes the synthesis wrote for it."""
    files = {MANIFEST: (synthesized.outdir / "manifest.json").read_bytes()}
    for name in synthesized.stacks():
        files[f"{name}.json"] = (synthesized.outdir / "stacks" / name / "cdk.tf.json"
                                 ).read_bytes()
    return files


def first_difference(golden: Any, actual: Any, path: str = "$") -> str | None:
    """The JSON path where ``actual`` first departs from ``golden``, with both values."""
    if isinstance(golden, dict) and isinstance(actual, dict):
        for key in [*golden, *(k for k in actual if k not in golden)]:
            where = f"{path}.{key}"
            if key not in actual:
                return f"{where}: in the golden, missing from the output"
            if key not in golden:
                return f"{where}: in the output, not in the golden ({_short(actual[key])})"
            found = first_difference(golden[key], actual[key], where)
            if found is not None:
                return found
        if list(golden) != list(actual):
            return f"{path}: same keys in another order"
        return None
    if isinstance(golden, list) and isinstance(actual, list):
        for index, (g, a) in enumerate(zip(golden, actual, strict=False)):
            found = first_difference(g, a, f"{path}[{index}]")
            if found is not None:
                return found
        if len(golden) != len(actual):
            return f"{path}: {len(golden)} items in the golden, {len(actual)} in the output"
        return None
    if golden != actual or type(golden) is not type(actual):
        return f"{path}: golden {_short(golden)}, output {_short(actual)}"
    return None


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


def explain(fixture: str, name: str, golden: bytes, actual: bytes) -> str:
    """One line naming what differs, never the whole file."""
    stack = "the manifest" if name == MANIFEST else f"stack {name.removesuffix('.json')}"
    try:
        where = first_difference(json.loads(golden), json.loads(actual))
    except ValueError as exc:
        where = f"not JSON ({exc})"
    if where is None:
        where = "same JSON, different bytes (formatting or key order)"
    return f"{fixture}: {stack}: {where}"


@pytest.mark.synth
@pytest.mark.parametrize("fixture", sorted(SOURCES))
def test_synthesized_output_matches_its_golden(fixture: str,
                                               request: pytest.FixtureRequest) -> None:
    actual = synthesized_files(SOURCES[fixture](request))
    folder = GOLDENS / fixture
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.json"):
            if stale.name not in actual:
                stale.unlink()
        for name, data in actual.items():
            (folder / name).write_bytes(data)
        return
    golden = {p.name: p.read_bytes() for p in folder.glob("*.json")} if folder.is_dir() else {}
    problems = [f"{fixture}: stack {n.removesuffix('.json')}: no golden (regenerate: "
                f"{REGENERATE})" for n in sorted(set(actual) - set(golden))]
    problems += [f"{fixture}: stack {n.removesuffix('.json')}: golden, but not synthesized"
                 for n in sorted(set(golden) - set(actual))]
    problems += [explain(fixture, n, golden[n], actual[n])
                 for n in sorted(set(actual) & set(golden)) if golden[n] != actual[n]]
    assert not problems, "\n".join(
        [*problems, f"if the change is intended, regenerate: {REGENERATE}"])


def test_every_golden_folder_has_a_synthesis() -> None:
    # A fixture removed or renamed takes its goldens with it.
    folders = {p.name for p in GOLDENS.iterdir() if p.is_dir()} if GOLDENS.is_dir() else set()
    if UPDATE:
        for stale in sorted(folders - set(SOURCES)):
            shutil.rmtree(GOLDENS / stale)
        return
    assert folders <= set(SOURCES), f"goldens of no fixture; regenerate: {REGENERATE}"
    assert folders == set(SOURCES), f"missing goldens; regenerate: {REGENERATE}"


@pytest.mark.parametrize(("golden", "actual", "where"), [
    ({"a": {"b": [1, 2]}}, {"a": {"b": [1, 3]}}, "$.a.b[1]: golden 2, output 3"),
    ({"a": 1}, {"a": 1, "z": 2}, "$.z: in the output, not in the golden (2)"),
    ({"a": 1, "b": 2}, {"b": 2}, "$.a: in the golden, missing from the output"),
    ({"a": [1]}, {"a": [1, 2]}, "$.a: 1 items in the golden, 2 in the output"),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}, "$: same keys in another order"),
    ({"a": 1}, {"a": True}, "$.a: golden 1, output true"),
])
def test_a_difference_is_named_by_its_json_path(golden: Any, actual: Any, where: str) -> None:
    assert first_difference(golden, actual) == where
    assert first_difference(golden, golden) is None
