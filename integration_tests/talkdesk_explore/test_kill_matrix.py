"""SIGKILL at the points a Talkdesk sync is most fragile, then a resume from the last emitted state.

Kill points: between rows of one download (mid-window), while a report job is still polled,
between two streams, and while several report jobs of a long multi-stream history are created and
not downloaded yet. The state only moves past whole windows, so the resumed sync reads exactly the
rows from each stream's last checkpoint on, and the killed sync's rows beyond its checkpoint (the
window in progress) are the only ones a destination sees twice: the at-least-once window rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import pytest

from integration_tests.connector_runner import SyncOutput
from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings

from .sync_helpers import LiveRead, days_ago, iso, keys, read, truth, watermark

Predicate = Callable[[dict[str, Any]], bool]
STREAMS = ("calls", "contacts")


def nth_record_of(stream: str, n: int) -> Predicate:
    seen = 0

    def predicate(message: dict[str, Any]) -> bool:
        nonlocal seen
        seen += message.get("type") == "RECORD" and message["record"]["stream"] == stream
        return seen >= n

    return predicate


def job_created(message: dict[str, Any]) -> bool:
    return message.get("type") == "LOG" and "Created Talkdesk job" in message["log"]["message"]


def nth_job_created(n: int) -> Predicate:
    created = 0

    def predicate(message: dict[str, Any]) -> bool:
        nonlocal created
        created += job_created(message)
        return created >= n

    return predicate


def stream_complete(message: dict[str, Any]) -> bool:
    trace = message.get("trace") or {}
    return trace.get("type") == "STREAM_STATUS" and (trace["stream_status"]["status"] == "COMPLETE")


class KillPoint(NamedTuple):
    settings: dict[str, Any]
    overrides: dict[str, Any]
    kill_when: Predicate
    streams: tuple[str, ...] = STREAMS
    history_days: int = 4


# Jobs this long are all still running when the fourth of the first five is created.
IN_FLIGHT_JOB_S = 2.0
KILL_POINTS: dict[str, KillPoint] = {
    # 800 rows a window: the 50th is far from the window's end, whatever the pipe holds.
    "mid-window": KillPoint(
        {"job_duration_s": 0.05, "rows_per_day": {"calls": 400, "contacts": 25}},
        {"window_in_days": 2},
        nth_record_of("calls", 50),
    ),
    "while-a-job-polls": KillPoint({"job_duration_s": 2.0}, {}, job_created),
    "between-streams": KillPoint(
        {"job_duration_s": 0.05}, {"max_concurrent_jobs": 1}, stream_complete
    ),
    # 4 streams x 6 windows (5 weeks and the days up to now): 24 jobs, 5 run ahead at once.
    "many-jobs-in-flight": KillPoint(
        {"job_duration_s": IN_FLIGHT_JOB_S},
        {"max_concurrent_jobs": 5, "window_in_days": 7},
        nth_job_created(4),
        streams=("calls", "contacts", "user_status", "ring_attempts"),
        history_days=35,
    ),
}


def checkpoint(output: SyncOutput, stream: str, start: datetime) -> datetime:
    return watermark(output, stream) if output.state_messages(stream) else start


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_sync_killed_here_resumes_from_its_last_state_with_every_row(point: str) -> None:
    settings, overrides, kill_when, streams, history_days = KILL_POINTS[point]
    with TalkdeskSandbox(TalkdeskSandboxSettings(**settings)) as sandbox:
        start = days_ago(sandbox, history_days)
        config = sandbox.config(start_date=iso(start), **overrides)
        live = LiveRead(config, streams)
        live.messages_until(kill_when)
        killed = live.kill()
        at_kill = sandbox.stats()
        resumed = read(config, streams, killed.final_states())
    assert killed.returncode != 0 and resumed.returncode == 0, resumed.errors()
    for stream in streams:
        saved, end = checkpoint(killed, stream, start), watermark(resumed, stream)
        # The resume reads each row from the checkpoint on exactly once ...
        assert keys(stream, resumed.records(stream)) == truth(sandbox, stream, saved, end), stream
        # ... and what the killed sync read before it, once: repeats lie past the checkpoint.
        before = truth(sandbox, stream, start, saved)
        after = truth(sandbox, stream, saved, end)
        killed_keys = keys(stream, killed.records(stream))
        assert all(before[k] == n or after[k] for k, n in killed_keys.items()), stream
        assert set(killed_keys) | set(after) == set(before) | set(after), stream
    if point == "mid-window":
        # It died inside a window: calls rows came out past the last calls checkpoint.
        saved = checkpoint(killed, "calls", start)
        assert len(killed.records("calls")) > sum(truth(sandbox, "calls", start, saved).values())
    if point == "many-jobs-in-flight":
        # It died with at least 4 jobs created whose files were not downloaded.
        created = sum(at_kill["jobs_created_by_type"].values())
        assert created - at_kill["requests_by_kind"].get("storage", 0) >= 4, at_kill
