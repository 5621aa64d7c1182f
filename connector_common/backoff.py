"""How long a retry waits: the server's Retry-After when it names one, else one capped exponential.

Every wait our own code computes comes from here: Talkdesk's API, token and storage retries,
the signed-URL downloads, Freshdesk's 429 pauses and its check. Freshdesk's 5xx and connection
retries are the CDK HttpClient's own exponential backoff (our backoff strategy returns no wait for
them), bounded by that error handler's retry count and time.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import requests
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.errors import transient_error

# The longest a request waits out one rate limit. A Retry-After beyond it (hours, or an HTTP date
# days ahead) is not waited out: the stream fails at once with a transient error that says when to
# retry, since a sync holding its workers for hours helps nobody and the platform retries failed
# attempts. Ten minutes also stay below the 900 s the CDK's concurrent engine has used as the
# longest silence it accepts from its workers (ConcurrentSource's queue timeout).
MAX_RATE_LIMIT_WAIT_S = 600.0
# Far enough for any message; a Retry-After of 1e300 seconds would overflow a datetime.
_MAX_SHOWN_S = 366 * 86400.0


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """The wait a `Retry-After` header value asks for, in seconds; None when it asks for none.

    Accepts delta-seconds (fractions too, which some APIs send) and an HTTP-date, read as UTC when
    it names no zone. Absent, unparseable, non-finite and non-positive values give None, so the
    caller falls back to its own backoff instead of retrying in a hot loop ("Retry-After: 0").
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def response_retry_after(response: requests.Response) -> float | None:
    """The wait a response's Retry-After asks for, in seconds; None when it asks for none.

    An HTTP-date is measured against the response's own Date header when it has one: both come
    from the server's clock, so a server clock ahead of ours cannot stretch a 30 s wait to hours.
    """
    server_now: datetime | None = None
    try:
        server_now = parsedate_to_datetime(response.headers.get("Date") or "")
    except (TypeError, ValueError, IndexError):
        server_now = None
    if server_now is not None and server_now.tzinfo is None:
        server_now = server_now.replace(tzinfo=timezone.utc)
    return retry_after_seconds(response.headers.get("Retry-After"), now=server_now)


def rate_limit_wait_too_long(
    api: str, seconds: float, now: datetime | None = None
) -> AirbyteTracedException:
    """The transient error for a 429 whose Retry-After exceeds MAX_RATE_LIMIT_WAIT_S."""
    until = (now or datetime.now(timezone.utc)) + timedelta(seconds=min(seconds, _MAX_SHOWN_S))
    message = (
        f"{api} rate limit: the API asks to wait {_duration(seconds)} (HTTP 429 Retry-After), "
        f"longer than the {MAX_RATE_LIMIT_WAIT_S / 60:g} minutes a request waits, so the stream "
        f"stops here. Retry the sync after {until.strftime('%Y-%m-%d %H:%M')} UTC."
    )
    return transient_error(message)


def _duration(seconds: float) -> str:
    if seconds >= _MAX_SHOWN_S:
        return "more than a year"
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 60:.0f} minutes"


def capped_exponential(first_s: float, attempt: int, cap_s: float, factor: float = 2.0) -> float:
    """The wait before retry number `attempt` (counted from 1): `first_s`, multiplied by `factor`
    for each further attempt, never more than `cap_s`."""
    try:
        wait = first_s * factor ** (max(attempt, 1) - 1)
    except OverflowError:
        return cap_s
    return min(wait, cap_s)
