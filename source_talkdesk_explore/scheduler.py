"""Runs report jobs for every selected stream's windows ahead of consumption.

A thread pool of `max_concurrent_jobs` workers takes tickets in submission order, which is
consumption order (catalog order, then window order), and drives each job to "done". Only the job
id and file URL are kept: the file stays on Talkdesk's storage until the stream consumes that
window, so nothing is held in memory ahead. A sync therefore takes about as long as its slowest
chain of jobs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from connector_common.stats import StreamStats
from source_talkdesk_explore.report_jobs import FinishedJob, ReportApi
from source_talkdesk_explore.sleeper import Sleeper, SyncCancelledError
from source_talkdesk_explore.windows import Window

logger = logging.getLogger("airbyte")


class TicketCancelledError(Exception):
    """The ticket's stream stopped (failed or the sync ended) before its job ran."""


@dataclass(eq=False)
class JobTicket:
    """A promise of a finished job for one stream window."""

    stream_name: str
    report_type: str
    window: Window
    stats: StreamStats
    # The stream whose HttpClient sends the job's requests.
    api: ReportApi | None = None
    future: Future[FinishedJob] | None = field(default=None, repr=False)

    def wait(self) -> FinishedJob:
        assert self.future is not None, "tickets are waited for once submitted"
        try:
            return self.future.result()
        except CancelledError:
            raise TicketCancelledError(self.stream_name) from None


RunJob = Callable[[JobTicket], FinishedJob]


class JobScheduler:
    """Bounded pool of job workers shared by all streams of one sync."""

    def __init__(self, run_job: RunJob, max_concurrent_jobs: int, sleeper: Sleeper) -> None:
        self._run_job = run_job
        self._sleeper = sleeper
        self._pool = ThreadPoolExecutor(max_concurrent_jobs, thread_name_prefix="talkdesk-job")
        self._lock = threading.Lock()
        self._tickets: dict[str, list[JobTicket]] = {}

    def submit(self, stream_name: str, tickets: list[JobTicket]) -> None:
        for ticket in tickets:
            # Raises RuntimeError once the scheduler is shut down.
            ticket.future = self._pool.submit(self._run, ticket)
        with self._lock:
            self._tickets[stream_name] = tickets

    def tickets(self, stream_name: str) -> list[JobTicket] | None:
        with self._lock:
            return self._tickets.get(stream_name)

    def cancel_stream(self, stream_name: str) -> None:
        """Drop a stream's queued jobs (it failed or stopped early); running ones finish."""
        for ticket in self.tickets(stream_name) or []:
            if ticket.future is not None:
                ticket.future.cancel()

    def shutdown(self) -> None:
        """Drop every queued job and wake the running ones from their waits; returns without
        waiting for a running job's request, which ends within its timeout."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._sleeper.cancel()

    def _run(self, ticket: JobTicket) -> FinishedJob:
        with ticket.stats.work_in_flight():
            try:
                return self._run_job(ticket)
            except SyncCancelledError:
                raise TicketCancelledError(ticket.stream_name) from None
