"""Cursor values and how they advance.

Freshdesk mixes `...Z` and `+05:30` timestamps, so cursors are compared as datetimes and written
back in one UTC form. A tracker advances only past records that were emitted: streams sorted by
their cursor commit as they go; unsorted streams commit once, when the whole read is done, and never
past the moment the read started (a record updated behind the read position mid-sync would
otherwise be skipped next time).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from connector_common.datetimes import format_utc
from connector_common.datetimes import parse_datetime as read_datetime
from connector_common.state_values import usable_cursor, warn_unusable_cursor

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# A saved cursor value as a UTC datetime: ISO 8601 in any form, or epoch seconds or milliseconds
# (numbers or numeric strings), which hand-edited and other tools' states carry; raises ValueError
# for anything else. The one reader both sources use.
read_cursor = read_datetime
# The form Freshdesk filters accept and Airbyte's Freshdesk state used: 2024-01-31T09:30:00Z.
format_datetime = format_utc


def parse_datetime(value: Any) -> datetime | None:
    """A record's cursor as an aware UTC datetime, or None when it is empty or unreadable: such a
    record still goes out, it just moves no cursor."""
    try:
        return read_datetime(value)
    except ValueError:
        return None


class CursorTracker:
    """The cursor of one stream partition (thread-safe)."""

    def __init__(self, sorted_by_cursor: bool, committed: datetime | None = None) -> None:
        self._sorted = sorted_by_cursor
        self._lock = threading.Lock()
        self._committed = committed
        self._pending: datetime | None = None
        self._read_started: datetime | None = None

    @property
    def value(self) -> datetime | None:
        with self._lock:
            return self._committed

    def observe(self, cursor_value: datetime | None) -> None:
        """Note an emitted record's cursor; call it once the record has been handed on."""
        if cursor_value is None:
            return
        with self._lock:
            if self._pending is None or cursor_value > self._pending:
                self._pending = cursor_value
            if self._sorted:
                self._advance(self._pending)

    def saw_server_time(self, server_time: datetime | None) -> None:
        """Note the API's clock on a page: the earliest one is when this read started."""
        if server_time is None:
            return
        with self._lock:
            if self._read_started is None or server_time < self._read_started:
                self._read_started = server_time

    def commit(self) -> None:
        """Close a completed read: an unsorted partition advances now, but never past the second
        before the read started (a record updated behind the read position is read next time)."""
        with self._lock:
            if self._pending is None:
                return
            target = self._pending
            if self._read_started is not None:
                target = min(target, self._read_started - timedelta(seconds=1))
            self._advance(target)

    def _advance(self, target: datetime) -> None:
        if self._committed is None or target > self._committed:
            self._committed = target


def cursor_from_state(state: Mapping[str, Any] | None, key: str, stream: str) -> datetime | None:
    """The saved cursor under `key`, or None. A value that cannot be used is warned about and the
    stream starts from the configured start_date (connector_common/state_values.py states the
    rule). `key` may name a nested view's cursor, e.g. "deleted.updated_at"."""
    *views, field = key.split(".")
    for view in views:
        nested = state.get(view) if isinstance(state, Mapping) else None
        if nested is not None and not isinstance(nested, Mapping):
            warn_unusable_cursor(stream, view, nested, "not an object of cursors")
            return None
        state = nested
    if not isinstance(state, Mapping) or state.get(field) is None:
        return None
    return usable_cursor(stream, key, state[field], read_cursor)


class SliceLedger:
    """The slices of one read in the order they were handed out, and which of them finished.

    Under concurrency slices finish out of order. A stream whose slices follow its cursor (the
    conversations of tickets in updated_at order) may only checkpoint up to the last slice of the
    finished prefix; an unsorted stream may only commit once every slice finished. Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cursor_values: dict[int, datetime | None] = {}
        self._finished: set[int] = set()
        self._next_sequence = 0
        self._prefix = 0  # slices [0, _prefix) all finished
        self._all_handed_out = False

    def open(self, cursor_value: datetime | None = None) -> int:
        """Register the next slice (with the cursor it covers up to); returns its sequence number."""
        with self._lock:
            sequence = self._next_sequence
            self._next_sequence += 1
            self._cursor_values[sequence] = cursor_value
            return sequence

    @property
    def opened_any(self) -> bool:
        """A slice of this read was handed out: its cursors are in flight."""
        with self._lock:
            return self._next_sequence > 0

    def close_handing_out(self) -> None:
        """Every slice of the read was handed out: the slice generator ran to its end."""
        with self._lock:
            self._all_handed_out = True

    def finish(self, sequence: int) -> datetime | None:
        """Mark a slice done; returns the newest cursor of the finished prefix, if it grew."""
        with self._lock:
            self._finished.add(sequence)
            newest: datetime | None = None
            while self._prefix in self._finished:
                self._finished.discard(self._prefix)
                value = self._cursor_values.pop(self._prefix)
                if value is not None and (newest is None or value > newest):
                    newest = value
                self._prefix += 1
            return newest

    @property
    def complete(self) -> bool:
        """Every slice was handed out and finished: the read covered everything it meant to."""
        with self._lock:
            return self._all_handed_out and self._prefix == self._next_sequence
