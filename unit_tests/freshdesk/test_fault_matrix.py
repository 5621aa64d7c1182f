"""Faults the sandbox matrix does not inject, against a mocked API: empty and truncated bodies,
connection resets, 429s with missing, fractional and HTTP-date Retry-After, a server clock ahead."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests

from connector_common.backoff import MAX_RATE_LIMIT_WAIT_S
from source_freshdesk.rate_limit import FreshdeskAPIBudget
from unit_tests.freshdesk.conftest import (
    BASE,
    page_response,
    record,
    records_of,
    requests_to,
    run_read,
)

ROLE = record(1, "2024-01-01T00:00:00Z")


@pytest.fixture(autouse=True)
def budget_waits(monkeypatch: pytest.MonkeyPatch, no_sleep: list[float]) -> list[float]:
    """The shared budget's pauses too (it holds its own reference to time.sleep)."""
    monkeypatch.setattr(FreshdeskAPIBudget, "_wait", lambda self, seconds: no_sleep.append(seconds))
    return no_sleep


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"status_code": 200, "text": ""}, id="empty-body"),
        pytest.param({"status_code": 200, "text": '[{"id": 1, "updat'}, id="truncated-json"),
        pytest.param({"exc": requests.exceptions.ConnectionError("reset by peer")}, id="reset"),
        pytest.param({"exc": requests.exceptions.ChunkedEncodingError("cut")}, id="cut-mid-body"),
        pytest.param({"exc": requests.exceptions.ReadTimeout("slow")}, id="read-timeout"),
    ],
)
def test_a_broken_answer_is_retried_and_the_page_read_once(api, no_sleep, broken: dict) -> None:
    api.get(f"{BASE}roles", [broken, page_response([ROLE])])
    output = run_read(["roles"])
    assert [r["id"] for r in records_of(output, "roles")] == [1]
    assert not output.errors
    assert len(no_sleep) >= 1 and max(no_sleep) <= 10  # one short backoff, not a long wait


def test_an_answer_that_stays_broken_fails_the_stream_after_bounded_retries(api, no_sleep) -> None:
    api.get(f"{BASE}roles", status_code=200, text="")
    output = run_read(["roles"])
    assert output.errors
    assert api.call_count <= 8  # the first attempt and at most MAX_RETRIES (6) retries
    assert sum(no_sleep) < 15 * 60


@pytest.mark.parametrize(
    ("retry_after", "at_most"),
    [
        pytest.param(None, 10.0, id="missing"),
        pytest.param("1.5", 2.5, id="fractional"),
        pytest.param("0", 10.0, id="zero"),
    ],
)
def test_a_429_without_a_usable_wait_is_retried_after_a_short_bounded_pause(
    api, no_sleep, retry_after: str | None, at_most: float
) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    api.get(
        f"{BASE}roles",
        [{"status_code": 429, "headers": headers, "json": {}}, page_response([ROLE])],
    )
    output = run_read(["roles"])
    assert [r["id"] for r in records_of(output, "roles")] == [1]
    assert no_sleep and max(no_sleep) <= at_most


def test_an_http_date_retry_after_from_a_server_clock_hours_ahead_waits_only_its_delta(
    api, no_sleep
) -> None:
    server_now = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=5)
    limited = {
        "status_code": 429,
        "headers": {
            "Date": http_date(server_now),
            "Retry-After": http_date(server_now + timedelta(seconds=20)),
        },
        "json": {},
    }
    api.get(f"{BASE}roles", [limited, page_response([ROLE])])
    output = run_read(["roles"])
    assert [r["id"] for r in records_of(output, "roles")] == [1]
    # 20 s (plus the CDK's extra second); read against our clock it would be five hours.
    assert max(no_sleep) == pytest.approx(21, abs=1)


def test_an_http_date_retry_after_days_ahead_fails_without_waiting(api, no_sleep) -> None:
    later = datetime.now(timezone.utc) + timedelta(days=2)
    api.get(f"{BASE}roles", status_code=429, headers={"Retry-After": http_date(later)}, json={})
    output = run_read(["roles"])
    errors = [m.trace.error for m in output.errors]
    assert any(
        e.failure_type.value == "transient_error" and "Retry the sync after" in e.message
        for e in errors
    )
    assert all(wait <= MAX_RATE_LIMIT_WAIT_S + 1 for wait in no_sleep)


def test_records_stamped_by_a_server_clock_ahead_of_ours_still_checkpoint_and_resume(api) -> None:
    ahead = (datetime.now(timezone.utc) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Only the default view holds the ticket: the views are read concurrently, in any order.
    api.get(f"{BASE}tickets", [page_response([])])
    api.get(
        f"{BASE}tickets",
        [page_response([record(7, ahead)]), page_response([])],
        additional_matcher=lambda request: "filter=" not in (request.query or ""),
    )
    first = run_read(["tickets"])
    assert [r["id"] for r in records_of(first, "tickets")] == [7]
    saved = first.state_messages[-1].state.stream.stream_state.__dict__
    assert saved["updated_at"] == ahead
    api.reset_mock()
    api.get(f"{BASE}tickets", [page_response([])])
    second = run_read(["tickets"], state={"tickets": saved})
    # Hours ahead is clock skew, not an unusable cursor: the next sync continues from it.
    default_view = [h.qs for h in requests_to(api, "tickets") if "filter" not in h.qs]
    assert default_view[0]["updated_since"] == [ahead.lower()]
    assert not [m for m in second.logs if "saved state value" in m.log.message]
