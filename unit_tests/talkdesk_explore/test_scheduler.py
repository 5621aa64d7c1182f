from __future__ import annotations

import threading

import pytest

from connector_common.stats import StreamStats
from source_talkdesk_explore.report_jobs import FinishedJob
from source_talkdesk_explore.scheduler import JobScheduler, JobTicket, TicketCancelledError
from source_talkdesk_explore.sleeper import Sleeper

from .factories import window

WAIT_S = 10  # generous bound so a broken scheduler fails the test instead of hanging it


def tickets(stream: str, count: int) -> list[JobTicket]:
    return [
        JobTicket(stream, stream, window(1 + i, 2 + i), StreamStats(stream)) for i in range(count)
    ]


def finished(ticket: JobTicket) -> FinishedJob:
    return FinishedJob(
        ticket.report_type, ticket.window, f"{ticket.stream_name}-{ticket.window.start.day}", "u", 1
    )


class GatedJobs:
    """Jobs that block until released, recording the order and peak concurrency."""

    def __init__(self, expected_running: int) -> None:
        self.release = threading.Event()
        self.started: list[str] = []
        self._lock = threading.Lock()
        self._running = 0
        self.peak = 0
        self.enough_running = threading.Barrier(expected_running + 1)

    def __call__(self, ticket: JobTicket) -> FinishedJob:
        with self._lock:
            self.started.append(f"{ticket.stream_name}{ticket.window.start.day}")
            self._running += 1
            self.peak = max(self.peak, self._running)
            first_wave = len(self.started) <= self.enough_running.parties - 1
        if first_wave:
            self.enough_running.wait(WAIT_S)
        assert self.release.wait(WAIT_S)
        with self._lock:
            self._running -= 1
        return finished(ticket)


def test_jobs_of_all_streams_run_concurrently_but_never_beyond_the_bound() -> None:
    jobs = GatedJobs(expected_running=3)
    scheduler = JobScheduler(jobs, max_concurrent_jobs=3, sleeper=Sleeper())
    scheduler.submit("a", tickets("a", 2))
    scheduler.submit("b", tickets("b", 3))
    jobs.enough_running.wait(WAIT_S)  # three jobs in flight before any finished
    jobs.release.set()
    results = [t.wait().job_id for s in ("a", "b") for t in scheduler.tickets(s)]
    scheduler.shutdown()
    assert results == ["a-1", "a-2", "b-1", "b-2", "b-3"]
    assert jobs.peak == 3


def test_jobs_start_in_consumption_order() -> None:
    order: list[str] = []
    scheduler = JobScheduler(
        lambda t: order.append(t.stream_name + str(t.window.start.day)) or finished(t), 1, Sleeper()
    )
    scheduler.submit("a", tickets("a", 2))
    scheduler.submit("b", tickets("b", 2))
    for stream in ("a", "b"):
        for ticket in scheduler.tickets(stream):
            ticket.wait()
    scheduler.shutdown()
    assert order == ["a1", "a2", "b1", "b2"]


def test_a_job_error_reaches_the_consumer_of_that_window_only() -> None:
    def run(ticket: JobTicket) -> FinishedJob:
        if ticket.stream_name == "bad":
            raise RuntimeError("report 'bad' failed")
        return finished(ticket)

    scheduler = JobScheduler(run, 2, Sleeper())
    scheduler.submit("bad", tickets("bad", 1))
    scheduler.submit("good", tickets("good", 1))
    with pytest.raises(RuntimeError, match="report 'bad' failed"):
        scheduler.tickets("bad")[0].wait()
    assert scheduler.tickets("good")[0].wait().job_id == "good-1"
    scheduler.shutdown()


def test_cancelling_a_stream_drops_its_queued_jobs() -> None:
    jobs = GatedJobs(expected_running=1)
    scheduler = JobScheduler(jobs, 1, Sleeper())
    scheduler.submit("a", tickets("a", 3))
    jobs.enough_running.wait(WAIT_S)
    scheduler.cancel_stream("a")
    jobs.release.set()
    first, *queued = scheduler.tickets("a")
    assert first.wait().job_id == "a-1"
    for ticket in queued:
        with pytest.raises(TicketCancelledError):
            ticket.wait()
    scheduler.shutdown()
    assert jobs.started == ["a1"]


def test_shutdown_wakes_sleeping_workers_and_cancels_their_tickets() -> None:
    sleeper = Sleeper()
    entered = threading.Event()

    def run(ticket: JobTicket) -> FinishedJob:
        entered.set()
        sleeper(3600)  # e.g. waiting out a quota 429
        return finished(ticket)

    scheduler = JobScheduler(run, 1, sleeper)
    scheduler.submit("a", tickets("a", 2))
    assert entered.wait(WAIT_S)
    scheduler.shutdown()
    for ticket in scheduler.tickets("a"):
        with pytest.raises(TicketCancelledError):
            ticket.wait()
