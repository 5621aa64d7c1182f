"""The stream of one Explore report: its job endpoint, its windows, and how its records are read.

A window is not one request but a job lifecycle (create, poll, redirect, signed download) that
`report_jobs` runs ahead on scheduler threads; every API request of it goes through this stream's
`ExploreClient` (a CDK HttpClient with the stream's error handler). The stream is a plain CDK
`Stream`: there is no page loop to describe, `read_records` reads a window's file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any, ClassVar
from urllib.parse import urljoin

import requests
from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteStream, SyncMode
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.sources.streams.core import StreamData
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.sources.utils.schema_helpers import InternalConfig
from airbyte_cdk.sources.utils.slice_logger import SliceLogger

from connector_common.datetimes import format_utc
from connector_common.estimates import row_estimate
from connector_common.record_coercion import SchemaCoercion
from connector_common.slice_reading import ReadsBySlice
from connector_common.stats import COUNTERS, StreamStats
from source_talkdesk_explore.api_client import ExploreClient
from source_talkdesk_explore.progress import WindowProgress
from source_talkdesk_explore.report_jobs import download_entries
from source_talkdesk_explore.scheduler import JobTicket
from source_talkdesk_explore.state import later_state, read_watermark, sync_start
from source_talkdesk_explore.sync_context import SyncContext
from source_talkdesk_explore.windows import Window, plan_windows

# Most Explore reports are documented as visible within 60 seconds by one page and within 5
# minutes by another: the stricter figure, doubled.
EXPLORE_FRESHNESS_LAG = timedelta(minutes=10)
# What a Talkdesk stream counts: no child streams to skip; its peak concurrency is of its report
# jobs (the scheduler runs several ahead), downloads run one at a time on the read thread.
SUMMARY_COUNTERS = tuple(counter for counter in COUNTERS if counter != "skipped_children")


class ExploreReportStream(ReadsBySlice, Stream, CheckpointMixin):
    """Emits a report window by window; state moves only past windows fully emitted."""

    report_type: str
    cursor_field: str  # one top-level column: the report's own time
    # How far behind now a report's rows are complete; the config's freshness_lag_minutes
    # overrides it for every stream.
    freshness_lag: timedelta = EXPLORE_FRESHNESS_LAG
    # State keys older versions wrote for this stream; read, never written.
    legacy_state_keys: ClassVar[tuple[str, ...]] = ()
    # Checkpoint only at window ends, never mid-window (the CDK counts records otherwise).
    state_checkpoint_interval = None
    http_method = "POST"
    # Rows reach the destination as their schema types them (a "42" in a number column as 42.0),
    # by the CDK's default normalization compiled once per schema.
    transformer = SchemaCoercion()

    def __init__(self, context: SyncContext) -> None:
        self.context = context
        self.stats = StreamStats(self.name, shown=SUMMARY_COUNTERS)
        self.progress = WindowProgress()
        self._cursor_state: MutableMapping[str, Any] = {}
        super().__init__()
        self.client = ExploreClient(
            self.name,
            self.logger,
            tokens=context.tokens,
            stats=self.stats,
            policy=context.policy,
            reachability=context.reachability,
            api_url=context.config.api_url,
            read_timeout_s=context.config.request_timeout_seconds,
            sleep=context.sleep,
            clock=context.clock,
        )

    @property
    def name(self) -> str:
        return self.report_type

    @cache  # noqa: B019 - one schema object per stream, which the transformer compiles once
    def get_json_schema(self) -> Mapping[str, Any]:
        # The CDK asks for it once per record; its default reads the file every time.
        return super().get_json_schema()

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._cursor_state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._cursor_state = dict(value or {})

    # -- the report endpoint -------------------------------------------------------------------

    def path(self) -> str:
        return f"data/reports/{self.report_type}/jobs"

    def url(self, path: str) -> str:
        return urljoin(f"{self.context.config.api_url}/", path)

    def request_body_json(self, window: Window) -> Mapping[str, Any]:
        """The job for one window: a UTC timespan, the report's timezone, JSON rows."""
        return {
            "format": "json",
            "timezone": self.context.config.timezone,
            "timespan": {"from": format_utc(window.start), "to": format_utc(window.end)},
        }

    # Redirects are the job state machine's to read (a finished job answers 300/302/303).
    request_kwargs: ClassVar[Mapping[str, Any]] = {"allow_redirects": False}
    request_headers: ClassVar[Mapping[str, str]] = {"Accept": "application/json"}

    # -- requests of the job state machine (report_jobs.ReportApi) -----------------------------

    def create_job(self, window: Window) -> requests.Response:
        return self.client.send(
            self.http_method,
            self.url(self.path()),
            headers=self.request_headers,
            json=self.request_body_json(window),
            request_kwargs=self.request_kwargs,
            # A full report-job quota is the job's to wait out (report_jobs.Phase.QUOTA_WAIT).
            rate_limit_to_caller=True,
        )

    def send(
        self, method: str, url: str, json: Mapping[str, Any] | None = None
    ) -> requests.Response:
        return self.client.send(
            method, url, headers=self.request_headers, json=json, request_kwargs=self.request_kwargs
        )

    def download(self, url: str) -> requests.Response:
        return self.context.downloads.open(url, self.stats)

    def sleep(self, seconds: float) -> None:
        self.context.sleep(seconds)

    # -- planning ------------------------------------------------------------------------------

    def plan(
        self, sync_mode: SyncMode, stream_state: Mapping[str, Any] | None, now: datetime
    ) -> list[Window]:
        """The windows this sync reads; a full refresh ignores state and starts at start_date."""
        config = self.context.config
        watermark = None
        if sync_mode == SyncMode.incremental:
            keys = (self.cursor_field, *self.legacy_state_keys)
            watermark = read_watermark(stream_state, keys, config.zone, self.name)
        start = sync_start(config.start_date, watermark, config.lookback)
        lag = config.freshness_lag or self.freshness_lag
        return plan_windows(start, now, size=config.window, freshness_lag=lag)

    def prepare(self, sync_mode: SyncMode, stream_state: Mapping[str, Any] | None) -> None:
        """Queue this stream's jobs on the shared scheduler (no-op when already queued)."""
        if self.context.scheduler.tickets(self.name) is not None:
            return
        windows = self.plan(sync_mode, stream_state, self.context.now)
        if not windows:
            self.stats.mark_skipped("up_to_date")
        self.progress.planned = len(windows)
        tickets = [
            JobTicket(self.name, self.report_type, window, self.stats, api=self)
            for window in windows
        ]
        self.context.scheduler.submit(self.name, tickets)

    # -- CDK hooks -----------------------------------------------------------------------------

    def read(
        self,
        configured_stream: ConfiguredAirbyteStream,
        logger: logging.Logger,
        slice_logger: SliceLogger,
        stream_state: MutableMapping[str, Any],
        state_manager: ConnectorStateManager,
        internal_config: InternalConfig,
    ) -> Iterable[StreamData]:
        finished = False
        try:
            yield from super().read(
                configured_stream,
                logger,
                slice_logger,
                stream_state,
                state_manager,
                internal_config,
            )
            finished = True
        finally:
            if not finished:
                self.context.scheduler.cancel_stream(self.name)
            self.logger.info(self.stats.summary(**self.progress.counters()))

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[StreamSlice]:
        self.prepare(sync_mode, stream_state if stream_state is not None else self.state)
        for ticket in self.context.scheduler.tickets(self.name) or []:
            yield window_slice(ticket.window)

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterator[StreamData]:
        ticket = self._ticket_for(stream_slice)
        job = ticket.wait()
        report = download_entries(self, job, self.stats, self.context.timing)
        rows = 0
        for entry in report:
            self.stats.count_record()
            rows += 1
            yield self.shape(entry)
        self._cursor_state = later_state(
            self._cursor_state, self.cursor_field, ticket.window.end, self.context.config.zone
        )
        yield self.estimate(self.progress.window_read(rows))

    def shape(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Hook for per-report record fixes; entries are emitted as Talkdesk sends them."""
        return entry

    def estimate(self, rows: int) -> AirbyteMessage:
        """An ESTIMATE trace of this stream's rows, for the platform's progress display."""
        return row_estimate(self.name, self.namespace, rows)

    def _ticket_for(self, stream_slice: Mapping[str, Any] | None) -> JobTicket:
        cursor_slice = getattr(stream_slice, "cursor_slice", stream_slice) or {}
        for ticket in self.context.scheduler.tickets(self.name) or []:
            if format_utc(ticket.window.start) == cursor_slice.get("from"):
                return ticket
        raise KeyError(f"{self.name}: no job planned for slice {cursor_slice}")


def window_slice(window: Window) -> StreamSlice:
    """A window as the CDK slice the stream reads."""
    return StreamSlice(
        partition={}, cursor_slice={"from": format_utc(window.start), "to": format_utc(window.end)}
    )
