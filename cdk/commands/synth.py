"""``agentid synth`` and ``main.py``: validate, then write the stacks (atomically for
``synth``, in place under the CDK Terrain CLI)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AgentIdError
from .common import DEFAULT_FILE, today_of

if TYPE_CHECKING:
    from ..loader import Loaded


def synth(args: argparse.Namespace) -> int:
    """Validate, then write every stack (or the selected ones) atomically."""
    from ..synthesis import app
    from ..validation import load

    loaded = load(args.file, today_of(args.today))
    outdir = Path(args.output)
    if args.stacks is not None:
        # Before the staging directory exists and any binding loads.
        app().check_stacks(loaded.identities, args.stacks, args.file)
    synth_atomically(loaded, outdir, args.stacks, use_cache=not args.no_cache)
    if args.stacks is not None:
        from ..names import stack_names

        wanted = set(args.stacks)
        selected = [n for n in stack_names(loaded.identities) if n in wanted]
        print(f"synthesized only {', '.join(selected)} into {outdir}/stacks/ "
              "(no other stack is in the output)")
        return 0
    agents = loaded.identities.agents
    # A thousand names on one line help nobody; past a screenful, count them.
    names = (", ".join(a.name for a in agents) if len(agents) <= 10
             else f"{len(agents)} agents") or "(no agents)"
    print(f"synthesized foundation + {names} into {outdir}/stacks/")
    return 0


def synth_atomically(loaded: Loaded, outdir: Path,
                     stacks: Collection[str] | None = None, use_cache: bool = True) -> None:
    """Synthesize into a sibling temporary directory, then swap it in.

    If anything fails (or the process is killed) before the swap, the previous
    output is untouched and the temporary directory is removed or left aside
    under a name that marks it as incomplete. ``stacks`` selects the stacks
    written (see :func:`stacks.app.build_app`, reached through :mod:`cdk.synthesis`);
    the swap replaces ``outdir`` whole either way. Stacks whose key is in the synth
    cache are copied from it, the rest constructed (cdk/synth_cache.py); ``use_cache``
    False constructs every stack, and still refreshes the cache.
    """
    from ..extras import require_extras
    from ..progress import Progress
    from ..synth_cache import Fallback, disabled, open_cache, synth_with_cache
    from ..synthesis import app

    # Before the staging directory exists: a missing extra leaves nothing behind.
    require_extras(loaded.identities)
    progress = Progress()
    outdir = outdir.absolute()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.incomplete-", dir=outdir.parent))
    try:
        base_dir = Path(loaded.document.file).absolute().parent
        cache = open_cache(base_dir)
        if cache is not None:
            cache.skip_reads = not use_cache or disabled()
            try:
                synth_with_cache(loaded.identities, staging, base_dir, cache, stacks, progress)
                _swap(staging, outdir)
                return
            except Fallback as exc:
                print(f"agentid: {exc}; constructing every stack", file=sys.stderr)
                shutil.rmtree(staging)
                staging.mkdir()
        built = app().build_app(loaded.identities, staging, base_dir, progress, stacks)
        count = len(loaded.identities.agents) + 1 if stacks is None else len(set(stacks))
        progress.note(f"writing {count} stacks")
        built.synth()
        _swap(staging, outdir)
    finally:
        progress.close()
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _swap(staging: Path, outdir: Path) -> None:
    if not outdir.exists():
        os.replace(staging, outdir)
        return
    if _exchange(staging, outdir):
        return  # staging now holds the previous output; the caller removes it
    # Without an atomic exchange there is a moment with no `outdir`; a kill
    # there leaves the previous output whole under the `.retired-` name.
    retired = outdir.with_name(f".{outdir.name}.retired-{os.getpid()}")
    os.replace(outdir, retired)
    try:
        os.replace(staging, outdir)
    except OSError:
        os.replace(retired, outdir)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False where the call does not exist or the file system refuses it,
    so the caller falls back to two renames.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import errno

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second),
                 rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def env_stacks() -> list[str] | None:
    """The stacks ``AGENTID_STACKS`` selects (comma-separated); None (all) when unset or blank.

    The CDK Terrain CLI does not tell the app which stack ``cdktn diff NAME``
    targets, so a CI job that plans one stack names it here as well.
    """
    names = [n.strip() for n in os.environ.get("AGENTID_STACKS", "").split(",")]
    return [n for n in names if n] or None


def app_main(file: str | None = None) -> None:
    """What ``main.py`` runs under the CDK Terrain CLI: validate, then synth in place.

    ``AGENTID_STACKS`` limits what is written to those stacks (:func:`env_stacks`);
    the synth cache supplies unchanged stacks (``AGENTID_NO_CACHE=1`` turns it off).
    """
    from ..synthesis import app
    from ..validation import load

    path = file or os.environ.get("AGENTID_FILE", DEFAULT_FILE)
    stacks = env_stacks()
    try:
        loaded = load(path, today_of(os.environ.get("AGENTID_TODAY")))
        if stacks is not None:
            try:
                app().check_stacks(loaded.identities, stacks, path)
            except AgentIdError as exc:
                raise AgentIdError(f"AGENTID_STACKS={','.join(stacks)}: {exc}") from None
        base_dir = Path(path).absolute().parent
        from ..synth_cache import synth_for_cli

        # Stacks whose key is in the synth cache are copied from it (cdk/synth_cache.py).
        if synth_for_cli(loaded.identities, base_dir, stacks):
            return
        built = app().build_app(loaded.identities, None, base_dir, stacks=stacks)
    except AgentIdError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(1) from None
    built.synth()

