"""One stream per Explore report. Each class reads like a table: report, key, cursor.

Streams are plain CDK `Stream`s rather than `HttpStream`s: a window is not one request but a
job lifecycle (create, poll, redirect, signed download) run ahead on scheduler threads, and the
HttpStream request/retry pipeline is exactly what made 0.1.0 abandon slow reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime
from typing import Any, ClassVar

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.sources.types import StreamSlice

from connector_common.stats import StreamStats

from .datetimes import format_utc
from .report_jobs import download_entries
from .scheduler import JobTicket
from .state import later_state, read_watermark, sync_start
from .sync_context import SyncContext
from .windows import Window, plan_windows


class ExploreReportStream(Stream, CheckpointMixin):
    """Emits a report window by window; state moves only past windows fully emitted."""

    report_type: ClassVar[str]
    cursor_field: ClassVar[str]  # type: ignore[misc]
    # State keys older versions wrote for this stream; read, never written.
    legacy_state_keys: ClassVar[tuple[str, ...]] = ()
    # Checkpoint only at window ends, never mid-window (the CDK counts records otherwise).
    state_checkpoint_interval = None

    def __init__(self, context: SyncContext) -> None:
        self._context = context
        self._state: MutableMapping[str, Any] = {}
        self.stats = StreamStats(self.name)

    @property
    def name(self) -> str:
        return self.report_type

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state = dict(value or {})

    # -- planning ------------------------------------------------------------------------------

    def plan(
        self, sync_mode: SyncMode, stream_state: Mapping[str, Any] | None, now: datetime
    ) -> list[Window]:
        """The windows this sync reads; a full refresh ignores state and starts at start_date."""
        config = self._context.config
        watermark = None
        if sync_mode == SyncMode.incremental:
            keys = (self.cursor_field, *self.legacy_state_keys)
            watermark = read_watermark(stream_state, keys, config.zone)
        start = sync_start(config.start_date, watermark, config.lookback)
        return plan_windows(start, now, size=config.window, freshness_lag=config.freshness_lag)

    def prepare(self, sync_mode: SyncMode, stream_state: Mapping[str, Any] | None) -> None:
        """Queue this stream's jobs on the shared scheduler (no-op when already queued)."""
        if self._context.scheduler.tickets(self.name) is not None:
            return
        windows = self.plan(sync_mode, stream_state, self._context.now)
        if not windows:
            self.stats.mark_skipped("up_to_date")
        tickets = [JobTicket(self.name, self.report_type, window, self.stats) for window in windows]
        self._context.scheduler.submit(self.name, tickets)

    # -- CDK hooks -----------------------------------------------------------------------------

    def read(
        self, configured_stream, logger, slice_logger, stream_state, state_manager, internal_config
    ):  # type: ignore[no-untyped-def]
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
                self._context.scheduler.cancel_stream(self.name)
            self.logger.info(self.stats.summary())

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[StreamSlice]:
        self.prepare(sync_mode, stream_state if stream_state is not None else self.state)
        for ticket in self._context.scheduler.tickets(self.name) or []:
            yield StreamSlice(
                partition={},
                cursor_slice={
                    "from": format_utc(ticket.window.start),
                    "to": format_utc(ticket.window.end),
                },
            )

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterator[Mapping[str, Any]]:
        ticket = self._ticket_for(stream_slice)
        job = ticket.wait()
        for entry in download_entries(self._context.client, job, self.stats, self._context.timing):
            self.stats.count_record()
            yield self.shape(entry)
        self._state = later_state(
            self._state, self.cursor_field, ticket.window.end, self._context.config.zone
        )

    def shape(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Hook for per-report record fixes; entries are emitted as Talkdesk sends them."""
        return entry

    def _ticket_for(self, stream_slice: Mapping[str, Any] | None) -> JobTicket:
        cursor_slice = getattr(stream_slice, "cursor_slice", stream_slice) or {}
        for ticket in self._context.scheduler.tickets(self.name) or []:
            if format_utc(ticket.window.start) == cursor_slice.get("from"):
                return ticket
        raise KeyError(f"{self.name}: no job planned for slice {cursor_slice}")


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
