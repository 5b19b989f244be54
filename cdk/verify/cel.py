"""The little of Google's CEL that a workload identity provider's condition and subject
mapping use here, read for what it means rather than how it is spelled.

A condition of ``==`` comparisons of ``assertion.<claim>`` with string literals,
joined by ``&&`` and ``||`` (with parentheses, ``true`` and ``false``), becomes the
list of token shapes it accepts: each clause pins some claims to one value. A
mapping of literals and claims joined by ``+`` is evaluated for given claims.
Anything else is unreadable (None), which the invariants report: a condition
verify cannot read is one a reviewer cannot either.
"""

from __future__ import annotations

import re
from collections.abc import Callable

TOKEN_RE = re.compile(r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<op>==|&&|\|\||\+|\(|\))|'
                      r"(?P<name>[A-Za-z_][A-Za-z0-9_.]*))")
Clause = dict[str, str]


def _tokens(text: str) -> list[str] | None:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = TOKEN_RE.match(text, position)
        if match is None or match.end() == position:
            return None
        found.append(match.group(match.lastgroup or "op"))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return found


def _literal(token: str) -> str | None:
    if len(token) >= 2 and token[0] == token[-1] == '"':
        body = token[1:-1]
        return None if "\\" in body else body
    return None


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def disjunction(self) -> list[Clause] | None:
        # Either side's clauses: a token of any of them is accepted.
        return self._joined("||", self.conjunction, lambda left, right: left + right)

    def conjunction(self) -> list[Clause] | None:
        # Each pair of clauses that agree on their shared claims, merged.
        return self._joined("&&", self.atom, lambda left, right: [
            {**a, **b} for a in left for b in right
            if all(a[k] == b[k] for k in a.keys() & b.keys())])

    def _joined(self, operator: str, operand: Callable[[], list[Clause] | None],
                join: Callable[[list[Clause], list[Clause]], list[Clause]]
                ) -> list[Clause] | None:
        """Operands separated by ``operator``, folded left by ``join``; None: unreadable."""
        clauses = operand()
        while clauses is not None and self.peek() == operator:
            self.take()
            more = operand()
            clauses = None if more is None else join(clauses, more)
        return clauses

    def atom(self) -> list[Clause] | None:
        token = self.peek()
        if token is None:
            return None
        self.take()
        if token == "(":
            inner = self.disjunction()
            if inner is None or self.peek() != ")":
                return None
            self.take()
            return inner
        if token in ("true", "false"):
            return [{}] if token == "true" else []
        if not token.startswith("assertion.") or self.peek() != "==":
            return None
        self.take()
        value = _literal(self.take()) if self.peek() is not None else None
        return None if value is None else [{token.removeprefix("assertion."): value}]


def accepted(condition: str) -> list[Clause] | None:
    """The clauses a condition accepts (each: claim -> required value); None: unreadable."""
    tokens = _tokens(condition)
    if not tokens:
        return None
    parser = _Parser(tokens)
    clauses = parser.disjunction()
    return clauses if clauses is not None and parser.peek() is None else None


def evaluate(mapping: str, claims: dict[str, str]) -> str | None:
    """A ``+``-joined mapping of literals and ``assertion.<claim>`` for ``claims``."""
    tokens = _tokens(mapping)
    if not tokens or len(tokens) % 2 == 0:
        return None
    parts = []
    for index, token in enumerate(tokens):
        if index % 2:
            if token != "+":
                return None
            continue
        value = _literal(token)
        if value is None and token.startswith("assertion."):
            value = claims.get(token.removeprefix("assertion."))
        if value is None:
            return None
        parts.append(value)
    return "".join(parts)
