"""The one validation pipeline: schema -> rules -> locations.

Every command that takes an identities file goes through here (``validate``,
``synth``, ``card``, ``verify``, ``atlantis``, ``audit``, ``review`` and
``affected`` for both sides, and ``main.py`` under ``cdktn``): :mod:`cdk.loader` turns YAML into
records (phase one, the schema), :mod:`cdk.checks` runs the rule pack over them
(phase two, only on a file that passed phase one), and each rule finding gets the
``FILE:LINE:COL`` of its path in the document.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path as FsPath

from .checks import run_checks
from .errors import Finding, InputError
from .loader import Loaded, read, validate_schema
from .model import IdentitiesFile
from .yamlsafe import Document, paused_gc


@dataclass(frozen=True)
class Checked:
    """A document after the pipeline: its records (None when the schema refused it) and
    every finding, located. Rule findings keep the rule pack's order; schema findings
    are sorted by location (they come from :class:`InputError`)."""

    identities: IdentitiesFile | None
    findings: tuple[Finding, ...]


def load(path: str | FsPath, today: date) -> Loaded:
    """Read, validate against the schema, then run every rule; raise on any finding."""
    # Every phase allocates an object per record field and frees none of them:
    # collections would only re-walk them (see yamlsafe.paused_gc).
    with paused_gc():
        return validate(read(path), today)


def validate(document: Document, today: date) -> Loaded:
    """The pipeline over an already parsed document; raise :class:`InputError` on any
    finding (every finding at once)."""
    identities = validate_schema(document)
    findings = run_checks(identities, today)
    if findings:
        raise InputError([locate(document, f) for f in findings])
    return Loaded(identities, document)


def check(document: Document, today: date) -> Checked:
    """The pipeline without raising: records and findings, for a caller that decides
    itself which findings block (review keeps a side with a passed expiry plannable)."""
    try:
        identities = validate_schema(document)
    except InputError as exc:
        return Checked(None, tuple(exc.findings))
    return Checked(identities, tuple(locate(document, f) for f in run_checks(identities, today)))


def locate(document: Document, finding: Finding) -> Finding:
    """``finding`` with the location of its path in ``document`` (kept if it has one)."""
    if finding.location is not None:
        return finding
    return replace(finding, location=document.locate(finding.path))
