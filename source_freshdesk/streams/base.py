"""What every Freshdesk stream shares: requests, pages, error policy, cursors and the summary line."""

from __future__ import annotations

from abc import ABC
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams import CheckpointMixin
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer
from requests.auth import AuthBase

from connector_common.stats import StreamStats
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
    cursor_from_state,
    format_datetime,
    parse_datetime,
)

Record = Mapping[str, Any]
# (connect, read) seconds: a hung connection is retried instead of stalling the sync forever.
REQUEST_TIMEOUT = (15, 120)


class StreamUnavailable(Exception):
    """The key's role or the account's plan does not allow this stream (403)."""


class ResourceGone(Exception):
    """A child resource answered 403/404: its parent was deleted, spammed or hidden meanwhile."""


class PageCapReached(Exception):
    """/tickets refused a page beyond its 300-page cap."""


@dataclass(frozen=True)
class Page:
    records: list[Record]
    server_time: datetime | None  # the response's Date header: the API's own clock
    response: requests.Response


@dataclass(frozen=True)
class FreshdeskContext:
    """What every stream of one source shares: config, one rate budget, one authenticator."""

    config: FreshdeskConfig
    budget: FreshdeskAPIBudget
    authenticator: AuthBase


class FreshdeskStream(HttpStream, ABC):
    """A list endpoint under /api/v2/, read page by page through the Link header."""

    primary_key: str | list[str] | None = "id"
    endpoint: str = ""
    # The API's lower-bound filter on the cursor, where it has one.
    since_param: str | None = None
    paginated = True
    # Statuses that mean "this child resource is gone", counted and skipped (child streams only).
    gone_statuses: frozenset[int] = frozenset()
    # Full-refresh streams own read_records, so they must opt out of the CDK's resumable full
    # refresh (platform.md §1.8): it would loop forever, or replay a "complete" state as zero rows.
    is_resumable = False
    transformer = TypeTransformer(TransformConfig.DefaultSchemaNormalization)

    def __init__(self, context: FreshdeskContext, stats: StreamStats | None = None) -> None:
        # Set before HttpStream.__init__, which builds the error handler straight away.
        self.context = context
        self.config = context.config
        self.stats = stats or StreamStats(self.name)
        super().__init__(authenticator=context.authenticator, api_budget=context.budget)

    @property
    def url_base(self) -> str:
        return self.config.base_url

    def path(self, **_: Any) -> str:
        return self.endpoint

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        return None  # pages() follows the Link header itself, with its own per-read context

    def parse_response(self, response: requests.Response, **_: Any) -> Iterable[Record]:
        body = json_body(response)
        if isinstance(body, list):
            return [item for item in body if isinstance(item, Mapping)]
        return [body] if isinstance(body, Mapping) else []

    def get_error_handler(self) -> ErrorHandler:
        return FreshdeskErrorHandler(self.logger, self.stats, self.gone_statuses)

    def get_backoff_strategy(self) -> BackoffStrategy:
        return RetryAfterBackoff(self.stats)

    # -- reading -------------------------------------------------------------------------------

    def read(self, *args: Any, **kwargs: Any) -> Iterable[Any]:
        try:
            for item in super().read(*args, **kwargs):
                if isinstance(item, Mapping):
                    self.stats.count_record()
                yield item
        finally:
            self.logger.info(self.stats.summary())

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Record]:
        try:
            yield from self.records_for(stream_slice or StreamSlice(partition={}, cursor_slice={}))
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
        for stream_slice in self.stream_slices(sync_mode=SyncMode.full_refresh):
            yield from self.records_for(stream_slice or {})

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Page]:
        query: dict[str, Any] = {"per_page": PAGE_SIZE, **params} if self.paginated else {**params}
        while True:
            page = self.fetch_page(path, query)
            yield page
            next_query = next_page_params(page.response) if page.records else None
            if next_query is None:
                return
            query = {**query, **next_query}

    def fetch_page(self, path: str, query: Mapping[str, Any]) -> Page:
        _, response = self._http_client.send_request(
            http_method="GET",
            url=self._join_url(self.url_base, path),
            request_kwargs={"timeout": REQUEST_TIMEOUT},
            params=dict(query),
            dedupe_query_params=True,
        )
        if not 200 <= response.status_code < 300:
            raise self._ignored_response_error(response)
        records = list(self.parse_response(response))
        self.stats.count_page()
        return Page(records=records, server_time=_server_time(response), response=response)

    def _ignored_response_error(self, response: requests.Response) -> Exception:
        """The error handler let this response through as IGNORE; say what it means here."""
        if response.status_code in self.gone_statuses:
            return ResourceGone(response.status_code)
        if is_page_cap_response(response):
            return PageCapReached()
        if is_skippable_403(response):
            return StreamUnavailable(f"Freshdesk answered 403 ({error_text(response)})")
        return RuntimeError(f"Unexpected ignored response HTTP {response.status_code}")


def _server_time(response: requests.Response) -> datetime | None:
    try:
        return parse_datetime(parsedate_to_datetime(response.headers["Date"]))
    except (KeyError, TypeError, ValueError):
        return None


class IncrementalStream(FreshdeskStream, CheckpointMixin):
    """A stream with an `updated_at` cursor.

    `since_param` names the API's lower-bound filter when there is one; otherwise (and on top of it)
    records below the saved cursor are dropped client-side. `sorted_by_cursor` says whether pages
    come in cursor order, which decides whether state may advance mid-read.
    """

    cursor_field = "updated_at"
    is_resumable = True
    sorted_by_cursor = False
    # How far before the saved cursor the server-side filter starts (lookback-filtered streams).
    uses_lookback = False

    def __init__(self, context: FreshdeskContext, stats: StreamStats | None = None) -> None:
        self.state = {}  # the setter builds the cursor trackers; the CDK sets saved state later
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
        committed = cursor_from_state(value, self.state_key)
        self._tracker = CursorTracker(self.sorted_by_cursor, committed=committed)

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Record]:
        tracker = self._tracker
        saved_cursor = tracker.value if sync_mode == SyncMode.incremental else None
        read_started: datetime | None = None
        try:
            for record, server_time in self.fetch(
                stream_slice or {}, self.lower_bound(saved_cursor)
            ):
                read_started = read_started or server_time
                updated_at = parse_datetime(record.get(self.cursor_field))
                if saved_cursor and updated_at and updated_at < saved_cursor:
                    continue
                tracker.observe(updated_at)
                yield record
        except StreamUnavailable as unavailable:
            # The cursor does not move either, so nothing left unread is skipped next time.
            self.skip(unavailable)
            return
        ceiling = read_started - timedelta(seconds=1) if read_started else None
        tracker.commit(ceiling=ceiling)

    def lower_bound(self, saved_cursor: datetime | None) -> datetime | None:
        """Where the server-side filter starts: the saved cursor (minus the lookback) or start_date."""
        if saved_cursor is None:
            return self.config.start_date
        if self.uses_lookback:
            saved_cursor -= timedelta(days=self.config.lookback_window_in_days)
        start = self.config.start_date
        return max(saved_cursor, start) if start else saved_cursor


class ChildStream(FreshdeskStream):
    """A resource listed under each record of a parent stream, e.g. tickets/{parent_id}/conversations.

    Parents are walked inside one slice: the trees are small, and one slice lets an unsorted child
    commit its cursor once, after every parent was read.
    """

    gone_statuses = frozenset({403, 404})
    # The field that names the parent on a child record, filled in when the API leaves it out.
    parent_id_field: str | None = None

    def __init__(self, context: FreshdeskContext, parent: FreshdeskStream) -> None:
        self.parent = parent
        super().__init__(context)

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        filters = self.request_filters(lower_bound)
        for parent in self.parent.iterate_all():
            try:
                for page in self.pages(self.endpoint.format(parent_id=parent["id"]), filters):
                    for record in page.records:
                        yield self.link_parent(record, parent), page.server_time
            except ResourceGone:
                self.stats.count_skipped_child()

    def link_parent(self, record: Record, parent: Record) -> Record:
        if self.parent_id_field and record.get(self.parent_id_field) is None:
            return {**record, self.parent_id_field: parent["id"]}
        return record
