"""``agentid verify``: agentid's promises, checked on the synthesized output.

Reads only ``<DIR>/stacks/<stack>/cdk.tf.json`` and the records; one module per
target holds that target's invariants (:mod:`.aws`, :mod:`.gcp`, :mod:`.azure`,
:mod:`.github`, :mod:`.stacks`; the alerts of Google Cloud and Azure in
:mod:`.gcp_alerts` and :mod:`.azure_alerts`), :mod:`.core` the shared vocabulary,
:mod:`.expect` what the records call for and :mod:`.cel` the little of CEL that
Google's pool condition and subject mapping use.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..model import IdentitiesFile
from . import aws, azure, azure_alerts, gcp, gcp_alerts, github, stacks
from .core import Finding, Invariant, Stack

INVARIANTS: tuple[Invariant, ...] = (*stacks.INVARIANTS, *aws.INVARIANTS, *gcp.INVARIANTS,
                                     *gcp_alerts.INVARIANTS, *azure.INVARIANTS,
                                     *azure_alerts.INVARIANTS, *github.INVARIANTS)
# docs/verify.md holds doc_section() under this heading (tests/verify/test_verify.py).
HEADING = "## What verify checks"
WIDTH = 88


@dataclass(frozen=True)
class Report:
    """What verify found over one output directory."""

    stacks: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether every invariant holds on every stack."""
        return not self.findings

    def as_json(self) -> str:
        """The report for tools: stacks checked, invariants, findings."""
        return json.dumps({
            "ok": self.ok,
            "stacks": list(self.stacks),
            "invariants": [{"id": i.id, "target": i.target, "promise": i.promise}
                           for i in INVARIANTS],
            "findings": [f.as_dict() for f in self.findings],
        }, indent=2, sort_keys=True) + "\n"


def verify_documents(documents: Mapping[str, Any], identities: IdentitiesFile) -> Report:
    """Every invariant over stacks given as parsed ``cdk.tf.json`` documents by name.

    A document that is not a JSON object (unreadable on disk, say) is reported
    instead of checked.
    """
    agents = {agent.name: agent for agent in identities.agents}
    findings: list[Finding] = list(stacks.missing_stacks(set(documents), identities))
    for name in sorted(documents):
        document = documents[name]
        if not isinstance(document, dict):
            findings.append(Finding(stacks.STACK_MATCHES_RECORD.id, name, "cdk.tf.json",
                                    f"not a synthesized stack: {document}"))
            continue
        stack = Stack(name, document, identities, agents.get(name), documents)
        for invariant in INVARIANTS:
            findings.extend(invariant.findings(stack))
    findings.sort(key=lambda f: (f.stack, f.address, f.invariant, f.message))
    return Report(tuple(sorted(documents)), tuple(findings))


def read_output(directory: Path) -> dict[str, Any]:
    """Each stack's parsed ``cdk.tf.json`` by name; an unreadable one as its problem (text).

    A directory without ``stacks/`` is a usage error: there is nothing to verify.
    """
    root = directory / "stacks"
    if not root.is_dir():
        raise UsageError(f"{directory} holds no synthesized stacks ({root} is not a "
                         "directory) — run `agentid synth -o DIR` first, then verify DIR")
    documents: dict[str, Any] = {}
    for stack_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        path = stack_dir / "cdk.tf.json"
        try:
            documents[stack_dir.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            documents[stack_dir.name] = f"{path} cannot be read ({exc.__class__.__name__})"
        except ValueError as exc:
            documents[stack_dir.name] = f"{path} is not JSON ({exc})"
    return documents


def verify_directory(directory: Path, identities: IdentitiesFile) -> Report:
    """:func:`verify_documents` over ``<directory>/stacks/*/cdk.tf.json``."""
    return verify_documents(read_output(directory), identities)


def doc_section() -> str:
    """docs/verify.md's "What verify checks" section, generated from :data:`INVARIANTS`."""
    intro = ("`agentid verify [DIR] [-f FILE]` reads only the synthesized `cdk.tf.json` "
             "files and the records, never the code that wrote them, and fails (exit 1) "
             "naming the invariant, the stack and the resource address of each broken "
             "promise. `make synth` and the CI workflow run it on what synth wrote; the "
             "test suite runs it on every synthesized fixture, and a mutation test per "
             "invariant shows it failing on a corrupted stack.")
    lines = [HEADING, "", textwrap.fill(intro, WIDTH)]
    target = ""
    for invariant in INVARIANTS:
        if invariant.target != target:
            target = invariant.target
            lines += ["", f"### {target}", ""]
        lines.append(textwrap.fill(f"- `{invariant.id}`: {invariant.promise}", WIDTH,
                                   subsequent_indent="  ", break_on_hyphens=False))
    return "\n".join(lines) + "\n"
