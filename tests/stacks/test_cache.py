"""The synth cache: a cached synth writes exactly what a full synth writes, and a cache
it cannot trust (corrupt, foreign, from another version, unwritable, tracked by git)
falls back to constructing the stack, with one line saying so, never a wrong stack.

Every synth here runs through ``agentid synth`` on the example (AWS, Google Cloud,
Azure, local state) in a project folder; the reference is ``--no-cache``, which
constructs every stack, written beside it at the same depth.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pytest

import cdk.synth_cache.key as cache_key
import cdk.synth_cache.store as cache_store
from cdk.cli import main
from cdk.names import FOUNDATION
from cdk.synth_cache.entries import Entry, render_manifest
from cdk.synth_cache.store import CACHE_DIR

from ..conftest import EXAMPLE, ROOT, TODAY_ARG, Synthesized

NAMES = ["docs-reader", FOUNDATION, "release-bot", "report-builder", "search-indexer",
         "triage-assistant"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The stacks each synth constructed (an empty list: everything came from the cache)."""
    import stacks.app

    calls: list[list[str]] = []
    original = stacks.app.build_app

    def recording(identities: Any, outdir: Any = None, base_dir: Any = ".",
                  progress: Any = None, stacks: Collection[str] | None = None) -> object:
        calls.append(sorted(stacks) if stacks is not None else ["*"])
        return original(identities, outdir, base_dir, progress, stacks)

    monkeypatch.setattr(stacks.app, "build_app", recording)
    return calls


class Project:
    """A project folder holding an identities file, its outputs and its cache."""

    def __init__(self, folder: Path, text: str) -> None:
        self.folder = folder
        self.source = folder / "identities.yaml"
        self.source.write_text(text)
        self.first: dict[str, bytes] = {}

    @property
    def cache(self) -> Path:
        return self.folder / CACHE_DIR

    def synth(self, out: str = "cdktf.out", *extra: str) -> dict[str, bytes]:
        outdir = self.folder / out
        argv = ["synth", "-f", str(self.source), "-o", str(outdir), "--today", TODAY_ARG]
        assert main([*argv, *extra]) == 0
        return snapshot(outdir)

    def full(self) -> dict[str, bytes]:
        """What a synth constructing every stack writes."""
        return self.synth("full.out", "--no-cache")

    def edit(self, old: str, new: str) -> None:
        text = self.source.read_text()
        assert text.count(old) == 1, old
        self.source.write_text(text.replace(old, new))

    def entries(self) -> list[Path]:
        return sorted(self.cache.glob("synth-*/*.entry"))

    def entry_of(self, stack: str) -> Path:
        found = [p for p in self.entries()
                 if json.loads(p.read_bytes().partition(b"\n")[0])["stack"] == stack]
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def project(tmp_path: Path, synthesized_example: Synthesized, built: list[list[str]],
            capsys: pytest.CaptureFixture[str]) -> Project:
    """The example in a project with a warm cache (bindings loaded by the session fixture)."""
    project = Project(tmp_path, EXAMPLE.read_text())
    first = project.first = project.synth()
    # A cold cache constructs everything, exactly as the session's full synth did.
    assert first == snapshot(synthesized_example.outdir)
    assert built == [NAMES]
    assert len(project.entries()) == len(NAMES)
    built.clear()
    capsys.readouterr()
    return project


# --------------------------------------------------------------------------- reuse


@pytest.mark.synth
def test_a_warm_cache_constructs_nothing_and_writes_the_same_bytes(
    project: Project, built: list[list[str]], capsys: pytest.CaptureFixture[str],
) -> None:
    # WHEN the unchanged file is synthesized again
    again = project.synth()
    # THEN no stack is constructed, nothing is said, and the output is a full synth's
    assert built == []
    assert capsys.readouterr().err == ""
    assert again == project.full()


@pytest.mark.synth
def test_one_agents_record_rebuilds_only_its_stack(
    project: Project, built: list[list[str]],
) -> None:
    # WHEN one agent's record changes
    project.edit("Tags releases and uploads build artifacts",
                 "Tags releases and uploads the build artifacts")
    cached = project.synth()
    # THEN only its stack is constructed, and the output is byte for byte a full synth's
    assert built == [["release-bot"]]
    assert cached == project.full()
    changed = [k for k in cached if cached[k] != project.first[k]]
    assert changed == ["stacks/release-bot/cdk.tf.json"]


@pytest.mark.synth
def test_a_google_cloud_agents_runs_rebuild_the_foundation_pool(
    project: Project, built: list[list[str]],
) -> None:
    # WHEN a Google Cloud agent runs from another repository (the foundation's pool
    # condition lists every live Google Cloud agent's subjects)
    text = project.source.read_text()
    start = text.index("  - name: search-indexer")
    old = text[start:].split("repo_id: ", 1)[1].split("\n", 1)[0]
    project.edit(f"repo_id: {old}", f"repo_id: {int(old) + 1}")
    cached = project.synth()
    # THEN that agent's stack and the foundation are constructed, nothing else
    assert built == [[FOUNDATION, "search-indexer"]]
    assert cached == project.full()


@pytest.mark.synth
def test_a_default_every_agent_reads_rebuilds_every_stack(
    project: Project, built: list[list[str]],
) -> None:
    # WHEN a default every stack reads changes
    project.edit("owner_id: 1342004", "owner_id: 1342005")
    cached = project.synth()
    # THEN every stack is constructed again, and the output is a full synth's
    assert built == [NAMES]
    assert cached == project.full()
    assert cached["stacks/foundation/cdk.tf.json"] != project.first[
        "stacks/foundation/cdk.tf.json"]


@pytest.mark.synth
def test_the_cache_with_a_stack_selection(project: Project, built: list[list[str]]) -> None:
    # WHEN one stack is selected from a warm cache THEN nothing is constructed, and the
    # output is what a full synth of that selection writes
    cached = project.synth("one.out", "--stack", "release-bot")
    assert built == []
    assert cached == project.synth("one-full.out", "--no-cache", "--stack", "release-bot")


@pytest.mark.synth
def test_another_agentid_source_rebuilds_every_stack_and_drops_the_old_cache(
    project: Project, built: list[list[str]], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN agentid's own code changed (its source digest: not only the version string)
    old = sorted(p.name for p in project.cache.glob("synth-*"))
    real = cache_key.source_digest()
    monkeypatch.setattr(cache_key, "source_digest", lambda root=ROOT: "0" * 64)
    assert real != "0" * 64
    # WHEN synthesized
    cached = project.synth()
    # THEN one line says why, every stack is constructed, and the old entries are gone
    err = capsys.readouterr().err
    assert err == (f"agentid: the synth cache in {project.cache} is from another version of "
                   "agentid or its bindings; rebuilding every stack\n")
    assert built == [NAMES]
    assert not set(old) & {p.name for p in project.cache.glob("synth-*")}
    assert cached == project.full()


@pytest.mark.synth
@pytest.mark.parametrize("distribution", ["cdktn-provider-aws", "cdktn", "constructs",
                                          "cdktn-provider-google"])
def test_a_binding_or_cdktn_version_rebuilds_every_stack(
    project: Project, built: list[list[str]], monkeypatch: pytest.MonkeyPatch,
    distribution: str,
) -> None:
    # GIVEN another version of one distribution that writes stacks
    real = cache_key.package_version
    monkeypatch.setattr(cache_key, "package_version",
                        lambda name: "999.0.0" if name == distribution else real(name))
    # WHEN synthesized THEN every stack is constructed again, and the output is a full synth's
    cached = project.synth()
    assert built == [NAMES]
    assert cached == project.full()


@pytest.mark.synth
def test_the_optimize_flag_and_type_checks_are_part_of_the_key(
    project: Project, built: list[list[str]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the bindings' type checks switched on (AGENTID_TYPE_CHECKS)
    monkeypatch.setenv("AGENTID_TYPE_CHECKS", "1")
    # WHEN synthesized THEN nothing is reused from the run without them
    project.synth()
    assert built == [NAMES]
    # AND the -O flag is in the environment the key digests
    env = cache_key.environment()
    assert "optimize" in env and env["variables"]["AGENTID_TYPE_CHECKS"] == "1"
    assert env["target_versions"] and env["versions"]["cdktn"] != "absent"


# --------------------------------------------------------------------------- distrust


@pytest.mark.synth
def test_a_truncated_entry_is_rebuilt_never_used(
    project: Project, built: list[list[str]], capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN release-bot's entry cut short (a crash, a full disk)
    entry = project.entry_of("release-bot")
    size = entry.stat().st_size
    entry.write_bytes(entry.read_bytes()[: size // 2])
    # WHEN synthesized
    cached = project.synth()
    # THEN one line says so, that stack is constructed, and the output is a full synth's
    assert capsys.readouterr().err == ("agentid: 1 synth cache entry failed the integrity "
                                       "check (release-bot); rebuilt, not used\n")
    assert built == [["release-bot"]]
    assert cached == project.full()
    # AND the entry was replaced by a good one
    assert project.entry_of("release-bot").stat().st_size == size


@pytest.mark.synth
def test_an_entry_renamed_to_another_stacks_key_is_refused(
    project: Project, built: list[list[str]], capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN docs-reader's entry put where release-bot's belongs, under a name whose
    # digest matches its content (so only the header can tell)
    target, source = project.entry_of("release-bot"), project.entry_of("docs-reader")
    key = target.name.split("-")[0]
    forged = target.with_name(f"{key}-{source.name.split('-')[1]}")
    target.unlink()
    shutil.copy(source, forged)
    # WHEN synthesized THEN release-bot is constructed, never docs-reader's stack in its place
    cached = project.synth()
    assert "1 synth cache entry failed the integrity check (release-bot)" in (
        capsys.readouterr().err)
    assert built == [["release-bot"]]
    assert cached == project.full()


@pytest.mark.synth
def test_an_edited_entry_is_refused(
    project: Project, built: list[list[str]], capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an entry whose content was edited after it was written
    entry = project.entry_of("triage-assistant")
    entry.write_bytes(entry.read_bytes().replace(b"triage-assistant", b"triage-assistanX"))
    # WHEN synthesized THEN it fails its digest and is rebuilt
    cached = project.synth()
    assert "failed the integrity check (triage-assistant)" in capsys.readouterr().err
    assert built == [["triage-assistant"]]
    assert cached == project.full()


@pytest.mark.synth
def test_a_cache_path_that_is_a_file_is_not_writable(
    tmp_path: Path, synthesized_example: Synthesized, built: list[list[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a project whose cache path cannot be a directory
    project = Project(tmp_path, EXAMPLE.read_text())
    project.cache.write_text("not a directory")
    # WHEN synthesized
    cached = project.synth()
    # THEN it builds normally, with one line saying the cache could not be written
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(
        f"agentid: cannot write the synth cache in {project.cache} (")
    assert err[0].endswith("; synthesizing without it")
    assert built == [NAMES]
    assert cached == snapshot(synthesized_example.outdir)
    assert project.cache.read_text() == "not a directory"


@pytest.mark.synth
def test_a_cache_directory_without_write_permission(
    project: Project, built: list[list[str]], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a warm cache that can no longer be written (simulated: tests may run as root)
    def refuse(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(cache_store, "atomic_write", refuse)
    project.edit("Tags releases and uploads build artifacts", "Tags releases")
    # WHEN synthesized THEN the changed stack is built, one line says the cache was not
    # written, and entries still verified are used
    cached = project.synth()
    assert capsys.readouterr().err == (f"agentid: cannot write the synth cache in "
                                       f"{project.cache} (Permission denied); synthesizing "
                                       "without it\n")
    assert built == [["release-bot"]]
    assert cached == project.full()


@pytest.mark.synth
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through directory permissions")
def test_a_read_only_cache_directory(
    project: Project, built: list[list[str]], capsys: pytest.CaptureFixture[str],
) -> None:
    for folder in (project.cache, *project.cache.glob("synth-*")):
        folder.chmod(0o555)
    try:
        project.edit("Tags releases and uploads build artifacts", "Tags releases")
        cached = project.synth()
        assert "cannot write the synth cache" in capsys.readouterr().err
        assert built == [["release-bot"]]
        assert cached == project.full()
    finally:
        for folder in (project.cache, *project.cache.glob("synth-*")):
            folder.chmod(0o755)


@pytest.mark.synth
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_cache_tracked_by_git_is_never_read(
    project: Project, built: list[list[str]], capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a pull request that commits a cache directory (entries anyone could forge:
    # keys are digests of public inputs)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for argv in (["init", "-q"], ["add", "-f", CACHE_DIR], ["commit", "-qm", "cache"]):
        subprocess.run(["git", *argv], cwd=project.folder, check=True, env=env,
                       capture_output=True)
    # WHEN synthesized
    cached = project.synth()
    # THEN the cache is refused with one line, and every stack is constructed
    assert capsys.readouterr().err == (
        f"agentid: not using the synth cache {project.cache}: git tracks it, so a pull "
        "request could edit it; synthesizing every stack\n")
    assert built == [["*"]]
    assert cached == project.full()


@pytest.mark.synth
def test_no_cache_reads_nothing_but_refreshes(
    project: Project, built: list[list[str]],
) -> None:
    entry = project.entry_of("release-bot")
    entry.write_bytes(b"garbage")
    # WHEN --no-cache THEN everything is constructed and the bad entry is replaced
    project.synth("cdktf.out", "--no-cache")
    assert built == [NAMES]
    assert len(project.entries()) == len(NAMES)
    assert project.entry_of("release-bot").read_bytes() != b"garbage"


# --------------------------------------------------------------------------- pure parts


def test_entries_round_trip_and_check_what_they_hold() -> None:
    entry = Entry("a" * 64, "bot", {"name": "bot"}, "0.24.0",
                  (("cdk.tf.json", b'{\n  "x": "\xc3\xa9"\n}'), ("other", b"")))
    data = entry.encode()
    assert Entry.decode(data, "a" * 64, "bot") == entry
    for key, stack, blob in [("b" * 64, "bot", data), ("a" * 64, "other-bot", data),
                             ("a" * 64, "bot", data[:-1]), ("a" * 64, "bot", data + b"x"),
                             ("a" * 64, "bot", data.replace(b"cdk.tf.json", b"../etc/pw"))]:
        with pytest.raises((ValueError, TypeError)):
            Entry.decode(blob, key, stack)


@pytest.mark.synth
def test_manifest_is_rendered_as_cdk_terrain_writes_it(
    synthesized_example: Synthesized, synthesized_azure: Synthesized,
) -> None:
    for synthesized in (synthesized_example, synthesized_azure):
        written = (synthesized.outdir / "manifest.json").read_bytes()
        assert render_manifest(json.loads(written)) == written


def test_the_key_changes_with_what_decides_a_stack(tmp_path: Path) -> None:
    from cdk.validation import load

    from ..conftest import TODAY

    identities = load(EXAMPLE, TODAY).identities
    stacks_dir = tmp_path / "out" / "stacks"

    def keys(ids: Any = identities, base: Path = tmp_path, env: str = "e") -> dict[str, str]:
        return cache_key.stack_keys(ids, NAMES, stacks_dir, base, env)

    plain = keys()
    assert len(set(plain.values())) == len(NAMES)
    assert keys() == plain
    # another environment (agentid's source, a version, -O): every key
    assert not set(keys(env="f").values()) & set(plain.values())
    # local state lives beside the identities file: another base dir moves every path
    assert not set(keys(base=tmp_path / "elsewhere").values()) & set(plain.values())
    # one agent: its key only
    agents = list(identities.agents)
    agents[1] = agents[1].model_copy(update={"description": "changed"})
    one = keys(identities.model_copy(update={"agents": tuple(agents)}))
    assert [n for n in NAMES if one[n] != plain[n]] == [agents[1].name]


# --------------------------------------------------------------------------- tripwire

# Modules that build stacks (everything under cdk/ and stacks/ but what only validates,
# reviews, or drives the CLI).
NOT_SYNTH = ("cdk/checks/", "cdk/review/", "cdk/cli.py", "cdk/loader.py", "cdk/yamlsafe/",
             "cdk/atlantis.py", "cdk/extras.py", "cdk/synth_cache/", "cdk/approvals.py",
             "cdk/precompile.py", "cdk/progress.py", "cdk/errors.py", "cdk/verify",
             "cdk/audit/", "stacks/app.py", "cdk/commands/", "cdk/validation.py",
             "cdk/aws/rules.py", "cdk/aws/scope_rules.py", "cdk/gcp/rules.py",
             "cdk/azure/rules.py", "cdk/github/rules.py")
# Every function of the stack-building code that reads the agents' records (directly or
# through one that does), and the stack whose key accounts for it
# (cdk/synth_cache/key.py: foundation_facts).
CROSS_AGENT_READS = {
    "cdk/gcp/plan.py:federated_runs": FOUNDATION,
    "cdk/gcp/plan.py:attribute_condition": FOUNDATION,
    "cdk/gcp/plan.py:plan_pool": FOUNDATION,
    "cdk/names.py:stack_names": "(the list of stacks, not their content)",
    "stacks/foundation.py:FoundationStack.__init__": FOUNDATION,
    # The target interface: Google Cloud's part of the foundation (the pool).
    "cdk/gcp/target.py:_in_foundation": FOUNDATION,
    "cdk/gcp/target.py:_planned_foundation": FOUNDATION,
    "cdk/gcp/build.py:build_foundation": FOUNDATION,
    "cdk/targets.py:needed": "(which extras the file needs, checked before any stack)",
}


def _functions(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{node.name}.{item.name}", item


def test_no_agent_stack_reads_another_agents_record() -> None:
    """The key of an agent's stack holds its own record only: it must stay true.

    A function that reads ``.agents`` (or calls one that does, by name) taints its
    callers; the tainted set must be exactly the reads the key accounts for.
    """
    reads: dict[str, bool] = {}
    calls: dict[str, set[str]] = {}
    for folder in ("cdk", "stacks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(NOT_SYNTH):
                continue
            tree = ast.parse(path.read_text())
            for name, func in _functions(tree):
                qual = f"{rel}:{name}"
                reads[qual] = any(isinstance(n, ast.Attribute) and n.attr == "agents"
                                  for n in ast.walk(func))
                calls[qual] = {n.func.id if isinstance(n.func, ast.Name) else n.func.attr
                               for n in ast.walk(func) if isinstance(n, ast.Call)
                               and isinstance(n.func, (ast.Name, ast.Attribute))}
            module_level = [n for n in tree.body
                            if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                  ast.ClassDef))]
            assert not any(isinstance(n, ast.Attribute) and n.attr == "agents"
                           for stmt in module_level for n in ast.walk(stmt)), rel
    tainted = {q for q, r in reads.items() if r}

    def called_as(qual: str) -> str:
        # A constructor is called by its class's name.
        name = qual.split(":")[1]
        return name.split(".")[0] if name.endswith(".__init__") else name.split(".")[-1]

    while True:
        names = {called_as(q) for q in tainted}
        more = {q for q, called in calls.items() if called & names} - tainted
        if not more:
            break
        tainted |= more
    assert tainted == set(CROSS_AGENT_READS), (
        "code that builds stacks now reads other agents' records at "
        f"{sorted(tainted - set(CROSS_AGENT_READS))}: put what it reads into the cache key "
        "(cdk/synth_cache/key.py) and list it here")
    assert not any(q.startswith("stacks/agent.py") for q in tainted)


def test_foundation_facts_follow_the_pool() -> None:
    from cdk.validation import load

    from ..conftest import TODAY

    identities = load(EXAMPLE, TODAY).identities
    facts = cache_key.foundation_facts(identities)
    assert facts["gcp_used"] is True and "assertion.sub" in facts["pool"]


# --------------------------------------------------------------------------- review


def _git(folder: Path, *argv: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *argv], cwd=folder, check=True, env=env, capture_output=True)


@pytest.mark.synth
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_review_constructs_each_stack_at_most_once_and_says_the_same(
    tmp_path: Path, synthesized_example: Synthesized, built: list[list[str]],
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the example committed, and a change to one agent on top
    project = Project(tmp_path, EXAMPLE.read_text())
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "identities.yaml")
    _git(tmp_path, "commit", "-qm", "base")
    project.edit("Tags releases and uploads build artifacts", "Tags releases")
    argv = ["review", "--base", "HEAD", "-f", str(project.source), "--today", TODAY_ARG,
            "--format", "json"]

    def review() -> str:
        main(argv)
        return capsys.readouterr().out

    # WHEN reviewed with a cold cache
    first = review()
    # THEN the base's stacks are constructed once, and of the head only the changed one
    assert built == [NAMES, ["release-bot"]]
    built.clear()
    # WHEN reviewed again THEN nothing is constructed
    assert review() == first
    assert built == []
    # AND the packet is exactly the one of a review that constructs everything
    monkeypatch.setenv("AGENTID_NO_CACHE", "1")
    assert review() == first
    assert built == [["*"], ["*"]]
    assert '"release-bot"' in first


# --------------------------------------------------------------------------- main.py


# main.py as the CDK Terrain CLI runs it: a fresh process with CDKTF_OUTDIR set (a
# Node process already running in this one would not see the variable). It reports
# the stacks it constructs on stderr.
MAIN_PY = """
import sys
import stacks.app
from cdk.commands.synth import app_main

original = stacks.app.build_app
def recording(identities, outdir=None, base_dir=".", progress=None, stacks=None):
    print("built", sorted(stacks) if stacks is not None else ["*"], file=sys.stderr)
    return original(identities, outdir, base_dir, progress, stacks)
stacks.app.build_app = recording
app_main()
"""


@pytest.mark.synth
def test_main_py_under_the_cdktn_cli_reuses_the_cache(
    tmp_path: Path, synthesized_example: Synthesized,
) -> None:
    from stacks.app import TARGET_VERSIONS

    # GIVEN main.py run as `cdktn synth` runs it: the CLI names (and empties) the output
    project = Project(tmp_path, EXAMPLE.read_text())
    outdir = tmp_path / "cli.out"

    def cli(**extra: str) -> tuple[dict[str, bytes], list[str]]:
        shutil.rmtree(outdir, ignore_errors=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "AGENTID_TODAY": TODAY_ARG,
               "AGENTID_FILE": str(project.source), "CDKTF_OUTDIR": str(outdir),
               # The CLI passes cdktf.json's targetVersions as context.
               "CDKTF_CONTEXT_JSON": json.dumps({"targetVersions": TARGET_VERSIONS}), **extra}
        env.pop("AGENTID_STACKS", None)
        result = subprocess.run([sys.executable, "-O", "-c", MAIN_PY], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        lines = [line for line in result.stderr.splitlines() if line.startswith("built ")]
        return snapshot(outdir), lines

    # WHEN it runs cold THEN it constructs every stack, as agentid synth writes them
    cold, built = cli()
    assert cold == snapshot(synthesized_example.outdir)
    assert built == [f"built {NAMES}"]
    # WHEN one agent changed THEN only its stack is constructed
    project.edit("Tags releases and uploads build artifacts", "Tags releases")
    warm, built = cli()
    assert built == ["built ['release-bot']"]
    # AND the output is what the App writes constructing every stack
    full, built = cli(AGENTID_NO_CACHE="1")
    assert built == ["built ['*']"]
    assert warm == full
