"""Build the CDK Terrain app from validated records."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from cdk.errors import AgentIdError
from cdk.extras import require_extras
from cdk.model import IdentitiesFile
from cdk.names import FOUNDATION, stack_names
from cdk.progress import Progress
from cdk.runtime import prepare_node
from cdk.synthesis import TARGET_VERSIONS, Synthesizable

# Past this many stacks an error says how to find names instead of listing them.
_LISTED_NAMES = 10


def check_stacks(identities: IdentitiesFile, stacks: Collection[str],
                 source: str = "the identities file") -> None:
    """Raise :class:`AgentIdError` naming every entry of ``stacks`` the app lacks.

    A stack is ``foundation`` or the name of an agent in ``identities`` (a
    revoked agent keeps its stack); ``source`` names the file in the message.
    """
    known = stack_names(identities)
    unknown = sorted(set(stacks) - set(known))
    if not unknown:
        return
    where = (f"known: {', '.join(known)}" if len(known) <= _LISTED_NAMES
             else f"{len(known)} stacks; `agentid affected --base REF` prints those a "
             "change touches")
    raise AgentIdError(
        f"no stack{'s' if len(unknown) > 1 else ''} {', '.join(repr(n) for n in unknown)} "
        f"in {source} — a stack is "
        f"{FOUNDATION!r} or the `name` of an agent in the file ({where})")


def build_app(identities: IdentitiesFile, outdir: str | Path | None = None,
              base_dir: str | Path = ".", progress: Progress | None = None,
              stacks: Collection[str] | None = None) -> Synthesizable:
    """An App holding ``foundation`` and one :class:`AgentStack` per record.

    ``stacks`` selects which of them are constructed (and so written), by name;
    None means all. Every stack comes out exactly as in a full build, because each
    reads the whole, validated ``identities``; an unknown name raises
    :class:`AgentIdError` before anything loads.
    ``outdir`` None lets the CDK Terrain CLI choose (it passes ``cdktf.out``).
    Provider bindings are imported here, not at module import, so commands that
    never synthesize never pay for them. A missing extra is reported before
    any binding loads.
    """
    selected = None if stacks is None else set(stacks)
    if selected is not None:
        check_stacks(identities, selected)
    require_extras(identities)
    if progress is not None:
        progress.note("loading provider bindings")
    prepare_node()
    from cdktn import App

    from .agent import AgentStack
    from .foundation import FoundationStack

    # The CLI passes cdktf.json's targetVersions as context; do the same here.
    context = {"targetVersions": TARGET_VERSIONS}
    app = App(outdir=str(outdir), context=context) if outdir is not None else App()
    resolved_outdir = Path(app.outdir)
    base = Path(base_dir)
    if selected is None or FOUNDATION in selected:
        FoundationStack(app, identities, resolved_outdir, base)
    agents = [a for a in identities.agents if selected is None or a.name in selected]
    total = len(agents)
    for done, agent in enumerate(agents, 1):
        AgentStack(app, agent, identities, resolved_outdir, base)
        if progress is not None:
            progress.update("building stacks", done, total)
    return app
