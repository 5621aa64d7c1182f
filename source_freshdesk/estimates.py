"""Row estimates of the long streams, emitted as ESTIMATE traces for the platform's progress bar.

Each estimate comes from what the API tells for a few credits a sync, never a credit per record:

* tickets and contacts: the Filter (search) API's `total` for "updated on or after the day the
  read starts from" (1 credit). It counts whole days and lags the index by a few minutes, and it
  leaves out the views it does not index (deleted and spam tickets, deleted contacts): those are
  added as they are read. The estimate never falls below the rows already read.
* time_entries: no count exists, so once the stream's own first page came back full, a few page
  probes (`per_page=100`) find the list's last page: pages 16, 256, ... until one is not full,
  then halving the gap in between (at most `MAX_PAGE_PROBES` credits). A page that is neither
  full nor empty gives the exact count; a list of one page is counted by reading it.
* conversations: the same tickets count for the walk's own cursor, times the conversations per
  ticket read so far; once the walk has listed every ticket, their exact number replaces the count.

An estimate request that fails (any status, a timeout, a body without a count) only means no
estimate: it is tried once, never retried, and never fails the sync.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import requests
from airbyte_cdk.models import AirbyteMessage, SyncMode
from airbyte_cdk.sources.streams.core import StreamData
from airbyte_cdk.sources.streams.http import HttpClient
from airbyte_cdk.sources.streams.http.error_handlers import (
    ErrorHandler,
    ErrorResolution,
    ResponseAction,
)

from connector_common.estimates import row_estimate
from connector_common.stats import StreamStats
from source_freshdesk.http_errors import error_text, json_body
from source_freshdesk.state import EPOCH
from source_freshdesk.streams.base import DEFAULT_VIEW, IncrementalStream, ViewedStream

# The list's maximum page size: the fewer pages, the fewer probes.
PROBE_PAGE_SIZE = 100
# After the full first page, pages 16, 256, ... are probed until one is not full: 5 probes reach
# page 1,048,576 (100 million entries).
PROBE_STEP = 16
MAX_PAGE_PROBES = 8
# A conversations estimate after the first batch, then every this many batches (1,000 tickets).
CONVERSATION_BATCHES_PER_ESTIMATE = 50


class EstimateErrorHandler(ErrorHandler):
    """An estimate is worth one try: any answer but a 2xx with JSON is ignored, never retried."""

    def __init__(self, stats: StreamStats) -> None:
        self._stats = stats

    @property
    def max_retries(self) -> int | None:
        return 0

    @property
    def max_time(self) -> int | None:
        return None

    def interpret_response(
        self, response_or_exception: requests.Response | Exception | None = None
    ) -> ErrorResolution:
        self._stats.count_request()
        if isinstance(response_or_exception, requests.Response) and _usable(response_or_exception):
            return ErrorResolution(ResponseAction.SUCCESS)
        return ErrorResolution(ResponseAction.IGNORE, None, "")


def _usable(response: requests.Response) -> bool:
    return 200 <= response.status_code < 300 and json_body(response) is not None


class EstimateClient:
    """GETs made only for an estimate, on the streams' session and rate budget."""

    def __init__(self, stream: IncrementalStream) -> None:
        self._stream = stream
        self._http = HttpClient(
            name=f"{stream.name}_estimate",
            logger=stream.logger,
            error_handler=EstimateErrorHandler(stream.stats),
            api_budget=stream.context.budget,
            session=stream.context.session,
            disable_retries=True,
        )

    def get(self, path: str, params: Mapping[str, Any]) -> Any | None:
        """The JSON body, or None (and a warning) when the request did not succeed."""
        try:
            _, response = self._http.send_request(
                http_method="GET",
                url=f"{self._stream.url_base}{path}",
                request_kwargs={"timeout": self._stream.config.request_timeout},
                params=dict(params),
                dedupe_query_params=True,
            )
        except Exception as failure:  # an estimate must never end the sync, whatever went wrong
            self._warn(path, type(failure).__name__)
            return None
        if response is None or not 200 <= response.status_code < 300:
            status = "no answer" if response is None else f"HTTP {response.status_code}"
            detail = f" ({error_text(response)})" if response is not None else ""
            self._warn(path, f"{status}{detail}")
            return None
        body = json_body(response)
        if body is None:
            self._warn(path, "a body that is not JSON")
        return body

    def _warn(self, path: str, what: str) -> None:
        self._stream.logger.warning(
            f"No row estimate for '{self._stream.name}': {path} answered {what}; "
            "the sync goes on without one."
        )


def search_total(client: EstimateClient, resource: str, since: datetime) -> int | None:
    """How many `resource` the Filter API finds updated on or after `since`'s day (1 credit)."""
    body = client.get(f"search/{resource}", {"query": f"\"updated_at:>'{since:%Y-%m-%d}'\""})
    total = body.get("total") if isinstance(body, Mapping) else None
    return total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None


def probe_list_length(rows_on: Callable[[int], int | None], full_pages: int = 0) -> int | None:
    """The length of a list of PROBE_PAGE_SIZE-row pages from at most MAX_PAGE_PROBES calls of
    `rows_on(page)` (the rows on that page, None when it could not be read), knowing that its
    first `full_pages` pages are full."""
    full, empty = full_pages, None  # the last page known full, the first page known empty
    page = max(full * PROBE_STEP, 1)
    for _probe in range(MAX_PAGE_PROBES):
        rows = rows_on(page)
        if rows is None:
            return None
        if 0 < rows < PROBE_PAGE_SIZE or (rows == 0 and page == full + 1):
            return (page - 1) * PROBE_PAGE_SIZE + rows
        if rows >= PROBE_PAGE_SIZE:
            full = page
        else:
            empty = page
        if empty is None:
            page = max(page * PROBE_STEP, 2)
        elif empty == full + 1:
            return full * PROBE_PAGE_SIZE
        else:
            page = max(full + 1, min(empty - 1, round(math.sqrt(full * empty))))
    # Out of probes: the geometric middle of what the bracket still allows.
    upper = empty if empty is not None else full * PROBE_STEP
    return round(math.sqrt(full * (upper - 1))) * PROBE_PAGE_SIZE


class RowCount:
    """How a stream's rows are counted; None when they cannot be."""

    # The views the count covers; rows of the others are added as they are read.
    views: tuple[str, ...] = (DEFAULT_VIEW,)
    # The rows a slice hands on before the count is asked (0: before its first row).
    after_rows = 0

    def count(self, stream: IncrementalStream, client: EstimateClient) -> int | None:
        raise NotImplementedError


class SearchCount(RowCount):
    """The Filter API's total for the list's updated_at range (1 credit)."""

    def __init__(self, resource: str, views: tuple[str, ...] = (DEFAULT_VIEW,)) -> None:
        self.resource = resource
        self.views = views

    def count(self, stream: IncrementalStream, client: EstimateClient) -> int | None:
        return search_total(client, self.resource, read_start(stream))


class PageProbes(RowCount):
    """The list's length from a few probed pages (at most MAX_PAGE_PROBES credits).

    Asked only once the stream has read a full first page (a shorter list is counted by reading
    it), and before it asks for the next: so the probes start at page PROBE_STEP."""

    after_rows = PROBE_PAGE_SIZE

    def count(self, stream: IncrementalStream, client: EstimateClient) -> int | None:
        since = stream.lower_bound(stream.tracker_for(None).value)
        params = {**stream.request_filters(since), "per_page": PROBE_PAGE_SIZE}

        def rows_on(page: int) -> int | None:
            body = client.get(stream.endpoint, {**params, "page": page})
            return len(body) if isinstance(body, list) else None

        return probe_list_length(rows_on, full_pages=1)


def read_start(stream: IncrementalStream) -> datetime:
    """Where the read of the stream's default view starts."""
    return stream.lower_bound(stream.tracker_for(None).value) or EPOCH


class RowProgress:
    """A stream's rows estimate while its slices run on many workers: the count (or the rows of
    the counted views read so far, if more; once every counted view was read, just those rows),
    plus the rows read of the views the count leaves out."""

    def __init__(self, name: str, counted_views: tuple[str, ...]) -> None:
        self._name = name
        self._counted_views = counted_views
        self._lock = threading.Lock()
        self._asked = False
        self._counted: int | None = None
        self._rows_counted_views = 0
        self._rows_other_views = 0
        self._views_read: set[str] = set()

    def count_once(self, count: Callable[[], int | None]) -> AirbyteMessage | None:
        """The first slice to start asks for the count (the others wait for it): its estimate."""
        with self._lock:
            if self._asked:
                return None
            self._asked = True
            self._counted = count()
            if self._counted is None:
                return None
            return self._message()

    def slice_read(self, view: str, rows: int) -> AirbyteMessage:
        with self._lock:
            if view in self._counted_views:
                self._rows_counted_views += rows
                self._views_read.add(view)
            else:
                self._rows_other_views += rows
            return self._message()

    def _message(self) -> AirbyteMessage:
        counted = self._rows_counted_views
        if not self._views_read.issuperset(self._counted_views):
            counted = max(self._counted or 0, counted)
        return row_estimate(self._name, None, counted + self._rows_other_views)


class SliceEstimates(IncrementalStream):
    """Mixin (listed first among a stream's bases): ESTIMATE traces among each slice's records,
    from `estimate_during` (once the slice has handed on `estimate_after_rows` rows) and
    `estimate_after`. Wrapped around read_records, so read_slice (and anything else that walks a
    stream's records) sees records only."""

    estimate_after_rows = 0

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[StreamData]:
        records = super().read_records(sync_mode, cursor_field, stream_slice, stream_state)
        return self._with_estimates(records, stream_slice or {})

    def _with_estimates(
        self, records: Iterable[StreamData], stream_slice: Mapping[str, Any]
    ) -> Iterator[StreamData]:
        due_at = self.estimate_after_rows
        rows = 0
        if due_at == 0:
            yield from _present(self.estimate_during(stream_slice))
        for item in records:
            yield item
            if isinstance(item, Mapping):
                rows += 1
                if rows == due_at:
                    # Before the next record is asked for, so before the next page's request.
                    yield from _present(self.estimate_during(stream_slice))
        yield from _present(self.estimate_after(stream_slice, rows))

    def estimate_during(self, stream_slice: Mapping[str, Any]) -> AirbyteMessage | None:
        return None

    def estimate_after(self, stream_slice: Mapping[str, Any], rows: int) -> AirbyteMessage | None:
        return None


def _present(message: AirbyteMessage | None) -> Iterator[AirbyteMessage]:
    if message is not None:
        yield message


class EstimatedRows(SliceEstimates):
    """A stream counted by `row_count`: an estimate from the count, and one after every slice."""

    row_count: RowCount

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.row_progress = RowProgress(self.name, self.row_count.views)
        self.estimate_after_rows = self.row_count.after_rows
        super().__init__(*args, **kwargs)
        self.estimate_client = EstimateClient(self)

    def estimate_during(self, stream_slice: Mapping[str, Any]) -> AirbyteMessage | None:
        return self.row_progress.count_once(
            lambda: self.row_count.count(self, self.estimate_client)
        )

    def estimate_after(self, stream_slice: Mapping[str, Any], rows: int) -> AirbyteMessage | None:
        return self.row_progress.slice_read(ViewedStream.view_of(stream_slice), rows)


class ConversationsProgress:
    """Conversations expected: those read so far, plus the tickets still to read times the
    conversations per ticket so far. The tickets come from the count until the walk has listed
    them all, then from the walk."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._tickets_counted: int | None = None
        self._tickets_walked = 0
        self._walk_done = False
        self._tickets_read = 0
        self._rows_of_tickets = 0
        self._other_rows = 0
        self._batches = 0

    def expect_tickets(self, count: int | None) -> None:
        with self._lock:
            self._tickets_counted = count

    def tickets_walked(self, tickets: int) -> None:
        with self._lock:
            self._tickets_walked += tickets

    def walk_finished(self) -> None:
        with self._lock:
            self._walk_done = True

    def batch_read(self, tickets: int, rows: int) -> AirbyteMessage | None:
        """Count a batch of tickets' conversations; an estimate when one is due."""
        with self._lock:
            self._batches += 1
            self._tickets_read += tickets
            self._rows_of_tickets += rows
            last = self._walk_done and self._tickets_read >= self._tickets_walked
            due = self._batches % CONVERSATION_BATCHES_PER_ESTIMATE == 1 or last
            return self._message() if due else None

    def other_rows_read(self, rows: int) -> None:
        """Rows that come from no listed ticket (the archive probes)."""
        with self._lock:
            self._other_rows += rows

    def _message(self) -> AirbyteMessage:
        tickets = self._tickets_walked
        if not self._walk_done:
            tickets = max(tickets, self._tickets_counted or 0)
        remaining = max(tickets - self._tickets_read, 0)
        per_ticket = self._rows_of_tickets / self._tickets_read if self._tickets_read else 0.0
        rows = self._rows_of_tickets + round(per_ticket * remaining) + self._other_rows
        return row_estimate(self._name, None, rows)
