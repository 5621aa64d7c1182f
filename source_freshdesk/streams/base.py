"""What every Freshdesk stream shares: requests, pages, error policy, cursors and the summary line.

Streams are read by the CDK's concurrent engine: `stream_slices` runs on one worker and hands out
slices, `read_records` runs for many slices at once on other workers. So a stream object holds no
per-read state outside its thread-safe trackers, and a slice carries everything its read needs.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from airbyte_cdk.sources.streams import CheckpointMixin
from airbyte_cdk.sources.streams.http import HttpClient, HttpStream
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.types import StreamSlice
from requests.auth import AuthBase

from connector_common.record_coercion import SchemaCoercion
from connector_common.slice_reading import ReadsBySlice
from connector_common.stats import COUNTERS, StreamStats
from source_freshdesk.config import FreshdeskConfig
from source_freshdesk.http_errors import (
    FreshdeskErrorHandler,
    RetryAfterBackoff,
    error_text,
    is_page_cap_response,
    is_skippable_403,
    json_body,
)
from source_freshdesk.pagination import PAGE_SIZE, next_page_params
from source_freshdesk.rate_limit import FreshdeskAPIBudget
from source_freshdesk.state import (
    CursorTracker,
    SliceLedger,
    cursor_from_state,
    format_datetime,
    parse_datetime,
)

Record = Mapping[str, Any]
# Freshdesk runs no report jobs: its summary line shows every other counter.
SUMMARY_COUNTERS = tuple(counter for counter in COUNTERS if counter != "jobs")
# The slice key that orders a stream's slices in its ledger.
SEQUENCE = "sequence"
# The unfiltered list of a stream read as several views.
DEFAULT_VIEW = "default"


class StreamUnavailable(Exception):
    """The key's role or the account's plan does not allow this stream (403)."""


class ResourceGone(Exception):
    """A child resource answered 403/404: its parent was deleted, spammed or hidden meanwhile."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


class PageCapReached(Exception):
    """/tickets refused a page beyond its 300-page cap."""


@dataclass(frozen=True)
class Page:
    records: list[Record]
    server_time: datetime | None  # the response's Date header: the API's own clock
    response: requests.Response


@dataclass(frozen=True)
class FreshdeskContext:
    """What every stream of one source shares: config, one rate budget, one HTTP session."""

    config: FreshdeskConfig
    budget: FreshdeskAPIBudget
    authenticator: AuthBase
    # One connection pool for all streams and workers, sized for the workers (see source.py).
    session: requests.Session


class FreshdeskStream(ReadsBySlice, HttpStream, ABC):
    """A list endpoint under /api/v2/, read page by page through the Link header."""

    primary_key: str | list[str] | None = "id"
    endpoint: str = ""
    # The API's lower-bound filter on the cursor, where it has one.
    since_param: str | None = None
    paginated = True
    # Statuses that mean "this child resource is gone", counted and skipped (child streams only).
    gone_statuses: frozenset[int] = frozenset()
    # Full-refresh streams own read_records, so they opt out of the CDK's resumable full refresh:
    # its final "complete" state, replayed, would read zero rows.
    is_resumable = False
    # The CDK's default normalization, compiled once per schema: the same records, a fraction of
    # the CPU (the CDK walks the schema through a validator for every record).
    transformer = SchemaCoercion()

    def __init__(self, context: FreshdeskContext, stats: StreamStats | None = None) -> None:
        # Set before HttpStream.__init__, which builds the error handler straight away.
        self.context = context
        self.config = context.config
        self.stats = stats or StreamStats(self.name, shown=SUMMARY_COUNTERS)
        super().__init__(authenticator=context.authenticator, api_budget=context.budget)
        self.http = HttpClient(
            name=self.name,
            logger=self.logger,
            error_handler=self.get_error_handler(),
            api_budget=context.budget,
            session=context.session,
            backoff_strategy=self.get_backoff_strategy(),
        )

    @property
    def url_base(self) -> str:
        return self.config.base_url

    def path(self, **_: Any) -> str:
        return self.endpoint

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        # pages() follows the Link header itself. HttpStream.read_records would page through the
        # HttpClient HttpStream.__init__ builds, on a session of its own (its public constructor
        # takes no session or client), so every stream would open its own connection pool and
        # `self.http`, on the one shared session, would go unused; putting ours in its place
        # needs a private attribute. pages() also keeps, per read, every query already asked
        # (a next link back to any of them ends the list), which one response cannot tell.
        return None

    def parse_response(self, response: requests.Response, **_: Any) -> Iterable[Record]:
        body = json_body(response)
        if isinstance(body, list):
            return [item for item in body if isinstance(item, Mapping)]
        return [body] if isinstance(body, Mapping) else []

    def get_error_handler(self) -> ErrorHandler:
        return FreshdeskErrorHandler(self.logger, self.stats, self.gone_statuses)

    def get_backoff_strategy(self) -> BackoffStrategy:
        return RetryAfterBackoff(self.stats)

    # -- slices and records ----------------------------------------------------------------------

    def stream_slices(self, **_: Any) -> Iterable[StreamSlice]:
        return self.slices()

    def slices(self) -> Iterable[StreamSlice]:
        """The units of work of one read; each may run on its own worker."""
        yield StreamSlice(partition={}, cursor_slice={})

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[Record]:
        """The records of one slice."""
        try:
            yield from self.records_for(stream_slice)
        except StreamUnavailable as unavailable:
            self.skip(unavailable)

    def skip(self, unavailable: StreamUnavailable, part: str = "stream") -> None:
        """What was read stays; the sync goes on with the next stream."""
        self.logger.warning(f"Skipping {part} '{self.name}': {unavailable}")
        self.stats.mark_skipped(str(unavailable))

    def records_for(self, stream_slice: Mapping[str, Any]) -> Iterator[Record]:
        for record, _ in self.fetch(stream_slice, lower_bound=None):
            yield record

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        """Records with the API's clock at the time their page was served."""
        for page in self.pages(self.endpoint, self.request_filters(lower_bound)):
            for record in page.records:
                yield record, page.server_time

    def request_filters(self, lower_bound: datetime | None) -> dict[str, Any]:
        params = self.list_params()
        if self.since_param and lower_bound:
            params[self.since_param] = format_datetime(lower_bound)
        return params

    def list_params(self) -> dict[str, Any]:
        """Fixed filters of the endpoint (beyond page, per_page and the since filter)."""
        return {}

    def iterate_all(self) -> Iterator[Record]:
        """Every record of this stream, for a child stream walking it as its parent."""
        for stream_slice in self.slices():
            yield from self.records_for(stream_slice)

    def record_emitted(self, record: Record, stream_slice: Mapping[str, Any] | None) -> None:
        """The engine queued this record for output (called on the worker that read it)."""
        self.stats.count_record()

    def finish_read(self) -> None:
        """The engine finished every slice of this stream (or gave up on it)."""
        self.logger.info(self.stats.summary())

    # -- pages -----------------------------------------------------------------------------------

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Page]:
        query: dict[str, Any] = {"per_page": PAGE_SIZE, **params} if self.paginated else {**params}
        requested: set[tuple[tuple[str, str], ...]] = set()
        while True:
            requested.add(_query_key(query))
            page = self.fetch_page(path, query)
            yield page
            next_query = next_page_params(page.response) if page.records else None
            if next_query is None:
                return
            query = {**query, **next_query}
            if _query_key(query) in requested:
                # A next link back to a page already read would loop forever.
                self.logger.warning(
                    f"Freshdesk's next link for {path} points back to a page already read "
                    f"({next_query}); the list ends here."
                )
                return

    def fetch_page(self, path: str, query: Mapping[str, Any]) -> Page:
        with self.stats.work_in_flight():
            _, response = self.http.send_request(
                http_method="GET",
                url=f"{self.url_base}{path}",
                request_kwargs={"timeout": self.config.request_timeout},
                params=dict(query),
                dedupe_query_params=True,
            )
        if not 200 <= response.status_code < 300:
            raise self.ignored_response_error(response)
        records = list(self.parse_response(response))
        self.stats.count_page()
        return Page(records=records, server_time=_server_time(response), response=response)

    def ignored_response_error(self, response: requests.Response) -> Exception:
        """The error handler let this response through as IGNORE; say what it means here."""
        if response.status_code in self.gone_statuses:
            return ResourceGone(response.status_code, error_text(response))
        if is_page_cap_response(response):
            return PageCapReached()
        if is_skippable_403(response):
            return StreamUnavailable(f"Freshdesk answered 403 ({error_text(response)})")
        return RuntimeError(f"Unexpected ignored response HTTP {response.status_code}")


def _query_key(query: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    # Without a page number the API serves page 1.
    return tuple(sorted((str(k), str(v)) for k, v in {"page": 1, **query}.items()))


def _server_time(response: requests.Response) -> datetime | None:
    try:
        return parse_datetime(parsedate_to_datetime(response.headers["Date"]))
    except (KeyError, TypeError, ValueError):
        return None


class IncrementalStream(FreshdeskStream, CheckpointMixin):
    """A stream with an `updated_at` cursor.

    `since_param` names the API's lower-bound filter when there is one; otherwise (and on top of it)
    records below the saved cursor are dropped client-side. `sorted_by_cursor` says whether pages
    come in cursor order, which decides whether state may advance mid-read: an unsorted stream
    commits once, after every one of its slices finished.
    """

    cursor_field = "updated_at"
    is_resumable = True
    sorted_by_cursor = False
    # How far before the saved cursor the server-side filter starts (lookback-filtered streams).
    uses_lookback = False

    def __init__(self, context: FreshdeskContext, stats: StreamStats | None = None) -> None:
        self.state = {}  # the setter builds the cursor trackers; the source sets saved state later
        super().__init__(context, stats)

    @property
    def state_key(self) -> str:
        """The key the cursor is saved under: the cursor field, unless a stream says otherwise."""
        return self.cursor_field

    @property
    def state(self) -> MutableMapping[str, Any]:
        value = self._tracker.value
        return {self.state_key: format_datetime(value)} if value else {}

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        committed = cursor_from_state(value, self.state_key, self.name)
        self._ledger = self.new_ledger()
        self._tracker = CursorTracker(self.sorted_by_cursor, committed=committed)

    def new_ledger(self) -> SliceLedger:
        """A fresh ledger for a read that starts from the state being set. Setting state once
        slices were handed out would drop their cursors from the ledger, and a checkpoint could
        then cover a slice still in flight: that order of calls is a bug, so it fails loudly."""
        ledger: SliceLedger | None = getattr(self, "_ledger", None)
        if ledger is not None and ledger.opened_any:
            raise RuntimeError(
                f"{self.name}: the state was set after the read handed out slices; the saved "
                "state must be set before the read starts (checkpoints.StreamCheckpoints sets it)."
            )
        return SliceLedger()

    def stream_slices(self, **_: Any) -> Iterable[StreamSlice]:
        """The stream's slices, numbered in the ledger in the order they are handed out."""
        for stream_slice in self.slices():
            sequence = self._ledger.open(self.slice_cursor(stream_slice))
            yield StreamSlice(
                partition={**stream_slice.partition, SEQUENCE: sequence},
                cursor_slice=stream_slice.cursor_slice,
            )
        self._ledger.close_handing_out()

    def slice_cursor(self, stream_slice: StreamSlice) -> datetime | None:
        """How far the cursor may move once this slice and every slice before it finished."""
        return None

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[Record]:
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
            # The slice stays unfinished, so the cursor does not move past what was left unread.
            self.skip(unavailable, part=self.part_of(stream_slice))
            return
        self.finish_slice(stream_slice)

    def part_of(self, stream_slice: Mapping[str, Any]) -> str:
        """What a skip of this slice leaves out, for the log line."""
        return "stream"

    def record_emitted(self, record: Record, stream_slice: Mapping[str, Any] | None) -> None:
        super().record_emitted(record, stream_slice)
        # Only now, with the record queued for output, may a checkpoint cover it.
        self.tracker_for(stream_slice).observe(self.cursor_value(record))

    def cursor_value(self, record: Record) -> datetime | None:
        """The record's cursor as a datetime (a stream whose cursor is not a date string says how)."""
        return parse_datetime(record.get(self.cursor_field))

    def tracker_for(self, stream_slice: Mapping[str, Any] | None) -> CursorTracker:
        """The tracker a slice's records advance."""
        return self._tracker

    def finish_slice(self, stream_slice: Mapping[str, Any]) -> None:
        """Every record of the slice was handed on; record it in the ledger."""
        sequence = stream_slice.get(SEQUENCE)
        if sequence is None:
            return
        prefix_cursor = self._ledger.finish(sequence)
        if prefix_cursor is not None:
            self._tracker.observe(prefix_cursor)

    def trackers(self) -> Iterable[CursorTracker]:
        """Every tracker of the stream."""
        return (self._tracker,)

    def finish_read(self) -> None:
        # An unsorted stream commits once, when every one of its slices finished.
        if not self.sorted_by_cursor and self._ledger.complete:
            for tracker in self.trackers():
                tracker.commit()
        super().finish_read()

    def lower_bound(self, saved_cursor: datetime | None) -> datetime | None:
        """Where the server-side filter starts: the saved cursor (minus the lookback) or start_date."""
        if saved_cursor is None:
            return self.config.start_date
        if self.uses_lookback:
            saved_cursor -= timedelta(days=self.config.lookback_window_in_days)
        start = self.config.start_date
        return max(saved_cursor, start) if start else saved_cursor


class ViewedStream(IncrementalStream):
    """An incremental list read as several views (filters), each a slice with its own cursor.

    State: {"updated_at": ..., "<view>": {"updated_at": ...}, ...}. The top-level key is the default
    view, so state written by Airbyte's own connector (which reads the default view only) carries
    over.
    """

    views: tuple[str, ...] = (DEFAULT_VIEW,)

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
        self._ledger = self.new_ledger()
        self._views = {
            view: CursorTracker(
                self.sorted_by_cursor,
                committed=cursor_from_state(
                    value,
                    self.cursor_field if view == DEFAULT_VIEW else f"{view}.{self.cursor_field}",
                    self.name,
                ),
            )
            for view in self.views
        }
        self._tracker = self._views[DEFAULT_VIEW]

    def slices(self) -> Iterable[StreamSlice]:
        # Each view is a walk of its own, read alongside the others.
        for view in self.views:
            yield StreamSlice(partition={"view": view}, cursor_slice={})

    @staticmethod
    def view_of(stream_slice: Mapping[str, Any] | None) -> str:
        return str((stream_slice or {}).get("view", DEFAULT_VIEW))

    def tracker_for(self, stream_slice: Mapping[str, Any] | None) -> CursorTracker:
        return self._views[self.view_of(stream_slice)]

    def trackers(self) -> Iterable[CursorTracker]:
        return self._views.values()

    def part_of(self, stream_slice: Mapping[str, Any]) -> str:
        return f"the {self.view_of(stream_slice)} view of stream"


class ChildStream(FreshdeskStream):
    """A resource listed under each record of a parent stream, e.g. tickets/{parent_id}/conversations.

    One slice per parent, so many parents are read at once. The parent is walked by a private
    instance that counts into this stream's summary and leaves the parent stream's state alone.
    """

    parent_stream: type[FreshdeskStream]
    gone_statuses = frozenset({403, 404})
    # The field that names the parent on a child record, filled in when the API leaves it out.
    parent_id_field: str | None = None

    def __init__(self, context: FreshdeskContext, stats: StreamStats | None = None) -> None:
        super().__init__(context, stats)
        self.parent = self.parent_stream(context, stats=self.stats)

    def slices(self) -> Iterable[StreamSlice]:
        try:
            for parent in self.parent.iterate_all():
                yield StreamSlice(partition={"parent_id": parent["id"]}, cursor_slice={})
        except StreamUnavailable as unavailable:
            # The plan or role refuses the parent list, and with it every child under it.
            self.skip(unavailable)

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        parent_id = stream_slice["parent_id"]
        try:
            path = self.endpoint.format(parent_id=parent_id)
            for page in self.pages(path, self.request_filters(lower_bound)):
                for record in page.records:
                    yield self.link_parent(record, parent_id), page.server_time
        except ResourceGone:
            self.stats.count_skipped_child()

    def link_parent(self, record: Record, parent_id: Any) -> Record:
        if self.parent_id_field and record.get(self.parent_id_field) is None:
            return {**record, self.parent_id_field: parent_id}
        return record
