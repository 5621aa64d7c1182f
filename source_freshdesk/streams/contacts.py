"""Contacts, with the blocked and deleted ones the default list leaves out.

Each view (`state=blocked`, `state=deleted`) is a list of its own with its own cursor, like the
tickets views, so a destination sees a contact being blocked or deleted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from source_freshdesk.estimates import EstimatedRows, SearchCount
from source_freshdesk.streams.base import DEFAULT_VIEW, Record, ViewedStream
from source_freshdesk.streams.custom_fields import TypedCustomFields


class Contacts(EstimatedRows, TypedCustomFields, ViewedStream):
    endpoint = "contacts"
    fields_endpoint = "contact_fields"
    since_param = "_updated_since"  # the list is alphabetical: not sorted by the cursor
    views = (DEFAULT_VIEW, "blocked", "deleted")
    row_count = SearchCount("contacts", views=(DEFAULT_VIEW, "blocked"))  # no deleted ones

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        params = self.request_filters(lower_bound)
        view = self.view_of(stream_slice)
        if view != DEFAULT_VIEW:
            params["state"] = view
        for page in self.pages(self.endpoint, params):
            for record in page.records:
                yield record, page.server_time
