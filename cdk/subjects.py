"""The OIDC subjects a ``runs_on`` entry accepts, and what changing them means (pure).

GitHub spells the ``sub`` claim of a job in environment ``<env>`` in one of two
forms, chosen per repository (not per job):

- ``legacy``: ``repo:<owner>/<repo>:environment:<env>`` (names only);
- ``immutable``: ``repo:<owner>@<owner_id>/<repo>@<repo_id>:environment:<env>``, the
  default for every repository created, renamed or transferred on github.com since
  2026-07-15 and for older ones opted in. The numeric ids are never reused, so a
  repository re-created under the same name gets a different subject.

A record states the form (``defaults.github.subject_form``, overridable per
entry); ``both`` accepts the two spellings of the same job and is allowed only
where the numeric ids are pinned by other conditions (AWS: ``repository_id``;
Google Cloud: bindings built from numeric claims); Azure refuses it. Custom
templates (``include_claim_keys``) are refused by the model.

:func:`classify_subject_change` is the review's view of a change of accepted
subjects: it works on subject strings alone, so it applies to any rendered trust
document (the AWS trust policy's ``sub`` list, Azure's credential subjects, the
subjects Google's pool condition lists).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .model import Agent, GitHubDefaults, RunsOn
from .plan import environment_of

IMMUTABLE = "immutable"
LEGACY = "legacy"
BOTH = "both"

# repo:<owner>[@<owner_id>]/<repo>[@<repo_id>]:environment:<env>
SUBJECT_RE = re.compile(
    r"^repo:(?P<owner>[^@/:]+)(?:@(?P<owner_id>[0-9]+))?/(?P<repo>[^@/:]+)"
    r"(?:@(?P<repo_id>[0-9]+))?:environment:(?P<environment>[^:]+)$")


def form_of(github: GitHubDefaults, run: RunsOn) -> str:
    """The entry's subject form: its own, else the organization's."""
    return run.subject_form or github.subject_form


def legacy_subject(agent: Agent, run: RunsOn) -> str:
    """``repo:<owner>/<repo>:environment:<env>``."""
    return f"repo:{run.repo}:environment:{environment_of(agent, run)}"


def immutable_subject(github: GitHubDefaults, agent: Agent, run: RunsOn) -> str:
    """``repo:<owner>@<owner_id>/<repo>@<repo_id>:environment:<env>``."""
    owner, repo = run.repo.split("/", 1)
    return (f"repo:{owner}@{github.owner_id}/{repo}@{run.repo_id}:environment:"
            f"{environment_of(agent, run)}")


def accepted_subjects(github: GitHubDefaults, agent: Agent, run: RunsOn) -> tuple[str, ...]:
    """The exact ``sub`` values the entry accepts, sorted: one, or two for ``both``.

    A job that uses an environment gets ``environment:`` in its subject, never
    ``ref:`` or ``pull_request``, so approval by the environment's reviewers is a
    precondition of every token these subjects match.
    """
    form = form_of(github, run)
    subjects = []
    if form in (LEGACY, BOTH):
        subjects.append(legacy_subject(agent, run))
    if form in (IMMUTABLE, BOTH):
        subjects.append(immutable_subject(github, agent, run))
    return tuple(sorted(subjects))


def primary_subject(github: GitHubDefaults, agent: Agent, run: RunsOn) -> str:
    """The one subject that names the entry (immutable when it accepts that form)."""
    if form_of(github, run) == LEGACY:
        return legacy_subject(agent, run)
    return immutable_subject(github, agent, run)


def is_rename_proof(github: GitHubDefaults, run: RunsOn) -> bool:
    """Whether the entry accepts only the immutable form (ids in the subject itself)."""
    return form_of(github, run) == IMMUTABLE


@dataclass(frozen=True)
class ParsedSubject:
    """A default-template ``environment:`` subject, split into its parts."""

    owner: str
    repo: str
    environment: str
    owner_id: str | None = None
    repo_id: str | None = None

    @property
    def immutable(self) -> bool:
        """Whether the subject carries the owner and repository ids."""
        return self.owner_id is not None and self.repo_id is not None

    @property
    def legacy(self) -> str:
        """The same job's subject in the legacy (names only) form."""
        return f"repo:{self.owner}/{self.repo}:environment:{self.environment}"


def parse_subject(subject: str) -> ParsedSubject | None:
    """The parts of a default-template subject, or None for anything else."""
    match = SUBJECT_RE.match(subject)
    if match is None or (match["owner_id"] is None) != (match["repo_id"] is None):
        return None
    return ParsedSubject(match["owner"], match["repo"], match["environment"],
                         match["owner_id"], match["repo_id"])


@dataclass(frozen=True)
class SubjectChange:
    """What a change of accepted subjects does, in reviewer's words.

    ``broadened``: subjects a token could match that the base accepted in no form
    (an escalation is needed). ``respelled``: a legacy subject replaced by the same
    job's immutable subject, with the repository id the base already pinned: the
    same runs, now with their ids in the subject (a trust change to show, not a
    broadening). ``narrowed``: subjects no longer accepted.
    """

    broadened: tuple[str, ...] = ()
    respelled: tuple[str, ...] = ()
    narrowed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the accepted subjects differ at all."""
        return bool(self.broadened or self.respelled or self.narrowed)


def classify_subject_change(base: Iterable[str], head: Iterable[str],
                            base_repository_ids: Iterable[str] | None = None) -> SubjectChange:
    """Compare the subjects a trust accepted (``base``) and accepts (``head``).

    A head subject the base did not accept is a broadening, unless it is the
    immutable spelling of a legacy subject the base accepted *and* the head no
    longer accepts that legacy subject *and* (where the trust pins repository ids,
    ``base_repository_ids``) its repository id was already pinned. So:

    - legacy -> immutable, same ids: respelled (not a broadening);
    - legacy -> both, immutable -> both: broadened (a second form accepted);
    - immutable -> legacy: broadened (the ids leave the subject);
    - both -> one form: narrowed.

    Anything that does not parse as a default-template subject is compared as an
    opaque string: new means broadened (fail closed).
    """
    before, after = set(base), set(head)
    ids = None if base_repository_ids is None else set(base_repository_ids)
    broadened: list[str] = []
    respelled: list[str] = []
    replaced: set[str] = set()
    for subject in sorted(after - before):
        parsed = parse_subject(subject)
        if (parsed is not None and parsed.immutable and parsed.legacy in before
                and parsed.legacy not in after
                and (ids is None or parsed.repo_id in ids)):
            respelled.append(f"{parsed.legacy} → {subject} (same repository; its owner "
                             "and repository ids are now part of the subject)")
            replaced.add(parsed.legacy)
            continue
        beside = ""
        if parsed is not None and parsed.immutable and parsed.legacy in after:
            beside = f" (a second form, beside {parsed.legacy})"
        elif parsed is not None and not parsed.immutable and any(
                p is not None and p.immutable and p.legacy == subject
                for p in map(parse_subject, before | after)):
            beside = " (legacy form: the owner and repository ids leave the subject)"
        broadened.append(f"new subject {subject}{beside}")
    narrowed = [f"subject {s} removed" for s in sorted(before - after - replaced)]
    return SubjectChange(tuple(broadened), tuple(respelled), tuple(narrowed))
