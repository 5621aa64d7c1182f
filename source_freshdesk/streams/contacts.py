"""Contacts, with the blocked and deleted ones the default list leaves out.

Each view (`state=blocked`, `state=deleted`) is a list of its own with its own cursor, like the
tickets views, so a destination sees a contact being blocked or deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime
from typing import Any

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.types import StreamSlice

from source_freshdesk.state import (
    CursorTracker,
    SliceLedger,
    cursor_from_state,
    format_datetime,
)
from source_freshdesk.streams.base import IncrementalStream, Record, StreamUnavailable
from source_freshdesk.streams.custom_fields import TypedCustomFields

DEFAULT_VIEW = "default"
CONTACT_VIEWS = (DEFAULT_VIEW, "blocked", "deleted")


class Contacts(TypedCustomFields, IncrementalStream):
    endpoint = "contacts"
    fields_endpoint = "contact_fields"
    since_param = "_updated_since"  # the list is alphabetical: not sorted by the cursor

    # State: {"updated_at": ..., "blocked": {"updated_at": ...}, "deleted": {"updated_at": ...}};
    # the top-level key is the default view, so Airbyte's contacts state carries over.
    @property
    def state(self) -> MutableMapping[str, Any]:
        state: dict[str, Any] = {}
        for view, tracker in self._views.items():
            if tracker.value is None:
                continue
            value = {self.cursor_field: format_datetime(tracker.value)}
            if view == DEFAULT_VIEW:
                state.update(value)
            else:
                state[view] = value
        return state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        value = value or {}
        self._ledger = SliceLedger()
        self._views = {
            view: CursorTracker(
                sorted_by_cursor=False,
                committed=cursor_from_state(
                    value if view == DEFAULT_VIEW else value.get(view), self.cursor_field
                ),
            )
            for view in CONTACT_VIEWS
        }
        self._tracker = self._views[DEFAULT_VIEW]

    def slices(self) -> Iterable[StreamSlice]:
        for view in CONTACT_VIEWS:
            yield StreamSlice(partition={"view": view}, cursor_slice={})

    def tracker_for(self, stream_slice: Mapping[str, Any] | None) -> CursorTracker:
        return self._views[(stream_slice or {}).get("view", DEFAULT_VIEW)]

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        params = self.request_filters(lower_bound)
        view = stream_slice.get("view", DEFAULT_VIEW)
        if view != DEFAULT_VIEW:
            params["state"] = view
        for page in self.pages(self.endpoint, params):
            for record in page.records:
                yield record, page.server_time

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Record]:
        # IncrementalStream's read, on the view's own tracker.
        stream_slice = stream_slice or StreamSlice(partition={}, cursor_slice={})
        tracker = self.tracker_for(stream_slice)
        saved_cursor = tracker.value
        try:
            for record, server_time in self.fetch(stream_slice, self.lower_bound(saved_cursor)):
                tracker.saw_server_time(server_time)
                updated_at = self.cursor_value(record)
                if saved_cursor and updated_at and updated_at < saved_cursor:
                    continue
                yield record
        except StreamUnavailable as unavailable:
            view = stream_slice.get("view", DEFAULT_VIEW)
            self.skip(unavailable, part=f"the {view} view of stream")
            return
        self.finish_slice(stream_slice)

    def finish_read(self) -> None:
        # Every view's read is unsorted: each commits once all of the stream's slices finished.
        if self._ledger.complete:
            for tracker in self._views.values():
                tracker.commit()
        self.logger.info(self.stats.summary())
