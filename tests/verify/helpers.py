"""Corrupt a copy of a synthesized stack and see which invariants verify reports."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cdk.model import IdentitiesFile
from cdk.verify import Report, verify_documents

Documents = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Output:
    """A synthesized output as verify reads it, and the records it was made from."""

    documents: Documents
    identities: IdentitiesFile

    def copy(self) -> Documents:
        """A deep copy to corrupt."""
        return copy.deepcopy(self.documents)

    def verify(self, documents: Documents | None = None) -> Report:
        """verify over ``documents`` (default: the output as synthesized)."""
        return verify_documents(self.documents if documents is None else documents,
                                self.identities)


def resource(documents: Documents, stack: str, kind: str,
             where: Callable[[dict[str, Any]], bool] = lambda body: True
             ) -> tuple[str, dict[str, Any]]:
    """The first resource of ``kind`` in ``stack`` that ``where`` accepts: (address, body).

    Found by type and content, never by construct id, so a renamed construct does not
    break the test.
    """
    for name, body in sorted(documents[stack].get("resource", {}).get(kind, {}).items()):
        if where(body):
            return f"{kind}.{name}", body
    raise AssertionError(f"no {kind} in {stack} matches")


def add_resource(documents: Documents, stack: str, kind: str, name: str,
                 body: dict[str, Any]) -> str:
    """Add a resource; returns its address."""
    documents[stack].setdefault("resource", {}).setdefault(kind, {})[name] = body
    return f"{kind}.{name}"


def edit_policy(body: dict[str, Any], key: str, edit: Callable[[dict[str, Any]], None]) -> None:
    """Parse the literal JSON document at ``body[key]``, edit it in place, write it back."""
    document = json.loads(body[key])
    edit(document)
    body[key] = json.dumps(document)


def statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    """The statement with ``Sid`` ``sid``."""
    found: dict[str, Any] = next(s for s in document["Statement"] if s.get("Sid") == sid)
    return found


def findings_of(report: Report, invariant: str) -> list[tuple[str, str]]:
    """(stack, address) of each finding of ``invariant``."""
    return [(f.stack, f.address) for f in report.findings if f.invariant == invariant]


# Corrupts the documents in place; returns the address it corrupted (or the stack's
# name for a stack-wide corruption such as a missing resource).
Corruption = Callable[[Documents], str]


@dataclass(frozen=True)
class Mutation:
    """One corruption of one synthesized stack and the invariant that must catch it."""

    name: str
    output: str  # which synthesized fixture: example, deploy_keys, gcp, azure, ...
    stack: str
    corrupt: Corruption
    invariant: str


def assert_caught(output: Output, mutation: Mutation) -> None:
    """GIVEN an output verify passes on ``mutation.invariant``, WHEN one stack is corrupted,
    THEN verify fails with that invariant, naming the stack and the corrupted resource."""
    assert findings_of(output.verify(), mutation.invariant) == []
    documents = output.copy()

    address = mutation.corrupt(documents)

    report = output.verify(documents)
    assert not report.ok
    assert (mutation.stack, address) in findings_of(report, mutation.invariant), \
        [f.render() for f in report.findings]
