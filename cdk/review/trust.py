"""Base vs head trust -> what changes in who may assume the agent's identity (pure).

Trust is compared as grants (subject, workflow pin) and repository ids: a new
subject, repository or id widens it, and so does a workflow pin removed or moved.
The rest of the diff (permissions, deploy keys, resources) is :mod:`cdk.review.diff`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..names import PIN_KEY, REPOSITORY_ID_KEY, SUB_KEY
from ..policy import PolicyDocument, as_list, statements
from ..subjects import SubjectChange, classify_subject_change, parse_subject


@dataclass(frozen=True)
class TrustDiff:
    """Who may assume the identity: subjects, repositories, ids and workflow pins."""

    subjects_added: tuple[str, ...] = ()
    subjects_removed: tuple[str, ...] = ()
    repos_added: tuple[str, ...] = ()
    repos_removed: tuple[str, ...] = ()
    repository_ids_added: tuple[str, ...] = ()
    repository_ids_removed: tuple[str, ...] = ()
    pins_added: tuple[str, ...] = ()
    pins_removed: tuple[str, ...] = ()
    broadened: tuple[str, ...] = ()
    narrowed: tuple[str, ...] = ()
    # Legacy subjects replaced by the immutable spelling of the same job: a trust
    # change shown in the packet, not a broadening (see cdk.subjects).
    respelled: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether anything about trust differs."""
        return bool(self.broadened or self.narrowed or self.respelled or self.pins_added
                    or self.pins_removed)


def trust_grants(document: PolicyDocument) -> tuple[set[tuple[str, str]], set[str]]:
    """(subject, workflow pin or "") pairs and repository ids a trust policy accepts."""
    grants: set[tuple[str, str]] = set()
    ids: set[str] = set()
    for statement in statements(document):
        if statement.get("Effect", "Allow") != "Allow":
            continue
        equals = statement.get("Condition", {}).get("StringEquals", {})
        pins = as_list(equals.get(PIN_KEY)) or [""]
        grants.update((sub, pin) for sub in as_list(equals.get(SUB_KEY)) for pin in pins)
        ids.update(as_list(equals.get(REPOSITORY_ID_KEY)))
    return grants, ids


def repo_of_subject(subject: str) -> str:
    """``repo:acme/api:environment:x`` (or ``repo:acme@1/api@2:...``) -> ``acme/api``."""
    parsed = parse_subject(subject)
    if parsed is not None:
        return f"{parsed.owner}/{parsed.repo}"
    parts = subject.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "repo" else subject


def diff_trust(base: PolicyDocument, head: PolicyDocument,
               subjects: SubjectChange | None = None,
               base_subjects: set[str] | None = None,
               head_subjects: set[str] | None = None) -> TrustDiff:
    """Subjects, repositories and ids added widen trust; so does a pin removed or moved.

    Subjects are judged by :func:`cdk.subjects.classify_subject_change`: the
    immutable spelling of a legacy subject of the same job is a respelling, not a
    new subject. ``subjects``, ``base_subjects`` and ``head_subjects`` carry every
    cloud's accepted subjects (:mod:`cdk.review.subjects`); without them the AWS
    trust policies' alone are compared.
    """
    base_grants, base_ids = trust_grants(base)
    head_grants, head_ids = trust_grants(head)
    base_subs = {sub for sub, _ in base_grants}
    head_subs = {sub for sub, _ in head_grants}
    all_base = base_subs | (base_subjects or set())
    all_head = head_subs | (head_subjects or set())
    if subjects is None:
        subjects = classify_subject_change(base_subs, head_subs, base_ids if base else None)
    base_repos = {repo_of_subject(s) for s in all_base}
    head_repos = {repo_of_subject(s) for s in all_head}
    broadened: list[str] = []
    narrowed: list[str] = []
    for repo in sorted(head_repos - base_repos):
        broadened.append(f"new repository {repo}")
    broadened.extend(subjects.broadened)
    for repo_id in sorted(head_ids - base_ids, key=_numeric):
        broadened.append(f"new repository id {repo_id}")
    pins_added, moved = _pins(base_grants, head_grants, base_subs,
                              run="may now run", unpinned="no longer pinned to a workflow")
    pins_removed, kept = _pins(head_grants, base_grants, head_subs,
                               run="may no longer run", unpinned="now pinned to a workflow")
    broadened.extend(moved)
    narrowed.extend(kept)
    for repo in sorted(base_repos - head_repos):
        narrowed.append(f"repository {repo} removed")
    narrowed.extend(subjects.narrowed)
    for repo_id in sorted(base_ids - head_ids, key=_numeric):
        narrowed.append(f"repository id {repo_id} removed")
    return TrustDiff(
        subjects_added=tuple(sorted(all_head - all_base)),
        subjects_removed=tuple(sorted(all_base - all_head)),
        repos_added=tuple(sorted(head_repos - base_repos)),
        repos_removed=tuple(sorted(base_repos - head_repos)),
        repository_ids_added=tuple(sorted(head_ids - base_ids, key=_numeric)),
        repository_ids_removed=tuple(sorted(base_ids - head_ids, key=_numeric)),
        pins_added=tuple(pins_added),
        pins_removed=tuple(pins_removed),
        broadened=tuple(broadened),
        narrowed=tuple(narrowed),
        respelled=subjects.respelled,
    )


def _pins(old: set[tuple[str, str]], new: set[tuple[str, str]], old_subjects: set[str], *,
          run: str, unpinned: str) -> tuple[list[str], list[str]]:
    """Workflow pins gained by subjects that exist on both sides, and what that means."""
    pins: list[str] = []
    lines: list[str] = []
    for sub, pin in sorted(new - old):
        if sub not in old_subjects:
            continue
        if not pin:
            lines.append(f"{sub} {unpinned}")
            continue
        pins.append(f"{sub} -> {pin}")
        if (sub, "") not in old:
            lines.append(f"{sub} {run} {pin}")
    return pins, lines


def _numeric(text: str) -> tuple[int, str]:
    return (int(text), text) if text.isdigit() else (0, text)
