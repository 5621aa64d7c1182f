"""Row estimates of the long streams, against the sandbox: present, within their documented error,
a few credits a sync whatever the account's size, and never a reason for a sync to fail."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

import pytest

from integration_tests.connector_runner import SyncOutput
from integration_tests.freshdesk.conftest import sync
from source_freshdesk.estimates import MAX_PAGE_PROBES

LONG_STREAMS = ("tickets", "conversations", "contacts", "time_entries")
# Search requests a sync of the long streams makes: tickets, the conversations' walk, contacts.
SEARCHES = 3


def estimates(output: SyncOutput, stream: str) -> list[int]:
    return [
        message["trace"]["estimate"]["row_estimate"]
        for message in output.of_type("TRACE")
        if message["trace"]["type"] == "ESTIMATE" and message["trace"]["estimate"]["name"] == stream
    ]


def estimate_credits(sandbox: Any, output: SyncOutput) -> int:
    """Credits of the requests made only for estimates (each costs 1 in the sandbox): the
    searches, and the time_entries requests beyond the pages the stream itself read."""
    by_path = sandbox.stats()["by_path"]
    time_entry_pages = int(output.summaries()["time_entries"]["pages"])
    probes = by_path.get("/api/v2/time_entries", 0) - time_entry_pages
    return (
        by_path.get("/api/v2/search/tickets", 0)
        + by_path.get("/api/v2/search/contacts", 0)
        + probes
    )


def hidden(record: Mapping[str, Any]) -> bool:
    return bool(record.get("deleted") or record.get("spam"))


def test_every_long_stream_reports_estimates_that_end_at_its_row_count(sandbox_with) -> None:
    sandbox = sandbox_with()
    output = sync(sandbox, LONG_STREAMS)

    assert output.returncode == 0, output.stderr
    counts = output.record_counts()
    for stream in LONG_STREAMS:
        assert estimates(output, stream), f"no ESTIMATE trace for {stream}"
        assert estimates(output, stream)[-1] == counts[stream] > 0
    types = {
        m["trace"]["estimate"]["type"] for m in output.of_type("TRACE") if "estimate" in m["trace"]
    }
    assert types == {"STREAM"}


def test_an_estimate_never_falls_below_the_rows_already_written(sandbox_with) -> None:
    sandbox = sandbox_with()
    output = sync(sandbox, LONG_STREAMS)

    written = dict.fromkeys(LONG_STREAMS, 0)
    for message in output.messages:  # in the order the connector wrote them
        if message["type"] == "RECORD":
            written[message["record"]["stream"]] += 1
        elif message["type"] == "TRACE" and message["trace"]["type"] == "ESTIMATE":
            estimate = message["trace"]["estimate"]
            assert estimate["row_estimate"] >= written[estimate["name"]]


def test_first_sync_counts_are_exact_but_for_the_views_search_leaves_out(sandbox_with) -> None:
    sandbox = sandbox_with()
    output = sync(sandbox, LONG_STREAMS)

    tickets = sandbox.records("tickets")
    assert estimates(output, "tickets")[0] == sum(not hidden(t) for t in tickets)
    contacts = sandbox.records("contacts")
    assert estimates(output, "contacts")[0] == sum(not c.get("deleted") for c in contacts)
    # 150 entries: the probes land on the last page, so the count is exact.
    assert estimates(output, "time_entries")[0] == len(sandbox.records("time_entries"))


def test_an_incremental_count_covers_the_whole_start_day(sandbox_with) -> None:
    sandbox = sandbox_with()
    listed = sorted(
        (t for t in sandbox.records("tickets") if not hidden(t)), key=lambda t: t["updated_at"]
    )
    # A cursor in the middle of a day on which tickets were updated before it, too.
    cursor = next(
        later["updated_at"]
        for earlier, later in pairwise(listed[len(listed) // 2 :])
        if earlier["updated_at"][:10] == later["updated_at"][:10]
        and earlier["updated_at"] < later["updated_at"]
    )
    state = [
        {
            "type": "STREAM",
            "stream": {
                "stream_descriptor": {"name": "tickets"},
                "stream_state": {"updated_at": cursor},
            },
        }
    ]
    output = sync(sandbox, ["tickets"], state=state)

    since_cursor = sum(t["updated_at"] >= cursor for t in listed)
    since_day = sum(t["updated_at"][:10] >= cursor[:10] for t in listed)
    assert since_cursor < estimates(output, "tickets")[0] == since_day
    # Once every counted view was read, the day's surplus is gone from the estimate.
    assert estimates(output, "tickets")[-1] == output.record_counts()["tickets"]


def test_estimates_cost_a_few_credits_whatever_the_account_size(sandbox_with) -> None:
    credits = []
    for size in (1, 8):
        sandbox = sandbox_with(
            ticket_count=150 * size, contact_count=125 * size, time_entry_count=300 * size
        )
        output = sync(sandbox, LONG_STREAMS)
        assert output.returncode == 0, output.stderr
        assert estimates(output, "time_entries")[0] == len(sandbox.records("time_entries"))
        credits.append(estimate_credits(sandbox, output))
    assert all(SEARCHES < spent <= SEARCHES + MAX_PAGE_PROBES for spent in credits), credits


@pytest.mark.parametrize(
    "fault",
    [
        {"fault": 500},
        {"fault": "reset"},
        {"fault": 429, "retry_after": "1"},
        {"fault": 403, "html_body": False},
        {"fault": "malformed"},
        {"fault": "latency", "seconds": 4.0},
    ],
    ids=["5xx", "connection_reset", "429", "403", "malformed_json", "timeout"],
)
def test_a_failed_estimate_request_leaves_the_sync_whole(sandbox_with, fault) -> None:
    sandbox = sandbox_with()
    sandbox.inject_fault(path_prefix="/api/v2/search/", count=SEARCHES, **fault)

    output = sync(sandbox, LONG_STREAMS, request_timeout_seconds=2)

    assert output.returncode == 0, output.stderr
    assert output.errors() == []
    counts = output.record_counts()
    assert counts["tickets"] == len(sandbox.records("tickets"))
    assert counts["contacts"] == len(sandbox.records("contacts"))
    # No search answered, so the first tickets estimate is what the first view read.
    assert estimates(output, "tickets")[-1] == counts["tickets"]
    assert any("No row estimate for 'tickets'" in line for line in output.logs("WARN"))
    assert sandbox.api_key not in output.stdout_text + output.stderr


def test_a_search_still_counting_in_its_index_only_lowers_the_first_estimate(
    sandbox_with,
) -> None:
    # Every ticket changed within the index lag: the search finds none of them yet.
    sandbox = sandbox_with(search_index_lag_seconds=10 * 365 * 86400)

    output = sync(sandbox, ["tickets"])

    assert estimates(output, "tickets")[0] == 0
    assert estimates(output, "tickets")[-1] == output.record_counts()["tickets"]


def test_a_refused_time_entries_probe_leaves_what_the_stream_read(sandbox_with) -> None:
    sandbox = sandbox_with(time_entry_count=450)
    # The plan loses timesheets right after the stream's first page: the probe is refused next.
    sandbox.gate_feature("timesheets", after_requests=1)

    output = sync(sandbox, ["time_entries"])

    assert output.returncode == 0 and output.errors() == []
    assert len(output.records("time_entries")) == 100
    assert estimates(output, "time_entries") == [100]
    assert any("No row estimate for 'time_entries'" in line for line in output.logs("WARN"))
