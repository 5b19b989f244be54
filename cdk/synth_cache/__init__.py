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

The parts: :mod:`.key` (the key), :mod:`.entries` (an entry on disk) and
:mod:`.store` (the cache directory); synthesis through the cache is here.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Any

from ..model import IdentitiesFile
from .entries import MANIFEST, Entry, Fallback, read_built, render_manifest
from .key import stack_keys
from .store import SynthCache, open_cache

__all__ = ["Fallback", "SynthCache", "cached_stack_json", "cli_outdir", "disabled", "open_cache",
           "synth_for_cli", "synth_with_cache"]


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
    from ..names import stack_names
    from ..synthesis import app as stacks_app

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
        from ..synthesis import app as stacks_app

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
