"""The Google provider of one stack, pinned to the configured project and region."""

from __future__ import annotations

from cdktn_provider_google.provider import GoogleProvider
from constructs import Construct

from ..model import GcpDefaults


def google_provider(scope: Construct, gcp: GcpDefaults) -> GoogleProvider:
    """One provider per stack; every resource also names its project explicitly."""
    return GoogleProvider(scope, "google", project=gcp.project_id, region=gcp.region)
