"""One IAM policy document type: its statements, its rendered JSON, its size against
the limit of its kind and the validation every document agentid writes passes.

In the spirit of aws-cdk's ``PolicyDocument.validateForIdentityPolicy`` and
``validateForResourcePolicy``: a statement without actions, an identity policy's
statement without resources (or with a principal), a resource or trust policy's
statement without a principal, or an ``Allow`` of every action (``*``) is a bug in
agentid and raises. Sizes are not judged here: the rules report a document over
its limit with the record's location (``AgentId-AwsPolicyTooLarge``,
``AgentId-TrustPolicyTooLarge``).

The trust policy, the inline permissions, the permissions boundary, the KMS key
policy and each secret's resource policy are built through :class:`PolicyDocument`.
For the documents checked for every agent on every run, the size is also counted
without rendering (:func:`string_size`, :func:`strings_size`, :func:`joined_size`),
and tests hold each such count to :meth:`PolicyDocument.size`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..plan import render_json

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class Kind:
    """What a document is for, and what IAM holds it to."""

    name: str
    limit: int
    # Identity policies (inline, managed) name resources and no principal; resource
    # and trust policies name a principal.
    identity: bool
    # Trust policies have no Resource; every other kind needs one per statement.
    resources: bool = True
    # IAM does not count whitespace against the inline and managed limits. The trust
    # policy's size has always been counted as rendered, whitespace included: the
    # stricter count, kept so that no record refused before is accepted now.
    whitespace_counts: bool = False


TRUST = Kind("trust policy", 2048, identity=False, resources=False, whitespace_counts=True)
INLINE = Kind("inline policy", 10_240, identity=True)
MANAGED = Kind("managed policy", 6_144, identity=True)
KEY = Kind("key policy", 32_768, identity=False)
SECRET = Kind("secret policy", 20_480, identity=False)

# IAM's limits on policy size (trust: 4,096 with a quota raise; agentid holds to the
# default).
TRUST_POLICY_MAX_CHARS = TRUST.limit
INLINE_POLICY_MAX_CHARS = INLINE.limit
MANAGED_POLICY_MAX_CHARS = MANAGED.limit


@dataclass(frozen=True)
class PolicyDocument:
    """A policy document of one kind; its statements are rendered as given."""

    kind: Kind
    statements: tuple[dict[str, Any], ...]

    def json(self) -> dict[str, Any]:
        """The document as written into ``cdk.tf.json`` (rendered by :func:`render_json`)."""
        return {"Version": POLICY_VERSION, "Statement": list(self.statements)}

    def rendered(self) -> str:
        """The document's JSON text."""
        return render_json(self.json())

    def size(self) -> int:
        """Characters counted against :attr:`Kind.limit`."""
        return counted(self.rendered(), self.kind.whitespace_counts)

    def problems(self) -> list[str]:
        """What makes the document malformed (empty when it is not)."""
        found = []
        sids = [s["Sid"] for s in self.statements if s.get("Sid")]
        if len(sids) != len(set(sids)):
            duplicated = sorted({s for s in sids if sids.count(s) > 1})
            found.append(f"duplicate statement ids {duplicated}")
        for n, statement in enumerate(self.statements):
            where = f"statement {statement.get('Sid') or n}"
            effect = statement.get("Effect")
            actions = _listed(statement.get("Action"))
            if effect not in ("Allow", "Deny"):
                found.append(f"{where}: Effect is {effect!r}, not Allow or Deny")
            if not actions:
                found.append(f"{where}: no actions")
            if effect == "Allow" and "*" in actions:
                found.append(f"{where}: allows every action (*)")
            if self.kind.resources and not _listed(statement.get("Resource")):
                found.append(f"{where}: no resources")
            if self.kind.identity and "Principal" in statement:
                found.append(f"{where}: a principal in an identity policy")
            if not self.kind.identity and not statement.get("Principal"):
                found.append(f"{where}: no principal in a {self.kind.name}")
        return found

    def validated(self) -> dict[str, Any]:
        """:meth:`json`, after :meth:`problems` found nothing (else ``ValueError``)."""
        problems = self.problems()
        if problems:
            raise ValueError(f"malformed {self.kind.name}: {'; '.join(problems)}: "
                             "a bug in agentid")
        return self.json()


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def counted(rendered: str, whitespace_counts: bool = False) -> int:
    """The size of rendered JSON as IAM counts it."""
    return len(rendered) if whitespace_counts else len("".join(rendered.split()))


def policy_size(document: Any) -> int:
    """Characters IAM counts against the inline and managed limits (whitespace excluded)
    of a document or any part of one."""
    return counted(render_json(document))


def string_size(text: str, whitespace_counts: bool = False) -> int:
    """:func:`counted` of a rendered JSON string, without rendering it where it can.

    Printable ASCII other than ``"`` and ``\\`` is written as is between two quotes;
    its only whitespace is the space. Anything else is measured by rendering it.
    """
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return len(text) + 2 - (0 if whitespace_counts else text.count(" "))
    return counted(render_json(text), whitespace_counts)


def strings_size(strings: tuple[str, ...] | list[str], whitespace_counts: bool = False) -> int:
    """:func:`counted` of a rendered JSON list of strings: ``[a,b,c]``."""
    return 2 + max(len(strings) - 1, 0) + sum(string_size(s, whitespace_counts)
                                              for s in strings)


def joined_size(statement_sizes: list[int]) -> int:
    """The size of a document from its statements' sizes.

    A document renders as its statements joined by commas inside a fixed frame, and
    whitespace only ever stands inside strings, so its size is the frame's plus each
    statement's (order does not matter).
    """
    return _EMPTY_DOCUMENT_SIZE + sum(statement_sizes) + max(len(statement_sizes) - 1, 0)


_EMPTY_DOCUMENT_SIZE = len(render_json(PolicyDocument(TRUST, ()).json()))
