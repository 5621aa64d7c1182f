"""The Freshdesk streams' downloads of pre-signed file URLs (activity exports, attachments).

One `SignedUrlDownloader` per stream, under the source's rate budget: each download takes a slot
of the even pacing of `requests_per_minute` and waits out a 429 pause like an API call does, so a
sync that downloads files never bursts past what the user allowed. The sessions carry no API key.
"""

from __future__ import annotations

import requests
from airbyte_cdk.sources.streams.call_rate import LimiterSession

from connector_common.signed_downloads import SignedUrlDownloader
from source_freshdesk.streams.base import FreshdeskContext


def signed_url_downloader(context: FreshdeskContext, what: str) -> SignedUrlDownloader:
    """Downloads of `what` (named so in errors), with the configured timeout."""
    budget = context.budget

    def budgeted_session() -> requests.Session:
        return LimiterSession(api_budget=budget)

    return SignedUrlDownloader(
        what=what, timeout=context.config.request_timeout, session_factory=budgeted_session
    )
