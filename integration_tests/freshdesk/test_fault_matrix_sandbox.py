"""Transport faults of the shared fault plan against the Freshdesk sandbox, with source-freshdesk
run as a process: each fault strikes a different endpoint of one sync, so one process start
covers them all. A recovered fault must leave every record read exactly once (also an answer
stalled past a short `request_timeout_seconds`, abandoned and asked again); a 429 asking for a
day ends as a transient error, and a resumed sync then reads what was left; a server clock ahead
of ours neither breaks the checkpoint nor the next sync.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import pytest

from integration_tests.connector_runner import SyncOutput, discover_catalog, run_source
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings

from .conftest import SCRIPT, config_for

TINY = {
    "ticket_count": 240,
    "deleted_ticket_count": 0,
    "spam_ticket_count": 0,
    "contact_count": 120,
    "blocked_contact_count": 0,
    "deleted_contact_count": 0,
    "company_count": 30,
}
# endpoint -> (fault, Retry-After, seconds); each recovers on the connector's retry.
RECOVERED: dict[str, tuple[Any, str | None, float]] = {
    "tickets": ("malformed", None, 0.0),
    "contacts": ("truncate", None, 0.0),
    "companies": ("empty", None, 0.0),
    "groups": ("reset", None, 0.0),
    "roles": (429, None, 0.0),  # no Retry-After: the CDK's own backoff
    "agents": (429, "0.5", 0.0),
    "products": (429, "http-date", 0.0),
    "business_hours": ("latency", None, 1.0),  # slow, well below the connector's read timeout
    "sla_policies": (502, None, 0.0),
}
STREAMS = list(RECOVERED)


@pytest.fixture(scope="module")
def catalog() -> Iterator[dict[str, Any]]:
    with FreshdeskSandbox(SandboxSettings(**TINY)) as sandbox:
        yield discover_catalog(SCRIPT, config_for(sandbox), STREAMS)


def read(
    sandbox: FreshdeskSandbox, catalog: dict[str, Any], state: Any = None, **config: Any
) -> SyncOutput:
    return run_source(SCRIPT, "read", config_for(sandbox) | config, catalog, state, timeout=90)


def only(catalog: dict[str, Any], *names: str) -> dict[str, Any]:
    return {"streams": [s for s in catalog["streams"] if s["stream"]["name"] in names]}


def ids(records: list[dict[str, Any]]) -> Counter[Any]:
    return Counter(r["id"] for r in records)


def assert_no_traceback(output: SyncOutput) -> None:
    assert "Traceback" not in output.stderr, output.stderr[-2000:]


def test_a_fault_on_every_endpoint_is_recovered_and_each_record_read_once(catalog) -> None:
    with FreshdeskSandbox(SandboxSettings(**TINY)) as sandbox:
        for endpoint, (fault, retry_after, seconds) in RECOVERED.items():
            if retry_after == "http-date":
                retry_after = formatdate(time.time() + 2, usegmt=True)
            sandbox.inject_fault(
                fault,
                f"/api/v2/{endpoint}",
                retry_after=retry_after,
                html_body=True,
                seconds=seconds,
            )
        output = read(sandbox, catalog)
        leftover = sandbox.pending_faults()
        truth = {stream: ids(sandbox.records(stream)) for stream in STREAMS}
    assert output.returncode == 0, (output.errors(), output.stderr[-2000:])
    assert leftover == 0  # every fault struck, and the sync still ended complete
    for stream in STREAMS:
        assert ids(output.records(stream)) == truth[stream], stream
    assert_no_traceback(output)


def test_a_day_long_retry_after_mid_stream_fails_transiently_and_the_resume_loses_nothing(
    catalog,
) -> None:
    tickets = only(catalog, "tickets")
    with FreshdeskSandbox(SandboxSettings(**TINY)) as sandbox:
        # The first tickets page passes (a zero delay), the next one is told to wait a day.
        sandbox.inject_fault("latency", "/api/v2/tickets", seconds=0.0)
        sandbox.inject_fault(429, "/api/v2/tickets", retry_after="86400")
        started = time.monotonic()
        # One worker reads the views in turn, the default view first, so "the first page" is its
        # first page; with several, another view's request may take the zero delay instead.
        failed = read(sandbox, tickets, num_workers=1)
        seconds = time.monotonic() - started
        resumed = read(sandbox, tickets, failed.final_states())
        truth = ids(sandbox.records("tickets"))
    error = failed.errors()[0]
    assert error["failure_type"] == "transient_error"
    assert "Retry the sync after" in error["message"] and "24 hours" in error["message"]
    assert failed.returncode != 0 and seconds < 60  # not waited out
    assert failed.records("tickets") and failed.final_states()  # page one was read and saved
    assert_no_traceback(failed)
    assert resumed.returncode == 0, resumed.errors()
    union = ids(failed.records("tickets")) | ids(resumed.records("tickets"))
    assert set(union) == set(truth)


def test_a_server_clock_hours_ahead_checkpoints_and_the_next_sync_reads_on(catalog) -> None:
    tickets = only(catalog, "tickets")
    ahead = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(hours=5)
    with FreshdeskSandbox(SandboxSettings(**{**TINY, "now": ahead})) as sandbox:
        first = read(sandbox, tickets)
        changed = sandbox.update_ticket(3, subject="changed after the first sync")
        second = read(sandbox, tickets, first.final_states())
        truth = ids(sandbox.records("tickets"))
    assert first.returncode == 0 and second.returncode == 0, (first.errors(), second.errors())
    assert ids(first.records("tickets")) == truth
    (state,) = first.final_states()
    # The saved cursor is later than our own clock says it is now, as the server stamped it.
    ours = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert state["stream"]["stream_state"]["updated_at"] > ours
    assert changed["id"] in ids(second.records("tickets"))
    assert not [m for m in second.logs() if "saved state value" in m]
    assert_no_traceback(first)
    assert_no_traceback(second)


def test_answers_stalled_past_the_read_timeout_are_abandoned_retried_and_read_once() -> None:
    with FreshdeskSandbox(SandboxSettings(**TINY)) as sandbox:
        streams = discover_catalog(SCRIPT, config_for(sandbox), ["tickets", "conversations"])
        ticket_id = sandbox.records("conversations")[0]["ticket_id"]
        # Queued first: the tickets prefix below would match a conversations request too.
        sandbox.inject_fault("latency", f"/api/v2/tickets/{ticket_id}/conversations", seconds=3.0)
        sandbox.inject_fault("latency", "/api/v2/tickets", seconds=3.0)
        started = time.monotonic()
        output = read(sandbox, streams, request_timeout_seconds=1)
        seconds = time.monotonic() - started
        leftover = sandbox.pending_faults()
        truth = {stream: ids(sandbox.records(stream)) for stream in ("tickets", "conversations")}
    assert output.returncode == 0, (output.errors(), output.stderr[-2000:])
    assert leftover == 0  # both stalls struck
    for stream, expected in truth.items():
        assert ids(output.records(stream)) == expected, stream
    summaries = output.summaries()
    # The conversations stream walks the tickets list itself, so the stalled tickets page may be
    # its own: together the two streams retried at least once per stall.
    assert sum(int(summaries[s]["retries"]) for s in ("tickets", "conversations")) >= 2
    assert seconds < 60  # a stalled answer never holds the sync for the default 120 s
    assert_no_traceback(output)
