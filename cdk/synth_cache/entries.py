"""A cache entry: one stack's synthesized files and manifest entry, as stored on disk."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .key import FORMAT

_FILE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
MANIFEST = "manifest.json"


class Fallback(Exception):
    """The cached synthesis cannot vouch for its output: synthesize in full instead."""


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
