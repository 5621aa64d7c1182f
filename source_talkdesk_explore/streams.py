"""One stream per Explore report. Each class reads like a table: report, key, cursor.

The HttpStream pieces describe the report's job endpoint (POST `data/reports/{report}/jobs` with the
window as body). A window is not one request but a job lifecycle (create, poll, redirect, signed
download) that `report_jobs` runs ahead on scheduler threads; every API request of it goes through
this stream's `ExploreClient`, a CDK HttpClient of its own with the stream's error handler. The
client the HttpStream base builds for its default page loop is never used: `read_records` reads a
window's file instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urljoin

import requests
from airbyte_cdk.models import ConfiguredAirbyteStream, SyncMode
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.streams import CheckpointMixin
from airbyte_cdk.sources.streams.core import StreamData
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.sources.utils.schema_helpers import InternalConfig
from airbyte_cdk.sources.utils.slice_logger import SliceLogger

from connector_common.stats import StreamStats

from .api_client import REQUEST_TIMEOUT_S, ExploreClient
from .datetimes import format_utc
from .report_jobs import download_entries
from .scheduler import JobTicket
from .state import later_state, read_watermark, sync_start
from .sync_context import SyncContext
from .windows import Window, plan_windows


class ExploreReportStream(HttpStream, CheckpointMixin):
    """Emits a report window by window; state moves only past windows fully emitted."""

    report_type: ClassVar[str]
    cursor_field: ClassVar[str]
    # State keys older versions wrote for this stream; read, never written.
    legacy_state_keys: ClassVar[tuple[str, ...]] = ()
    # Checkpoint only at window ends, never mid-window (the CDK counts records otherwise).
    state_checkpoint_interval = None
    http_method = "POST"

    def __init__(self, context: SyncContext) -> None:
        self.context = context
        self.stats = StreamStats(self.name)
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
            sleep=context.sleep,
            clock=context.clock,
        )

    @property
    def name(self) -> str:
        return self.report_type

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._cursor_state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._cursor_state = dict(value or {})

    # -- the report endpoint -------------------------------------------------------------------

    @property
    def url_base(self) -> str:
        return f"{self.context.config.api_url}/"

    def path(self, **_: Any) -> str:
        return f"data/reports/{self.report_type}/jobs"

    def request_headers(
        self,
        stream_state: Mapping[str, Any] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any]:
        return {"Accept": "application/json"}

    def request_body_json(
        self,
        stream_state: Mapping[str, Any] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any]:
        """The job for one window: a UTC timespan, the report's timezone, JSON rows."""
        cursor_slice = getattr(stream_slice, "cursor_slice", stream_slice) or {}
        return {
            "format": "json",
            "timezone": self.context.config.timezone,
            "timespan": {"from": cursor_slice["from"], "to": cursor_slice["to"]},
        }

    def request_kwargs(
        self,
        stream_state: Mapping[str, Any] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        next_page_token: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any]:
        # Redirects are the job state machine's to read (a finished job answers 300/302/303).
        return {"allow_redirects": False, "timeout": REQUEST_TIMEOUT_S}

    def next_page_token(self, response: requests.Response) -> Mapping[str, Any] | None:
        return None  # one job per window; its file is downloaded whole

    def parse_response(self, response: requests.Response, **_: Any) -> Iterable[Mapping[str, Any]]:
        return []  # the endpoint answers with a job; records come from its file (read_records)

    # -- requests of the job state machine (report_jobs.ReportApi) -----------------------------

    def url(self, path: str) -> str:
        return urljoin(self.url_base, path)

    def create_job(self, window: Window) -> requests.Response:
        stream_slice = window_slice(window)
        return self.client.send(
            self.http_method,
            self.url(self.path(stream_slice=stream_slice)),
            headers=self.request_headers(),
            json=self.request_body_json(stream_slice=stream_slice),
            request_kwargs=self.request_kwargs(),
            # A full report-job quota is the job's to wait out (report_jobs.Phase.QUOTA_WAIT).
            rate_limit_to_caller=True,
        )

    def send(
        self, method: str, url: str, json: Mapping[str, Any] | None = None
    ) -> requests.Response:
        return self.client.send(
            method,
            url,
            headers=self.request_headers(),
            json=json,
            request_kwargs=self.request_kwargs(),
        )

    def download(self, url: str) -> requests.Response:
        return self.context.storage.get(url, self.stats)

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
            watermark = read_watermark(stream_state, keys, config.zone)
        start = sync_start(config.start_date, watermark, config.lookback)
        return plan_windows(start, now, size=config.window, freshness_lag=config.freshness_lag)

    def prepare(self, sync_mode: SyncMode, stream_state: Mapping[str, Any] | None) -> None:
        """Queue this stream's jobs on the shared scheduler (no-op when already queued)."""
        if self.context.scheduler.tickets(self.name) is not None:
            return
        windows = self.plan(sync_mode, stream_state, self.context.now)
        if not windows:
            self.stats.mark_skipped("up_to_date")
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
            self.logger.info(self.stats.summary())

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

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterator[Mapping[str, Any]]:
        ticket = self._ticket_for(stream_slice)
        job = ticket.wait()
        for entry in download_entries(self, job, self.stats, self.context.timing):
            self.stats.count_record()
            yield self.shape(entry)
        self._cursor_state = later_state(
            self._cursor_state, self.cursor_field, ticket.window.end, self.context.config.zone
        )

    def shape(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Hook for per-report record fixes; entries are emitted as Talkdesk sends them."""
        return entry

    def _ticket_for(self, stream_slice: Mapping[str, Any] | None) -> JobTicket:
        cursor_slice = getattr(stream_slice, "cursor_slice", stream_slice) or {}
        for ticket in self.context.scheduler.tickets(self.name) or []:
            if format_utc(ticket.window.start) == cursor_slice.get("from"):
                return ticket
        raise KeyError(f"{self.name}: no job planned for slice {cursor_slice}")


def window_slice(window: Window) -> StreamSlice:
    """A window as the CDK slice the stream reads and the job body it creates."""
    return StreamSlice(
        partition={}, cursor_slice={"from": format_utc(window.start), "to": format_utc(window.end)}
    )


class Calls(ExploreReportStream):
    report_type = "calls"
    primary_key = "call_id"
    cursor_field = "end_at"


class UserStatus(ExploreReportStream):
    report_type = "user_status"
    # A log of status sessions: many rows per user, plus split rows at month/team changes.
    primary_key = [["user_id"], ["status_start_at"], ["status_label"]]
    cursor_field = "status_end_at"


class StudioFlowExecution(ExploreReportStream):
    report_type = "studio_flow_execution"
    # One row per executed step: flow_id alone repeats for every execution and step.
    primary_key = [["interaction_id"], ["flow_id"], ["step_execution_order"]]
    cursor_field = "flow_execution_finished_time"
    # 0.1.0's cursor: a flat key containing a dot, which many tools read as a nested path.
    legacy_state_keys = ("studio_flow_executions_aggregated.flow_execution_finished_time",)

    def shape(self, entry: dict[str, Any]) -> dict[str, Any]:
        entry.setdefault("flow_execution_finished_time", entry.get(self.legacy_state_keys[0]))
        return entry


class Contacts(ExploreReportStream):
    report_type = "contacts"
    primary_key = "contact_id"
    cursor_field = "finished_at"


class RingAttempts(ExploreReportStream):
    report_type = "ring_attempts"
    primary_key = "ring_attempt_id"
    cursor_field = "ring_finished_at_time"


STREAM_CLASSES: tuple[type[ExploreReportStream], ...] = (
    Calls,
    UserStatus,
    StudioFlowExecution,
    Contacts,
    RingAttempts,
)
