"""Timestamp formats of the API and the sandbox's server clock.

Z-form UTC strings (``YYYY-MM-DDTHH:MM:SSZ``) sort lexicographically in time order, so the store keeps
them as strings and filters/sorts by plain string comparison.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import threading
import time

_Z_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
IST_OFFSET_SECONDS = 5 * 3600 + 30 * 60

_API_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)


def to_z(epoch: int) -> str:
    return time.strftime(_Z_FORMAT, time.gmtime(epoch))


def to_ist(epoch: int) -> str:
    """The +05:30 form some resources (groups, canned responses, agents) carry in the real API."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch + IST_OFFSET_SECONDS)) + "+05:30"


def from_z(value: str) -> int:
    return calendar.timegm(time.strptime(value, _Z_FORMAT))


def parse_api_datetime(value: str) -> int:
    """Parse a date query parameter in any documented format; naive values are UTC.

    Raises ValueError for anything else (the handler turns that into a 400).
    """
    match = _API_DATE.match(value)
    if not match:
        raise ValueError(value)
    year, month, day, hour, minute, second, zone = match.groups()
    moment = dt.datetime(
        int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
    )
    epoch = calendar.timegm(moment.timetuple())
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) > 2 else 0)
        epoch -= sign * offset
    return epoch


class ServerClock:
    """Starts at ``settings.now`` and advances in real time, at whole-second resolution."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.timezone.utc)  # naive means UTC, as in the API
        self._start_epoch = calendar.timegm(start.astimezone(dt.timezone.utc).timetuple())
        self._started = time.monotonic()
        self._lock = threading.Lock()

    @property
    def start_epoch(self) -> int:
        return self._start_epoch

    def now(self) -> int:
        with self._lock:
            return self._start_epoch + int(time.monotonic() - self._started)
