"""SIGKILL at the points a Talkdesk sync is most fragile, then a resume from the last emitted state.

Kill points: between rows of one download (mid-window), while a report job is still polled, and
between two streams. The state only moves past whole windows, so the resumed sync reads exactly
the rows from each stream's last checkpoint on, and the killed sync's rows beyond its checkpoint
(the window in progress) are the only ones a destination sees twice: the at-least-once window rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from integration_tests.connector_runner import SyncOutput
from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings

from .sync_helpers import LiveRead, days_ago, iso, keys, read, truth, watermark

Predicate = Callable[[dict[str, Any]], bool]
STREAMS = ["calls", "contacts"]


def nth_record_of(stream: str, n: int) -> Predicate:
    seen = 0

    def predicate(message: dict[str, Any]) -> bool:
        nonlocal seen
        seen += message.get("type") == "RECORD" and message["record"]["stream"] == stream
        return seen >= n

    return predicate


def job_created(message: dict[str, Any]) -> bool:
    return message.get("type") == "LOG" and "Created Talkdesk job" in message["log"]["message"]


def stream_complete(message: dict[str, Any]) -> bool:
    trace = message.get("trace") or {}
    return trace.get("type") == "STREAM_STATUS" and (trace["stream_status"]["status"] == "COMPLETE")


# name -> (settings, config overrides, kill predicate)
KILL_POINTS: dict[str, tuple[dict[str, Any], dict[str, Any], Predicate]] = {
    # 800 rows a window: the 50th is far from the window's end, whatever the pipe holds.
    "mid-window": (
        {"job_duration_s": 0.05, "rows_per_day": {"calls": 400, "contacts": 25}},
        {"window_in_days": 2},
        nth_record_of("calls", 50),
    ),
    "while-a-job-polls": ({"job_duration_s": 2.0}, {}, job_created),
    "between-streams": ({"job_duration_s": 0.05}, {"max_concurrent_jobs": 1}, stream_complete),
}


def checkpoint(output: SyncOutput, stream: str, start: datetime) -> datetime:
    return watermark(output, stream) if output.state_messages(stream) else start


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_sync_killed_here_resumes_from_its_last_state_with_every_row(point: str) -> None:
    settings, overrides, kill_when = KILL_POINTS[point]
    with TalkdeskSandbox(TalkdeskSandboxSettings(**settings)) as sandbox:
        start = days_ago(sandbox, 4)
        config = sandbox.config(start_date=iso(start), **overrides)
        live = LiveRead(config, STREAMS)
        live.messages_until(kill_when)
        killed = live.kill()
        resumed = read(config, STREAMS, killed.final_states())
    assert killed.returncode != 0 and resumed.returncode == 0, resumed.errors()
    for stream in STREAMS:
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
