"""``identities.yaml`` -> records with locations, or every schema problem at once.

The loader only loads: it reads the file (:func:`read`), parses the YAML subset
into a located document, and validates it against the schema (pydantic,
:func:`validate_schema`). Each problem becomes ``FILE:LINE:COL: agents[2].expires:
what is wrong — how to fix it``. The rule pack runs after it, in the one
validation pipeline (:mod:`cdk.validation`).
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from . import model
from .errors import Finding, InputError, Path
from .model import IdentitiesFile
from .yamlsafe import MAX_BYTES, Document, YamlError, decode, parse

# Pattern -> what a person should write instead. Wildcards are called out
# because a `*` in an OIDC subject is the classic way trust gets too wide.
_PATTERN_HELP = {
    model.NAME_RE: "must be 3-24 characters of a-z, 0-9 and '-', start with a letter and "
    "not end with '-' (it becomes agent-<name> in every cloud)",
    model.OWNER_RE: "must be a GitHub organization login",
    model.REPO_RE: "must be an exact owner/name repository (no wildcards such as * or ?)",
    model.TEAM_RE: "must be a team written @org/team-slug — an agent is owned by a team, "
    "never by one person",
    model.PRINCIPAL_RE: "must be a team (@org/team-slug) or a user (@login)",
    model.ENVIRONMENT_RE: "must be an exact GitHub environment name of letters, digits, "
    "'.', '_' and '-' (no wildcards such as * or ?)",
    model.WORKFLOW_RE: "must be an exact workflow path such as .github/workflows/release.yml "
    "(no wildcards)",
    model.REF_RE: "must be an exact ref such as refs/heads/main or refs/tags/v1 (no wildcards)",
    model.ACCOUNT_RE: "must be a 12-digit AWS account id in quotes, e.g. \"123456789012\"",
    model.REGION_RE: "must be an AWS region such as eu-west-1",
    model.GCP_PROJECT_RE: "must be a Google Cloud project id: 6-30 characters of a-z, 0-9 "
    "and '-', starting with a letter",
    model.GCP_REGION_RE: "must be a Google Cloud region such as europe-west1",
    model.GCP_POOL_RE: "must be 4-32 characters of a-z, 0-9 and '-'",
    model.GCP_BUCKET_RE: "must be an exact Cloud Storage bucket name (no wildcards)",
    model.GCP_SECRET_RE: "must be an exact Secret Manager secret id of letters, digits, "
    "'_' and '-'",
    model.AZURE_UUID_RE: "must be a GUID such as 00000000-0000-0000-0000-000000000000",
    model.AZURE_RG_RE: "must be a resource group name: 1-90 letters, digits, '.', '_', '(', "
    "')' or '-', not ending in '.'",
    model.AZURE_LOCATION_RE: "must be an Azure region name such as westeurope",
    model.AZURE_RESOURCE_ID_RE: "must be one exact resource id: /subscriptions/<id>/"
    "resourceGroups/<group>/providers/<Namespace>/<type>/<name> (no wildcards)",
    model.DESCRIPTION_RE: "must be one line of printable Latin-1 text, the characters IAM "
    "accepts in a role description (no tabs, newlines or control characters)",
}


@dataclass(frozen=True)
class Loaded:
    """A file's records and the document they came from (for locating findings)."""

    identities: IdentitiesFile
    document: Document


def read(path: str | FsPath) -> Document:
    """Read and parse a YAML file into a located document."""
    name = str(path)
    try:
        # Read one byte past the limit, never more: a 50 GB file (or /dev/zero)
        # is refused after 16 MiB, not after it fills memory.
        with open(path, "rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError([Finding("AgentId-File", (), "file not found",
                                  "pass the identities file with -f FILE")]) from None
    except OSError as exc:
        raise InputError([Finding("AgentId-File", (), f"cannot read: {exc.strerror}",
                                  "check the path and its permissions")]) from None
    try:
        return parse(name, decode(name, raw))
    except YamlError as exc:
        raise InputError([exc.finding]) from None


def validate_schema(document: Document) -> IdentitiesFile:
    """Phase one: the schema. Every pydantic error is rewritten to say how to fix it."""
    data = document.data
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise InputError([Finding(
            "AgentId-Schema", (), f"the file is {kind}, not a mapping",
            "start from the example: `version: 1`, `defaults:` and `agents:`",
            document.locate(()),
        )])
    try:
        return IdentitiesFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        guesses = _guesses(data, errors)
        # A misspelt key is one mistake: "did you mean" at the key, not a second
        # "required field is missing" at the record.
        meant = {(*loc[:-1], guess) for loc, guess in guesses.items()}
        raise InputError([
            _schema_finding(document, err, guesses.get(tuple(err["loc"])))
            for err in errors
            if not _echo(err, errors)
            and not (err["type"] == "missing" and tuple(err["loc"]) in meant)
        ]) from None


def _guesses(data: Any, errors: list[Any]) -> dict[Path, str]:
    """Unknown key's path -> the allowed key it is most likely a misspelling of.

    Only keys the mapping does not already hold are guessed (``aprovers`` next
    to ``approvers`` is a stray key, not a misspelling).
    """
    guesses: dict[Path, str] = {}
    for err in errors:
        loc: Path = tuple(err["loc"])
        if err["type"] != "extra_forbidden" or not loc:
            continue
        parent = _at(data, loc[:-1])
        present = set(parent) if isinstance(parent, dict) else set()
        allowed = [key for key in _allowed_keys(loc[:-1]) if key not in present]
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        if close:
            guesses[loc] = close[0]
    return guesses


def _at(data: Any, path: Path) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _echo(err: Any, errors: list[Any]) -> bool:
    """A list "too short" only because one of its items failed: the item says it all.

    pydantic checks a list's length after dropping its invalid items, so one bad
    runs_on entry would also report "runs_on must not be empty".
    """
    if err["type"] != "too_short":
        return False
    loc = tuple(err["loc"])
    return any(len(other["loc"]) > len(loc) and tuple(other["loc"][:len(loc)]) == loc
               for other in errors)


def _schema_finding(document: Document, err: Any, guess: str | None = None) -> Finding:
    path: Path = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    message, hint = str(err["msg"]), ""
    if kind == "missing":
        field = path[-1]
        message, hint = "required field is missing", f"add `{field}:` here"
        location = document.locate(path[:-1])
    elif kind == "extra_forbidden":
        allowed = _allowed_keys(path[:-1])
        message = f"unknown key {path[-1]!r}"
        hint = f"did you mean {guess}?" if guess else "remove it or fix its spelling" + (
            f"; allowed here: {', '.join(allowed)}" if allowed else ""
        )
        location = document.locate(path, key=True)
    else:
        location = document.locate(path)
        if kind == "string_pattern_mismatch":
            message = _PATTERN_HELP.get(ctx.get("pattern", ""), message)
            hint = f"got {_shown(err.get('input'))}"
        elif kind == "value_error":
            text = str(ctx.get("error", message))
            message, _, hint = text.partition(" — ")
        elif kind in ("int_type", "int_parsing") and isinstance(err.get("input"), str):
            message, hint = "must be a number", "remove the quotes"
        elif kind == "string_type" and isinstance(err.get("input"), int):
            message, hint = "must be text", "put the value in quotes"
        elif kind in ("tuple_type", "list_type"):
            message, hint = "must be a list", "write it as `[a, b]` or one `- item` per line"
        elif kind == "model_type" or kind == "dict_type":
            message, hint = "must be a mapping of keys to values", "see the example file"
        elif kind == "literal_error":
            message = f"must be one of {ctx.get('expected', '')}"
            hint = f"got {_shown(err.get('input'))}"
        elif kind == "too_short":
            message = "must not be empty"
            hint = "list at least one entry"
        elif kind == "too_long":
            message = f"has too many entries (at most {ctx.get('max_length')})"
            hint = "remove entries"
        elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            hint = f"got {_shown(err.get('input'))}"
        elif kind.startswith("date"):
            message, hint = "must be a date written as YYYY-MM-DD", "e.g. 2027-02-15"
    return Finding("AgentId-Schema", path, message, hint, location)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(path: Path) -> list[str]:
    """Keys a mapping at ``path`` accepts, found by walking the models."""
    current: Any = IdentitiesFile
    for part in path:
        current = _unwrap(current)
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        for name, info in current.model_fields.items():
            if part in (name, info.alias):
                current = info.annotation
                break
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(info.alias or name for name, info in current.model_fields.items())
    return []


def _unwrap(annotation: Any) -> Any:
    """Peel Optional / tuple / Annotated until a model (or a scalar) remains."""
    for _ in range(8):
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (tuple, list, typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None) and a is not ...]
            annotation = args[0] if args else annotation
        else:
            break
    return annotation
