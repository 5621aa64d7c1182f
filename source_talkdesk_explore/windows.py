"""Report windows: the `[from, to)` timespans a stream's jobs cover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from connector_common.datetimes import floor_to_second, format_utc
from source_talkdesk_explore.config import MAX_WINDOW_DAYS


@dataclass(frozen=True, order=True)
class Window:
    """`start` inclusive, `end` exclusive, both aware UTC (Talkdesk's timespan semantics)."""

    start: datetime
    end: datetime

    def describe(self) -> str:
        return f"[{format_utc(self.start)}, {format_utc(self.end)})"


def plan_windows(
    start: datetime, now: datetime, *, size: timedelta, freshness_lag: timedelta
) -> list[Window]:
    """Consecutive windows of at most `size` (never over 31 days) from `start` up to `now - lag`.

    The last window is shorter rather than reaching into the future: Talkdesk rejects a `to` in
    the future, and data younger than the lag may not be visible yet.
    """
    size = min(size, timedelta(days=MAX_WINDOW_DAYS))
    if size <= timedelta(0):
        raise ValueError("window size must be positive")
    # Second precision: what goes on the wire, so state and windows agree exactly.
    start = floor_to_second(start)
    horizon = floor_to_second(now - freshness_lag)
    windows = []
    while start < horizon:
        end = min(start + size, horizon)
        windows.append(Window(start, end))
        start = end
    return windows
