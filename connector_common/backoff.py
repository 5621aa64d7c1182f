"""How long a retry waits: the server's Retry-After when it names one, else one capped exponential.

Every retry loop of both sources computes its waits here, so a maintainer reads one formula.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


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


def capped_exponential(first_s: float, attempt: int, cap_s: float, factor: float = 2.0) -> float:
    """The wait before retry number `attempt` (counted from 1): `first_s`, multiplied by `factor`
    for each further attempt, never more than `cap_s`."""
    try:
        wait = first_s * factor ** (max(attempt, 1) - 1)
    except OverflowError:
        return cap_s
    return min(wait, cap_s)
