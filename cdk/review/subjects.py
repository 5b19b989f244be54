"""The subjects an agent's trust accepts, read from its documents (pure).

Every target that federates names the accepted OIDC subjects somewhere in the
agent's review documents (AWS: the trust policy's ``sub`` lists; Azure: its
``federated-credential`` rows; Google Cloud: the ``sub`` its pool condition
requires beside each principal); each says how through
:attr:`cdk.targets.Target.subjects`, ``pinned_ids`` and ``without_subjects``.
:func:`subject_change` compares them across targets with
:func:`cdk.subjects.classify_subject_change`, so an entry switched from the legacy
to the immutable spelling of the same job is shown as a trust change and not as
a broadening, while a second form accepted beside the first is one.
:func:`without_subjects` takes that dimension out of the targets' rows so the
generic row diff does not report the same change again as a new grant.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..policy import PolicyDocument
from ..subjects import SubjectChange, classify_subject_change
from ..targets import targets


def accepted(documents: Mapping[str, PolicyDocument]) -> tuple[set[str], set[str] | None]:
    """Every subject the documents accept, and the repository ids pinned beside them
    (None when no target pins ids: then nothing pins them beside the subject)."""
    subjects: set[str] = set()
    ids: set[str] | None = None
    for target in targets():
        subjects |= target.subjects(documents)
        pinned = target.pinned_ids(documents)
        if pinned is not None:
            ids = (ids or set()) | pinned
    return subjects, ids


def subject_change(base: Mapping[str, PolicyDocument], head: Mapping[str, PolicyDocument]
                   ) -> SubjectChange:
    """What the change of accepted subjects does (see ``classify_subject_change``).

    Where the base pins repository ids (AWS's trust policy) they must already pin
    an id that moves into a subject; an agent without one (Azure or Google Cloud
    only) pinned no id beside a legacy subject on Azure, and binds numeric
    principals on Google Cloud, so the immutable spelling only tightens.
    """
    base_subjects, base_ids = accepted(base)
    head_subjects, _ = accepted(head)
    return classify_subject_change(base_subjects, head_subjects, base_ids)


def without_subjects(documents: Mapping[str, PolicyDocument]) -> dict[str, PolicyDocument]:
    """The documents with the subject *spelling* taken out of each target's rows
    (Azure's credential rows name the job by its legacy spelling, Google's rows lose
    the ``sub`` the pool condition requires): a new job still shows as a new row,
    a new spelling of the same job only in :func:`subject_change`."""
    result = dict(documents)
    for target in targets():
        result = target.without_subjects(result)
    return result
