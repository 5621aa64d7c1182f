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
from datetime import datetime, timezone
from typing import Any

import pendulum

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_datetime(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime, or None for null / unparseable values."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return (
            value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
        )
    try:
        parsed = pendulum.parse(str(value), tz="UTC")
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return None
    if not isinstance(parsed, datetime):
        return None
    return datetime.fromtimestamp(parsed.timestamp(), tz=timezone.utc)


def format_datetime(value: datetime) -> str:
    """The form Freshdesk filters accept and Airbyte's Freshdesk state used: 2024-01-31T09:30:00Z."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class CursorTracker:
    """The cursor of one stream partition (thread-safe)."""

    def __init__(self, sorted_by_cursor: bool, committed: datetime | None = None) -> None:
        self._sorted = sorted_by_cursor
        self._lock = threading.Lock()
        self._committed = committed
        self._pending: datetime | None = None

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

    def commit(self, ceiling: datetime | None = None) -> None:
        """Close a completed read: an unsorted partition advances now, capped at `ceiling`."""
        with self._lock:
            if self._pending is None:
                return
            target = self._pending if ceiling is None else min(self._pending, ceiling)
            self._advance(target)

    def _advance(self, target: datetime) -> None:
        if self._committed is None or target > self._committed:
            self._committed = target


def cursor_from_state(state: Mapping[str, Any] | None, key: str) -> datetime | None:
    if not isinstance(state, Mapping):
        return None
    return parse_datetime(state.get(key))
