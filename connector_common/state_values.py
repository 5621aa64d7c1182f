"""One rule, in both sources, for a saved cursor that cannot be used.

The stream starts from the configured start (`start_date`, or the whole history when there is
none) and a WARN line names the stream, the key and the value. Failing the sync instead would stop
every later sync too until someone edits the saved state by hand, and skipping the stream would
lose data; starting over re-reads history, which costs time but loses nothing.

"Cannot be used" means: not a date-time in any form the source reads (ISO 8601 strings, epoch
seconds or milliseconds as numbers or numeric strings), outside the years a datetime holds, or more
than `MAX_CURSOR_AHEAD` in the future, which would make every later sync read nothing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

logger = logging.getLogger("airbyte")

# Epoch numbers at or above this are milliseconds (as seconds they would lie past the year 5000).
MILLIS_THRESHOLD = 100_000_000_000
# A saved cursor may run ahead of our clock by the API server's clock skew, not by days.
MAX_CURSOR_AHEAD = timedelta(days=1)

# Reads one saved cursor value; raises ValueError (or returns None) when it is not a date-time.
CursorParser = Callable[[Any], datetime | None]


def epoch_datetime(number: float) -> datetime:
    """Epoch seconds, or milliseconds at or above MILLIS_THRESHOLD, as an aware UTC datetime.

    Raises ValueError for NaN, infinities and instants no datetime holds, so callers need to
    handle one exception type (the platform's OverflowError and OSError otherwise leak through).
    """
    if isinstance(number, bool) or not math.isfinite(number):
        raise ValueError(f"{number!r} is not an epoch timestamp")
    if abs(number) >= MILLIS_THRESHOLD:
        number /= 1000
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"epoch {number!r} is outside the years a datetime holds") from None


def unusable_reason(
    value: Any, parse: CursorParser, now: datetime | None = None
) -> tuple[datetime | None, str | None]:
    """(the cursor, None) when `value` can be used, else (None, why not). None is no cursor."""
    if value is None:
        return None, None
    try:
        moment = parse(value)
    except (ValueError, OverflowError, OSError, TypeError):
        moment = None
    if moment is None:
        return None, "not a date-time"
    latest = (now or datetime.now(timezone.utc)) + MAX_CURSOR_AHEAD
    if moment > latest:
        return None, f"{moment.strftime('%Y-%m-%dT%H:%M:%SZ')} lies in the future"
    return moment, None


def warn_unusable_cursor(stream: str, key: str, value: Any, reason: str) -> None:
    logger.warning(
        f"Stream {stream!r}: the saved state value {_shown(value)} for '{key}' cannot be used "
        f"({reason}); the stream starts from the configured start_date instead (all history when "
        "none is set) and reads that history again."
    )


def usable_cursor(
    stream: str, key: str, value: Any, parse: CursorParser, now: datetime | None = None
) -> datetime | None:
    """The saved cursor `value` as a datetime, or None after a WARN when the rule above rejects it.

    The one check of a saved cursor, made where a stream reads its state: state from a file, from
    PyAirbyte and from a direct `read()` call all pass through it, and each value is read once.
    """
    moment, reason = unusable_reason(value, parse, now)
    if reason is not None:
        warn_unusable_cursor(stream, key, value, reason)
    return moment


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."
