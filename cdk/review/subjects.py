"""The subjects an agent's trust accepts, read from its documents (pure).

Every cloud names the accepted OIDC subjects somewhere in the agent's review
documents: the AWS trust policy's ``sub`` lists, Azure's ``federated-credential``
rows, the ``sub`` that Google's pool condition requires beside each principal.
:func:`subject_change` compares them across clouds with
:func:`cdk.subjects.classify_subject_change`, so an entry switched from the legacy
to the immutable spelling of the same job is shown as a trust change and not as
a broadening, while a second form accepted beside the first is one.
:func:`without_subjects` takes that dimension out of the Azure and Google rows so
the generic row diff does not report the same change again as a new grant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..names import REPOSITORY_ID_KEY, SUB_KEY
from ..subjects import SubjectChange, classify_subject_change, parse_subject
from .diff import as_list, statements
from .plans import PolicyDocument

TRUST = "trust"
AZURE_FEDERATION = "azure-federation"
GCP_IMPERSONATION = "gcp-impersonation"


def _statements(document: PolicyDocument) -> list[dict[str, Any]]:
    return [s for s in statements(document) if s.get("Effect", "Allow") == "Allow"]


def accepted(documents: Mapping[str, PolicyDocument]) -> tuple[set[str], set[str] | None]:
    """Every subject the documents accept, and the repository ids AWS pins beside
    them (None when there is no AWS trust policy: nothing pins ids beside the subject)."""
    subjects: set[str] = set()
    ids: set[str] | None = None
    for statement in _statements(documents.get(TRUST, {})):
        equals = statement.get("Condition", {}).get("StringEquals", {})
        subjects.update(as_list(equals.get(SUB_KEY)))
        ids = (ids or set()) | set(as_list(equals.get(REPOSITORY_ID_KEY)))
    for statement in _statements(documents.get(AZURE_FEDERATION, {})):
        subjects.update(as_list(statement.get("Resource")))
    for statement in _statements(documents.get(GCP_IMPERSONATION, {})):
        subjects.update(as_list(statement.get("Condition", {}).get("sub")))
    return subjects, ids


def subject_change(base: Mapping[str, PolicyDocument], head: Mapping[str, PolicyDocument]
                   ) -> SubjectChange:
    """What the change of accepted subjects does (see ``classify_subject_change``).

    Where the base has an AWS trust policy its repository ids must already pin an
    id that moves into a subject; an agent without one (Azure or Google Cloud
    only) pinned no id beside a legacy subject on Azure, and binds numeric
    principals on Google Cloud, so the immutable spelling only tightens.
    """
    base_subjects, base_ids = accepted(base)
    head_subjects, _ = accepted(head)
    return classify_subject_change(base_subjects, head_subjects, base_ids)


def without_subjects(documents: Mapping[str, PolicyDocument]) -> dict[str, PolicyDocument]:
    """The documents with the subject *spelling* taken out of Azure and Google rows.

    Azure's credential rows name the job by its legacy spelling, Google's rows lose
    the ``sub`` the pool condition requires: a new job still shows as a new row,
    a new spelling of the same job only in :func:`subject_change`.
    """
    result = dict(documents)
    if AZURE_FEDERATION in documents:
        result[AZURE_FEDERATION] = {"Statement": [
            {**s, "Resource": [_job(r) for r in as_list(s.get("Resource"))]}
            for s in statements(documents[AZURE_FEDERATION])]}
    if GCP_IMPERSONATION in documents:
        result[GCP_IMPERSONATION] = {"Statement": [
            {**s, "Condition": {k: v for k, v in s.get("Condition", {}).items() if k != "sub"}}
            for s in statements(documents[GCP_IMPERSONATION])]}
    return result


def _job(subject: str) -> str:
    parsed = parse_subject(subject)
    return subject if parsed is None else parsed.legacy
