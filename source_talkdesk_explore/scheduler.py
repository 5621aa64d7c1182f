"""Runs report jobs for every selected stream's windows ahead of consumption.

Worker threads (as many as `max_concurrent_jobs`) take tickets in consumption order (catalog
order, then window order) and drive each job to "done". Only the job id and file URL are kept:
the file stays on Talkdesk's storage until the stream consumes that window, so nothing is held in
memory ahead. A sync therefore takes about as long as its slowest chain of jobs.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
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
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _result: FinishedJob | None = field(default=None, repr=False)
    _error: BaseException | None = field(default=None, repr=False)

    def wait(self) -> FinishedJob:
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def settle(self, result: FinishedJob | None, error: BaseException | None) -> None:
        """The scheduler's side of the promise: the first outcome wins."""
        if not self._done.is_set():
            self._result, self._error = result, error
            self._done.set()


RunJob = Callable[[JobTicket], FinishedJob]


class JobScheduler:
    """Bounded pool of job workers shared by all streams of one sync."""

    def __init__(self, run_job: RunJob, max_concurrent_jobs: int, sleeper: Sleeper) -> None:
        self._run_job = run_job
        self._max_workers = max_concurrent_jobs
        self._sleeper = sleeper
        self._lock = threading.Condition()
        self._queue: deque[JobTicket] = deque()
        self._tickets: dict[str, list[JobTicket]] = {}
        self._workers: list[threading.Thread] = []
        self._closed = False
        self.in_flight = 0
        self.max_in_flight = 0

    def submit(self, stream_name: str, tickets: list[JobTicket]) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("scheduler is shut down")
            self._tickets[stream_name] = tickets
            self._queue.extend(tickets)
            self._start_workers()
            self._lock.notify_all()

    def tickets(self, stream_name: str) -> list[JobTicket] | None:
        with self._lock:
            return self._tickets.get(stream_name)

    def cancel_stream(self, stream_name: str) -> None:
        """Drop a stream's queued jobs (it failed or stopped early); running ones finish."""
        with self._lock:
            kept = deque(ticket for ticket in self._queue if ticket.stream_name != stream_name)
            dropped = [ticket for ticket in self._queue if ticket.stream_name == stream_name]
            self._queue = kept
        for ticket in dropped:
            ticket.settle(None, TicketCancelledError(stream_name))

    def shutdown(self, timeout_s: float = 5.0) -> None:
        with self._lock:
            self._closed = True
            dropped = list(self._queue)
            self._queue.clear()
            self._lock.notify_all()
        for ticket in dropped:
            ticket.settle(None, TicketCancelledError(ticket.stream_name))
        self._sleeper.cancel()
        for worker in self._workers:
            worker.join(timeout_s)

    def _start_workers(self) -> None:
        while len(self._workers) < min(self._max_workers, len(self._queue) + self.in_flight):
            worker = threading.Thread(
                target=self._work, name=f"talkdesk-job-{len(self._workers)}", daemon=True
            )
            self._workers.append(worker)
            worker.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                ticket = self._queue.popleft()
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                ticket.settle(self._run_job(ticket), None)
            except SyncCancelledError:
                ticket.settle(None, TicketCancelledError(ticket.stream_name))
            except BaseException as error:
                ticket.settle(None, error)
            finally:
                with self._lock:
                    self.in_flight -= 1
