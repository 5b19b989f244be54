"""The building blocks of every record: identifier patterns, validators of free text
and dates, the annotated field types, and the frozen :class:`Record` base."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    model_validator,
)

NAME_RE = r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$"
OWNER_RE = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$"
REPO_RE = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[A-Za-z0-9._-]{1,100}$"
TEAM_RE = r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[a-z0-9][a-z0-9_-]{0,99}$"
PRINCIPAL_RE = r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?(?:/[a-z0-9][a-z0-9_-]{0,99})?$"
ENVIRONMENT_RE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
WORKFLOW_RE = r"^\.github/workflows/[A-Za-z0-9._-]+\.ya?ml$"
REF_RE = r"^refs/(?:heads|tags)/[A-Za-z0-9._/-]{1,200}$"
ACCOUNT_RE = r"^[0-9]{12}$"
REGION_RE = r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9]$"
GCP_PROJECT_RE = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
GCP_REGION_RE = r"^[a-z]+-[a-z]+[0-9]$"
# Pool and provider ids: 4-32 characters; `gcp-` is reserved by Google.
GCP_POOL_RE = r"^[a-z0-9][a-z0-9-]{2,30}[a-z0-9]$"
# Bucket and secret names as Cloud Storage and Secret Manager accept them.
GCP_BUCKET_RE = r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$"
GCP_SECRET_RE = r"^[A-Za-z0-9_-]{1,255}$"
# Azure: tenant and subscription ids and built-in role definition ids are GUIDs.
AZURE_UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# Resource group names: 1-90 of letters, digits, . _ ( ) -, not ending in '.'.
AZURE_RG_RE = r"^[A-Za-z0-9._()-]{0,89}[A-Za-z0-9_()-]$"
AZURE_LOCATION_RE = r"^[a-z][a-z0-9]{2,39}$"
# A full resource id in a resource group, exact: no wildcards, no empty segments.
AZURE_RESOURCE_ID_RE = (
    r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[A-Za-z0-9._()-]{1,90}"
    r"/providers/[A-Za-z0-9]+\.[A-Za-z0-9.]+(?:/[A-Za-z0-9._()-]+/[A-Za-z0-9._()-]+)+$")
ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# IAM's documented character set for a role description, minus tab, CR and LF:
# the description also lands in one-line review output and Markdown.
DESCRIPTION_RE = r"^[\x20-\x7E\u00A1-\u00FF]+$"
# Unicode categories that make text read differently than it is: control and
# format characters (including bidi overrides), line/paragraph separators,
# surrogates, private use and unassigned code points.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_CONTROL_NAMES = {"\t": "tab", "\n": "line feed", "\r": "carriage return", "\x00": "NUL"}


def _iso_date(value: Any) -> Any:
    """Accept only ``YYYY-MM-DD`` text; numbers are not dates here."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE_RE.match(value):
        raise ValueError("must be a date written as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a date in the calendar — check the month and "
                         "the day") from None


def _one_line(value: str) -> str:
    """Refuse text that would break a tag, a log line or the review packet's Markdown."""
    for index, char in enumerate(value):
        if unicodedata.category(char) in _HIDDEN_CATEGORIES:
            name: str = _CONTROL_NAMES.get(char) or unicodedata.name(char, "") or "control"
            raise ValueError(
                f"must be one line of visible text — U+{ord(char):04X} ({name.lower()}) "
                f"at position {index + 1}; remove it (write several sentences on one line)"
            )
    return value


def _not_reserved(value: str) -> str:
    if value.startswith("gcp-"):
        raise ValueError("the prefix `gcp-` is reserved by Google — choose another id")
    return value


SUBJECT_FORMS = ("immutable", "legacy", "both")
SUBJECT_FORM_HELP = (
    "write `immutable` (repo:<owner>@<owner_id>/<repo>@<repo_id>:environment:<env>, every "
    "repository created, renamed or transferred since 2026-07-15), `legacy` "
    "(repo:<owner>/<repo>:environment:<env>) or `both`; docs/github.md, \"Which subject "
    "form\" prints a repository's `sub` in one workflow step")


def _subject_form(value: Any) -> Any:
    """Only the three forms agentid can match exactly; custom templates are refused."""
    if isinstance(value, str) and value in SUBJECT_FORMS:
        return value
    if isinstance(value, (dict, list)) or (
            isinstance(value, str) and value.lower() in ("custom", "include_claim_keys")):
        raise ValueError(
            f"custom OIDC subject templates (include_claim_keys) are not supported: "
            f"agentid matches only GitHub's default subject — reset the repository's "
            f"template (`gh api -X PUT repos/OWNER/REPO/actions/oidc/customization/sub "
            f"-F use_default=true`) and {SUBJECT_FORM_HELP}")
    raise ValueError(f"unknown subject form {value!r} — {SUBJECT_FORM_HELP}")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
SubjectForm = Annotated[
    Literal["immutable", "legacy", "both"], BeforeValidator(_subject_form),
    Field(description="How the repository's OIDC tokens spell `sub`: immutable "
                      "(repo:<owner>@<owner_id>/<repo>@<repo_id>:environment:<env>), legacy "
                      "(repo:<owner>/<repo>:environment:<env>) or both (not on Azure).")]
GcpPoolId = Annotated[str, Field(pattern=GCP_POOL_RE), AfterValidator(_not_reserved)]
# Free text people write for reviewers: reasons for escalations, revocations, '*'.
Reason = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_one_line)]
RepoId = Annotated[int, Strict(), Field(gt=0, lt=2**53)]
Text = Annotated[str, Field(min_length=1, max_length=256)]


class Record(BaseModel):
    """Base of every record: frozen, unknown keys forbidden."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class OneOf(Record):
    """A record that names exactly one of the fields in ``KINDS``; ``ONE_OF`` says how."""

    KINDS: ClassVar[tuple[str, ...]] = ()
    ONE_OF: ClassVar[str] = ""

    @model_validator(mode="after")
    def _exactly_one(self) -> OneOf:
        chosen = [k for k in self.KINDS if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError(self.ONE_OF)
        return self

    @property
    def kind(self) -> str:
        """The field that is set."""
        return next(k for k in self.KINDS if getattr(self, k) is not None)


class OneTarget(OneOf):
    """Exactly one place a role is granted on, by kind and name."""

    @property
    def name(self) -> str:
        """The name or id of that place."""
        value: str = getattr(self, self.kind)
        return value
