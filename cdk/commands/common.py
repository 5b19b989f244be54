"""What every command shares: the default paths and the date to judge against."""

from __future__ import annotations

from datetime import date, datetime, timezone

from ..errors import UsageError

DEFAULT_FILE = "identities.yaml"
DEFAULT_OUTDIR = "cdktf.out"
SCHEMA_FILE = "identities.schema.json"


def today_of(text: str | None) -> date:
    """``--today`` (or ``AGENTID_TODAY``) as a date; today in UTC when not given."""
    if text is None:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r} is not a date — write YYYY-MM-DD") from None
