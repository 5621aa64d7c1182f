"""How the time_entries estimate finds a list's length from a few probed pages, and what a failed
probe leaves: no estimate, every record still read."""

from __future__ import annotations

import random

import pytest
import requests

from source_freshdesk.estimates import (
    CONVERSATION_BATCHES_PER_ESTIMATE,
    MAX_PAGE_PROBES,
    PROBE_PAGE_SIZE,
    ConversationsProgress,
    probe_list_length,
)
from unit_tests.freshdesk.conftest import (
    BASE,
    page_response,
    record,
    records_of,
    requests_to,
    run_read,
)


def probed(length: int, full_pages: int) -> tuple[int | None, list[int]]:
    """The estimate for a list of `length` rows, and the pages it probed."""
    pages: list[int] = []

    def rows_on(page: int) -> int:
        pages.append(page)
        return max(0, min(PROBE_PAGE_SIZE, length - (page - 1) * PROBE_PAGE_SIZE))

    return probe_list_length(rows_on, full_pages), pages


@pytest.mark.parametrize("length", [0, 1, 99, 100, 101, 150, 1_599, 1_600, 1_601])
def test_a_list_of_up_to_sixteen_pages_is_counted_exactly(length: int) -> None:
    estimate, pages = probed(length, full_pages=0)
    assert estimate == length
    assert len(pages) <= MAX_PAGE_PROBES


# (largest length, worst relative error) as the docs state them.
DOCUMENTED_ERROR = [(25_600, 0.035), (409_600, 0.05), (6_553_600, 0.10), (100_000_000, 0.20)]


@pytest.mark.parametrize(("up_to", "error"), DOCUMENTED_ERROR)
def test_longer_lists_stay_within_the_documented_error_in_at_most_eight_probes(
    up_to: int, error: float
) -> None:
    chooser = random.Random(up_to)
    for length in [up_to - 1, *(chooser.randrange(PROBE_PAGE_SIZE, up_to) for _ in range(2000))]:
        estimate, pages = probed(length, full_pages=1)
        assert estimate is not None
        assert abs(estimate - length) <= error * length, length
        assert len(pages) <= MAX_PAGE_PROBES
        assert 1 not in pages  # the stream's own first page already told it is full


def test_a_probe_that_cannot_be_read_gives_no_estimate() -> None:
    answers = iter([PROBE_PAGE_SIZE, None])
    assert probe_list_length(lambda _page: next(answers), full_pages=1) is None


def entries(first: int, count: int) -> list[dict]:
    return [record(n, "2024-02-01T00:00:00Z") for n in range(first, first + count)]


@pytest.mark.parametrize(
    "probe_answer",
    [
        {"status_code": 500, "text": "<html>oops</html>"},
        {"exc": requests.exceptions.ConnectTimeout},
        {"status_code": 200, "text": "{not json"},
    ],
    ids=["5xx", "timeout", "not_json"],
)
def test_a_failed_probe_costs_one_request_and_the_stream_reads_on(api, probe_answer) -> None:
    api.get(f"{BASE}time_entries", [page_response(entries(1, 100), next_query="page=2")])
    api.get(f"{BASE}time_entries?page=2", [page_response(entries(101, 30))])
    api.get(f"{BASE}time_entries?page=16", [probe_answer])

    output = run_read(["time_entries"])

    assert [r["id"] for r in records_of(output, "time_entries")] == list(range(1, 131))
    assert output.errors == []
    pages = [h.qs.get("page", ["1"])[0] for h in requests_to(api, "time_entries")]
    assert pages == ["1", "16", "2"]  # one try: never retried
    estimates = [m.trace.estimate.row_estimate for m in output.trace_messages if m.trace.estimate]
    assert estimates == [130]  # only the one after the slice, from what was read


def conversations_estimate(message) -> int:
    return message.trace.estimate.row_estimate


def test_conversations_extrapolate_the_counted_tickets_until_the_walk_has_listed_them_all() -> None:
    progress = ConversationsProgress("conversations")
    progress.expect_tickets(100)
    progress.tickets_walked(40)
    # 20 tickets read with 60 conversations: 3 a ticket for the 80 tickets still to read.
    assert conversations_estimate(progress.batch_read(20, 60)) == 60 + 3 * 80
    for _ in range(CONVERSATION_BATCHES_PER_ESTIMATE - 1):
        assert progress.batch_read(0, 0) is None  # between the periodic estimates: none
    progress.tickets_walked(10)
    progress.walk_finished()  # the walk listed 50 tickets, not the 100 counted
    assert conversations_estimate(progress.batch_read(20, 20)) == 80 + 2 * 10
    assert conversations_estimate(progress.batch_read(10, 5)) == 85  # the last batch: exact
