"""The cache directory: verified reads, atomic writes, and refusing a cache git tracks."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .entries import Entry
from .key import _digest, environment

CACHE_DIR = ".agentid-cache"
_ENTRY = re.compile(r"^(?P<key>[0-9a-f]{64})-(?P<digest>[0-9a-f]{64})\.entry$")


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
