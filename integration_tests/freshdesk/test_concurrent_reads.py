"""Many workers at once against the sandbox: one budget for all, exact state, nothing lost."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from integration_tests.connector_runner import discover_catalog, run_source
from integration_tests.freshdesk.conftest import SCRIPT, config_for, ids, sync
from integration_tests.freshdesk.test_resume_and_check import read_until_killed

WORKERS = 16


def last_states(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for message in messages:
        if message["type"] == "STATE":
            latest[message["state"]["stream"]["stream_descriptor"]["name"]] = message["state"]
    return list(latest.values())


def killed_records(messages: list[dict[str, Any]], stream: str) -> list[dict[str, Any]]:
    return [
        m["record"]["data"]
        for m in messages
        if m["type"] == "RECORD" and m["record"]["stream"] == stream
    ]


def test_many_workers_read_every_record_exactly_once(sandbox_with) -> None:
    sandbox = sandbox_with(ticket_count=400)
    sandbox.inject_latency(seconds=0.005, path_prefix="/api/v2/")

    output = sync(sandbox, num_workers=WORKERS)

    assert output.returncode == 0 and not output.errors()
    for stream, count in output.record_counts().items():
        assert count == len(sandbox.records(stream)), stream
        keyed = [record["id"] for record in output.records(stream) if "id" in record]
        assert len(keyed) == len(set(keyed)), stream
    summaries = output.summaries()
    assert int(summaries["conversations"]["peak_concurrency"]) > 1
    assert int(summaries["conversations"]["records"]) == len(sandbox.records("conversations"))


@pytest.mark.parametrize("kill_after_states", [4, 15, 40])
def test_a_sync_killed_mid_conversations_with_many_workers_resumes_without_loss(
    sandbox_with, kill_after_states: int
) -> None:
    sandbox = sandbox_with(ticket_count=600)
    sandbox.inject_latency(seconds=0.01, path_prefix="/api/v2/tickets/")
    config = config_for(sandbox, num_workers=WORKERS)
    catalog = discover_catalog(SCRIPT, config, ["conversations", "tickets"])

    killed = read_until_killed(config, catalog, kill_after_states=kill_after_states)
    states = last_states(killed)
    assert states, "the sync was killed before its first checkpoint"
    resumed = run_source(SCRIPT, "read", config, catalog, states)
    assert resumed.returncode == 0

    for stream in ("conversations", "tickets"):
        union = set(ids(killed_records(killed, stream))) | set(ids(resumed.records(stream)))
        assert union == set(ids(sandbox.records(stream))), stream
    checkpointed = any(
        s["stream"]["stream_descriptor"]["name"] == "conversations"
        and s["stream"]["stream_state"].get("ticket_updated_at")
        for s in states
    )
    if checkpointed:  # the resumed read starts at the checkpoint, not from scratch
        assert len(resumed.records("conversations")) < len(sandbox.records("conversations"))


def test_a_429_during_many_in_flight_requests_pauses_every_worker(sandbox_with) -> None:
    # 40 credits a second: sixteen workers on conversations run into the limit every window.
    sandbox = sandbox_with(
        ticket_count=250, rate_limit_total=40, rate_limit_window_seconds=1.0, retry_after="float"
    )
    sandbox.inject_latency(seconds=0.01, path_prefix="/api/v2/tickets/")

    output = sync(sandbox, ["conversations"], num_workers=WORKERS)

    assert output.returncode == 0 and not output.errors()
    emitted = ids(output.records("conversations"))
    assert sorted(emitted) == sorted(ids(sandbox.records("conversations")))
    stats = sandbox.stats()
    assert stats["rate_limited"] > 0  # the limit was really hit
    # Once a 429 is seen nobody sends until the window resets: far fewer 429s than one per
    # worker per window, and never a retry storm.
    windows = output.seconds / 1.0 + 1
    assert stats["rate_limited"] < WORKERS * windows / 2
    assert Counter(m["type"] for m in output.messages)["RECORD"] == len(emitted)
