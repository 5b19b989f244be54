"""Which ARNs a scope may name: in the file's partition and account, and never every
resource of a type (a wildcard may narrow a name, not replace it)."""

from __future__ import annotations

import functools
import re

from ..model import AwsDefaults
from . import catalog


def arn_problem(arn: str, aws: AwsDefaults) -> tuple[str, str] | None:
    """What is wrong with an ARN in a scope (message, hint), or None.

    An ARN must be in the file's partition and, where it carries an account, in
    the file's account; a wildcard may narrow a name or a path but not stand
    for every resource of its type.
    """
    return _arn_problem(arn, aws.partition, aws.account_id)


# Keyed by the two fields the answer depends on: hashing the whole AwsDefaults
# record on every call cost more than the lookup.
@functools.lru_cache(maxsize=65536)
def _arn_problem(arn: str, partition_: str, account_id: str) -> tuple[str, str] | None:
    match = catalog.ARN_RE.match(arn)
    if match is None:
        return (f"{arn!r} is not an ARN",
                "write arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, e.g. "
                "arn:aws:s3:::acme-artifacts/releases/*")
    partition, service, region, account, resource = match.groups()
    if partition != partition_:
        return (f"{arn} is in partition {partition!r}, not {partition_!r} of defaults.aws",
                "agents act only in their own account")
    if account and account != account_id:
        return (f"{arn} is in account {account}, not {account_id} of defaults.aws",
                "agents act only in their own account; grant cross-account access "
                "with a resource policy in the other account")
    if any(c in f"{service}:{region}:{account}" for c in "*?"):
        return (f"{arn} has a wildcard in its service, region or account",
                "write the exact service, region and account")
    types = catalog.resource_types_of_arn(arn)
    prefix = _type_prefix(types[0]) if types else ""
    rest = resource[len(prefix):] if resource.startswith(prefix) else resource
    if not rest or rest[0] in "*?":
        return (f"{arn} stands for every resource of its type",
                "name the resource; a wildcard may only narrow it, e.g. "
                "arn:aws:s3:::acme-artifacts/releases/*")
    return None


def glob_name_problem(arn: str) -> tuple[str, str] | None:
    """Whether a wildcard stands in the resource's own name (message, hint), or None.

    The name is the resource part after its type's literal prefix, up to the first
    ``/`` or ``:`` (a bucket name, a role name, a table name). A wildcard there
    matches resources of any owner whose names happen to fit: ``arn:aws:s3:::a*``
    names every bucket starting with ``a``, in any account, and 36 such ARNs cover
    every bucket. A wildcard after the name (``bucket/prefix/*``) narrows one
    resource and is fine. Call only for ARNs :func:`arn_problem` accepts.
    """
    match = catalog.ARN_RE.match(arn)
    if match is None:
        return None
    resource = match.group(5)
    types = catalog.resource_types_of_arn(arn)
    prefix = _type_prefix(types[0]) if types else ""
    rest = resource[len(prefix):] if resource.startswith(prefix) else resource
    name = re.split(r"[:/]", rest.lstrip("/"), maxsplit=1)[0]
    if "*" not in name and "?" not in name:
        return None
    kind = "bucket" if match.group(2) == "s3" else types[0].name if types else "resource"
    return (f"{arn} has a wildcard in the {kind}'s own name ({name!r}), so it names "
            f"every {kind} whose name fits, whoever owns it",
            "name the resource exactly (a wildcard may follow it, e.g. "
            "arn:aws:s3:::acme-artifacts/releases/*), or move it to a `statements:` "
            "entry with a `reason:` saying why a name pattern is needed")


def _type_prefix(resource_type: catalog.ResourceType) -> str:
    # The literal text of the resource part before its first variable:
    # `role/` for roles, `secret:` for secrets, `` for S3 buckets.
    return resource_type.arn_format.split(":", 5)[5].split("${", 1)[0]
