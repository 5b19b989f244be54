"""The narrower YAML agentid reads: core-schema tags and implicit types, the nesting
limit, and libyaml's event parser."""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.resolver import BaseResolver

MAX_DEPTH = 32

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_ALLOWED_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ}


class _CoreResolver(BaseResolver):
    """YAML 1.2 core schema: the only implicit types are null, bool, int, float."""


_CoreResolver.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_CoreResolver.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_CoreResolver.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_CoreResolver.add_implicit_resolver(
    _NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


# libyaml's parser lives in yaml.cyaml (``yaml.CParser`` does not exist, so a
# lookup there silently fell back to the pure-Python parser). Only its event
# stream is used: data is built from it here, iteratively (see :func:`_read`).
_Parser: Any = getattr(yaml.cyaml, "CParser", None) if yaml.__with_libyaml__ else None
if _Parser is None:  # pragma: no cover - libyaml missing: slower, same behaviour
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _PyParser(Reader, Scanner, Parser):
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

    _Parser = _PyParser

# First character of a plain scalar -> the implicit resolvers to try, in order
# (BaseResolver.resolve's answers, without its per-call bookkeeping).
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: [*resolvers, *_CoreResolver.yaml_implicit_resolvers.get(None, [])]
    for first, resolvers in _CoreResolver.yaml_implicit_resolvers.items()
    if first is not None
}
