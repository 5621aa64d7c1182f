"""Tickets, with their deleted and spam views."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connector_common.stats import StreamStats
from source_freshdesk.estimates import EstimatedRows, SearchCount
from source_freshdesk.pagination import MAX_TICKET_PAGES, PAGE_SIZE, next_page_params
from source_freshdesk.state import (
    EPOCH,
    format_datetime,
    parse_datetime,
)
from source_freshdesk.streams.base import (
    DEFAULT_VIEW,
    FreshdeskContext,
    Page,
    PageCapReached,
    Record,
    StreamUnavailable,
    ViewedStream,
)
from source_freshdesk.streams.custom_fields import TypedCustomFields

# The list hides deleted and spam tickets; each view is read with its own filter and cursor.
TICKET_VIEWS = (DEFAULT_VIEW, "deleted", "spam")
# Contacts can be requesters while blocked or deleted; agents can be requesters too.
REQUESTER_SOURCES: tuple[tuple[str, dict[str, str]], ...] = (
    ("contacts", {}),
    ("contacts", {"state": "blocked"}),
    ("contacts", {"state": "deleted"}),
    ("agents", {}),
)


@dataclass
class KeysetPosition:
    """Where the next tickets request of a keyset walk starts: an updated_since and a page."""

    since: datetime
    page: int = 1

    def query(self) -> dict[str, Any]:
        return {"updated_since": format_datetime(self.since), "page": self.page}

    def advance(self, last: datetime | None, page_refused: bool) -> bool:
        """Move past a page whose last ticket was updated at `last`: restart at page 1 from that
        second when it is later, else step to the next page of the same second. False when
        neither can go on (the page cap refused the page, or 300 pages all share `since`)."""
        if last is not None and last > self.since:
            self.since, self.page = last, 1
            return True
        if not page_refused and self.page < MAX_TICKET_PAGES:
            self.page += 1
            return True
        return False

    def past_second(self) -> None:
        self.since, self.page = self.since + timedelta(seconds=1), 1


@dataclass
class BoundarySecond:
    """The tickets already emitted at the latest updated_at second: a walk that starts again
    from that second sees them again and must not emit them twice."""

    second: datetime | None = None
    ids: set[Any] = field(default_factory=set)
    requesters: set[Any] = field(default_factory=set)

    def admit(self, record: Record, updated_at: datetime | None) -> bool:
        """Whether `record` is new; a record of a later second starts a new boundary."""
        if updated_at != self.second:
            self.second, self.ids, self.requesters = updated_at, set(), set()
        return self.first_time(record)

    def first_time(self, record: Record) -> bool:
        """Whether `record` was not emitted at this second yet; it is from now on."""
        if record.get("id") in self.ids:
            return False
        self.ids.add(record.get("id"))
        self.requesters.add(record.get("requester_id"))
        return True

    def forget(self) -> None:
        """The walk moved past the second: whatever comes next starts a new boundary."""
        self.second = None


class Tickets(EstimatedRows, TypedCustomFields, ViewedStream):
    """Every view is walked by keyset (see walk), sorted by updated_at, so each view's cursor
    advances as its records are emitted."""

    endpoint = "tickets"
    fields_endpoint = "ticket_fields"
    sorted_by_cursor = True
    state_checkpoint_interval = PAGE_SIZE
    includes: tuple[str, ...] = ("description", "requester", "stats")
    views = TICKET_VIEWS
    row_count = SearchCount("tickets")  # the search leaves deleted and spam out

    def __init__(
        self,
        context: FreshdeskContext,
        stats: StreamStats | None = None,
        includes: tuple[str, ...] | None = None,
    ) -> None:
        if includes is not None:
            self.includes = includes
        super().__init__(context, stats)

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[Record]:
        since = self.tracker_for(stream_slice).value or self.config.start_date or EPOCH
        try:
            yield from self.walk(self.view_of(stream_slice), since)
        except StreamUnavailable as unavailable:
            self.skip(unavailable, part=self.part_of(stream_slice))

    def view_params(self, view: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "order_by": "updated_at",
            "order_type": "asc",
            "per_page": PAGE_SIZE,
        }
        if self.includes:
            params["include"] = ",".join(self.includes)
        if view != DEFAULT_VIEW:
            params["filter"] = view
        return params

    def listed_ids(self, since: datetime, views: tuple[str, ...] = TICKET_VIEWS) -> set[int]:
        """The ids of every ticket the views list as updated at or after `since`."""
        return {
            ticket["id"]
            for view in views
            for ticket in self.walk(view, since)
            if isinstance(ticket.get("id"), int)
        }

    def walk(self, view: str, since: datetime) -> Iterator[Record]:
        """Every ticket of a view updated at or after `since`, in updated_at order, each once.

        Hand-made rather than the CDK's next_page_token paging: each request depends on the whole
        walk so far (the ids already emitted at the boundary second, the page cap, the switch to
        reading one second per requester), which a token computed from one response cannot carry.

        Keyset pagination: after each page the next request starts again at page 1 from the last
        record's updated_at, skipping the ids already emitted at that second. Records that move
        while we read cannot shift unread ones onto pages we already passed, and the 300-page cap
        only matters when more than 30,000 tickets share one second: then page numbers step
        through that second until the cap, and the rest of it is read per requester.
        """
        base = self.view_params(view)
        position = KeysetPosition(since)
        emitted = BoundarySecond()
        while True:
            try:
                fetched: Page | None = self.fetch_page(self.endpoint, {**base, **position.query()})
            except PageCapReached:
                fetched = None
            records = fetched.records if fetched else []
            for record in records:
                if emitted.admit(record, parse_datetime(record.get(self.cursor_field))):
                    yield record
            if fetched is not None and not (records and next_page_params(fetched.response)):
                return
            last = parse_datetime(records[-1].get(self.cursor_field)) if records else None
            if not position.advance(last, page_refused=fetched is None):
                # More tickets share one second than 300 pages hold: no page number or
                # updated_since reaches the rest, so read that second per requester.
                yield from self._drain_second(view, position.since, emitted)
                position.past_second()
                emitted.forget()

    def _drain_second(
        self, view: str, second: datetime, emitted: BoundarySecond
    ) -> Iterator[Record]:
        self.logger.warning(
            f"More than {MAX_TICKET_PAGES * PAGE_SIZE} tickets ({view} view) share updated_at "
            f"{format_datetime(second)}; reading that second requester by requester."
        )
        base = {**self.view_params(view), "updated_since": format_datetime(second)}
        for requester_id in self._requester_ids(emitted.requesters):
            for fetched in self.pages(self.endpoint, {**base, "requester_id": requester_id}):
                for record in fetched.records:
                    at_second = parse_datetime(record.get(self.cursor_field)) == second
                    if at_second and emitted.first_time(record):
                        yield record
                last = fetched.records[-1] if fetched.records else None
                if last is not None and parse_datetime(last.get(self.cursor_field)) != second:
                    break  # sorted by updated_at: the rest of this requester is later

    def _requester_ids(self, known: set[Any]) -> Iterator[Any]:
        """Requesters already seen in that second first (they may no longer be listable), then
        every contact (active, blocked, deleted) and agent, each once."""
        visited = {requester for requester in known if requester is not None}
        yield from visited
        for endpoint, params in REQUESTER_SOURCES:
            try:
                for fetched in self.pages(endpoint, params):
                    for person in fetched.records:
                        if person.get("id") not in visited:
                            visited.add(person.get("id"))
                            yield person.get("id")
            except StreamUnavailable as unavailable:
                self.logger.warning(f"Cannot list {endpoint} {params} as requesters: {unavailable}")
