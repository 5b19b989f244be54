"""A fourth target from the skeleton in docs/architecture.md §8.1, in one folder.

GIVEN the fenced blocks of docs/architecture.md §8.1, each headed by its path,
written into a ``cdk/example/`` folder outside the repository and its module added
to the registry (the one line the skeleton shows), WHEN a file with a new agent is
synthesized, reviewed (``--no-synth`` and with synthesis) and carded, THEN the
stub's ``terraform_data`` resource is in the agent's ``cdk.tf.json``, the review
shows the stub's document and planned resource for the new agent, the card shows
its line, and no file outside the stub's folder was written.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import cdk
import cdk.targets
from cdk.cli import main
from cdk.review.plans import planned_content
from cdk.validation import load

from ..conftest import FIXTURES, TODAY, TODAY_ARG

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
FOLDER = "cdk/example/"
# A path in backticks alone on its line, a blank line, then a python block.
_BLOCK = re.compile(r"^`(?P<path>[^`\n]+)`[^\n]*\n\n```python\n(?P<code>.*?)^```",
                    re.MULTILINE | re.DOTALL)

HEAD_AGENT = """\
  - name: note-bot
    description: Writes release notes
    owner: "@acme/devex"
    rotation_owner: "@acme/devex"
    approvers: ["@acme/devex-leads"]
    expires: 2027-01-10
    runs_on:
      - repo: acme/api
        repo_id: 123456
        environment: agent-note-bot
"""


def skeleton() -> tuple[dict[str, str], str]:
    """The skeleton's files (path -> code) and the module its registry line adds."""
    section = ARCHITECTURE.read_text().split("### 8.1", 1)[1]
    files: dict[str, str] = {}
    registry: list[str] = []
    for match in _BLOCK.finditer(section):
        path, code = match["path"], match["code"]
        if path.startswith(FOLDER):
            files[path] = code
        elif path == "cdk/targets.py":
            line = code.strip().rstrip(",")
            registry.append(ast.literal_eval(line))
        else:
            raise AssertionError(f"the skeleton writes {path}, outside {FOLDER}")
    assert len(registry) == 1, "the skeleton adds exactly one registry line"
    assert {f"{FOLDER}target.py", f"{FOLDER}build.py"} <= set(files)
    return files, registry[0]


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (bytecode aside) -> sha256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture
def stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The skeleton written under ``tmp_path/src/cdk/example`` and registered."""
    files, module = skeleton()
    src = tmp_path / "src"
    for path, code in files.items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text(code)
    monkeypatch.setattr(cdk, "__path__", [*cdk.__path__, str(src / "cdk")])
    monkeypatch.setattr(cdk.targets, "REGISTRY", (*cdk.targets.REGISTRY, module))
    # The synth cache keys on the repository's source, which holds no stub.
    monkeypatch.setenv("AGENTID_NO_CACHE", "1")
    yield src
    for name in [n for n in sys.modules if n == "cdk.example" or n.startswith("cdk.example.")]:
        del sys.modules[name]


def _files(tmp_path: Path) -> tuple[Path, Path]:
    # label-bot's expiry moves earlier (the stub's ledger changes), note-bot is new.
    head_text = (FIXTURES / "github-only.yaml").read_text().replace(
        "expires: 2027-01-10", "expires: 2027-01-05") + HEAD_AGENT
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    base = tmp_path / "base" / "identities.yaml"
    head = tmp_path / "head" / "identities.yaml"
    base.write_text((FIXTURES / "github-only.yaml").read_text())
    head.write_text(head_text)
    return base, head


def _agent(packet: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in json.loads(packet)["agents"] if a["name"] == name)
    return found


def test_the_skeleton_is_one_folder_and_one_registry_line() -> None:
    files, module = skeleton()
    assert module == "cdk.example.target"
    assert all(path.startswith(FOLDER) for path in files)
    assert module not in cdk.targets.REGISTRY


@pytest.mark.synth
def test_a_stub_target_shows_in_synth_review_and_card(
        stub: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repository = {folder: _tree(ROOT / folder) for folder in ("cdk", "stacks")}
    stub_before = _tree(stub)
    base, head = _files(tmp_path)
    names = [t.name for t in cdk.targets.targets()]
    assert names == ["github", "aws", "gcp", "azure", "example"]

    # synth: the agent's stack holds the stub's resource, and its variable
    out = tmp_path / "out"
    assert main(["synth", "-f", str(head), "-o", str(out), "--today", TODAY_ARG]) == 0
    stack = json.loads((out / "stacks" / "note-bot" / "cdk.tf.json").read_text())
    data = list(stack["resource"]["terraform_data"].values())
    assert [d["input"] for d in data] == [{"agent": "note-bot", "expires": "2027-01-10"}]
    variables = stack["resource"]["github_actions_environment_variable"].values()
    assert {(v["variable_name"], v["value"]) for v in variables} >= {
        ("EXAMPLE_LEDGER", "agent-note-bot")}

    # review --no-synth: the stub's document and planned resource for the new agent
    capsys.readouterr()
    main(["review", "--base-file", str(base), "-f", str(head), "--today", TODAY_ARG,
          "--no-synth", "--format", "json"])
    packet = capsys.readouterr().out
    new = _agent(packet, "note-bot")
    assert new["status"] == "new"
    assert {(g["action"], g["resource"], tuple(g["documents"]))
            for g in new["permissions"]["broadened"]} == {
        ("example:Record", "ledger/agent-note-bot", ("example-ledger",))}
    # what --no-synth compares for the stack: the stub's planned resource
    identities = load(head, TODAY).identities
    agent = next(a for a in identities.agents if a.name == "note-bot")
    assert planned_content(agent, identities)["plan.example_ledger"] == {
        "agent": "note-bot", "expires": "2027-01-10"}

    # review with synthesis: the resource itself
    main(["review", "--base-file", str(base), "-f", str(head), "--today", TODAY_ARG,
          "--format", "json"])
    packet = capsys.readouterr().out
    changes = {(c["action"], c["address"])
               for c in _agent(packet, "note-bot")["resources"]["changes"]}
    assert ("create", "terraform_data.example_ledger") in changes
    # label-bot's expiry moved: the stub's resource is updated in its stack
    assert {(c["action"], c["address"], tuple(c["attributes"]))
            for c in _agent(packet, "label-bot")["resources"]["changes"]} == {
        ("update", "terraform_data.example_ledger", ("input",))}

    # card: the stub's line
    assert main(["card", "note-bot", "-f", str(head), "--today", TODAY_ARG]) == 0
    card = capsys.readouterr().out
    assert "Example ledger entry agent-note-bot (until 2027-01-10)" in card

    # nothing outside the stub's folder was written
    assert {folder: _tree(ROOT / folder) for folder in ("cdk", "stacks")} == repository
    assert _tree(stub) == stub_before
    assert sorted(p.relative_to(stub).as_posix() for p in stub.rglob("*")
                  if "__pycache__" not in p.parts and p.is_dir()) == ["cdk", "cdk/example"]
