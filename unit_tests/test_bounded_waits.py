"""Every rate-limit wait of both sources is bounded by MAX_RATE_LIMIT_WAIT_S: a 429 that asks for
longer (hours, an HTTP date days ahead) fails the stream at once as a transient error that says
when to retry, and an HTTP-date Retry-After is read against the server's own Date header."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.backoff import (
    MAX_RATE_LIMIT_WAIT_S,
    rate_limit_wait_too_long,
    response_retry_after,
)
from connector_common.stats import StreamStats
from source_freshdesk.http_errors import RetryAfterBackoff
from source_freshdesk.rate_limit import DEFAULT_RATE_LIMIT_PAUSE_SECONDS, FreshdeskAPIBudget
from unit_tests.freshdesk.conftest import BASE, records_of, run_read
from unit_tests.talkdesk_explore.factories import TOKEN_URL, api_stream, job_url, token_body
from unit_tests.talkdesk_explore.factories import FakeClock as TalkdeskClock

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def limited(retry_after: str | None, date: datetime | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    if date is not None:
        response.headers["Date"] = format_datetime(date, usegmt=True)
    response.request = requests.Request("GET", f"{BASE}tickets").prepare()
    return response


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)
    yield waits


def test_the_documented_maximum_stays_below_the_concurrent_engines_900_s_queue_timeout() -> None:
    assert 0 < MAX_RATE_LIMIT_WAIT_S < 900


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("30", 30.0),
        ("0.5", 0.5),
        (None, None),
        ("inf", None),
        ("nan", None),
        ("-3", None),
        ("soon", None),
    ],
)
def test_retry_after_reads_seconds_and_refuses_values_that_would_wait_forever_or_crash(
    header: str | None, expected: float | None
) -> None:
    assert response_retry_after(limited(header)) == expected


def test_an_http_date_retry_after_is_measured_against_the_servers_date_header() -> None:
    # The server's clock is three hours ahead of ours: its "30 s from now" is 30 s, not 3 hours.
    server_now = datetime.now(timezone.utc) + timedelta(hours=3)
    response = limited(http_date(server_now + timedelta(seconds=30)), date=server_now)
    assert response_retry_after(response) == pytest.approx(30, abs=1)


def test_the_too_long_error_is_transient_and_says_when_to_retry() -> None:
    error = rate_limit_wait_too_long("Freshdesk", 3 * 3600, now=NOW)
    assert error.failure_type == FailureType.transient_error
    assert "3 hours" in (error.message or "")
    assert "Retry the sync after 2026-03-01 15:00 UTC" in (error.message or "")


def test_an_absurd_retry_after_still_gives_a_message_instead_of_overflowing() -> None:
    error = rate_limit_wait_too_long("Talkdesk", 1e300, now=NOW)
    assert "more than a year" in (error.message or "")


@pytest.mark.parametrize(
    "header",
    ["7200", "86400.5", http_date(datetime.now(timezone.utc) + timedelta(days=3))],
    ids=["hours", "fractional-day", "http-date-days-ahead"],
)
def test_freshdesk_backoff_refuses_a_retry_after_beyond_the_maximum(header: str) -> None:
    with pytest.raises(AirbyteTracedException) as caught:
        RetryAfterBackoff(StreamStats("tickets")).backoff_time(limited(header), attempt_count=1)
    assert caught.value.failure_type == FailureType.transient_error
    assert "Retry the sync after" in (caught.value.message or "")


def test_freshdesk_backoff_waits_a_retry_after_of_exactly_the_maximum() -> None:
    wait = RetryAfterBackoff(StreamStats("tickets")).backoff_time(
        limited(str(int(MAX_RATE_LIMIT_WAIT_S))), attempt_count=1
    )
    assert wait == MAX_RATE_LIMIT_WAIT_S


def test_freshdesk_budget_refuses_every_worker_while_a_too_long_limit_lasts() -> None:
    clock, waits = Clock(), []
    budget = FreshdeskAPIBudget(requests_per_minute=None, clock=clock, sleep=waits.append)
    budget.update_from_response(limited("7200").request, limited("7200"))
    clock.now = 5.0
    with pytest.raises(AirbyteTracedException) as caught:
        budget.acquire_call(requests.Request("GET", f"{BASE}contacts").prepare())
    assert caught.value.failure_type == FailureType.transient_error
    assert waits == []  # nobody sleeps into a limit that lasts hours
    clock.now = 7201.0
    budget.acquire_call(requests.Request("GET", f"{BASE}contacts").prepare())  # over: sends again


@pytest.mark.parametrize("header", ["inf", "nan"])
def test_freshdesk_budget_pauses_the_default_for_a_retry_after_that_is_not_a_number(
    header: str,
) -> None:
    clock, waits = Clock(), []
    budget = FreshdeskAPIBudget(requests_per_minute=None, clock=clock, sleep=waits.append)
    budget.update_from_response(limited(header).request, limited(header))
    budget.acquire_call(requests.Request("GET", f"{BASE}contacts").prepare())
    assert waits == [DEFAULT_RATE_LIMIT_PAUSE_SECONDS]


def test_a_freshdesk_sync_rate_limited_for_hours_fails_the_stream_without_waiting(
    slept: list[float],
) -> None:
    with requests_mock.Mocker() as api:
        api.get(f"{BASE}roles", status_code=429, headers={"Retry-After": "10800"}, json={})
        output = run_read(["roles"])
    errors = [m.trace.error for m in output.errors]
    assert any(
        e.failure_type == FailureType.transient_error and "Retry the sync after" in e.message
        for e in errors
    )
    assert records_of(output, "roles") == []
    assert all(wait <= MAX_RATE_LIMIT_WAIT_S + 1 for wait in slept)


def test_a_talkdesk_request_rate_limited_for_hours_fails_at_once_saying_when_to_retry() -> None:
    clock = TalkdeskClock()
    api = api_stream(clock)
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(job_url(), status_code=429, headers={"Retry-After": "14400"})
        with pytest.raises(AirbyteTracedException) as caught:
            api.send("GET", job_url())
    assert caught.value.failure_type == FailureType.transient_error
    assert "4 hours" in (caught.value.message or "")
    assert clock.sleeps == []


def test_a_talkdesk_retry_after_within_the_maximum_is_waited_out() -> None:
    clock = TalkdeskClock()
    api = api_stream(clock)
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(
            job_url(),
            [
                {"status_code": 429, "headers": {"Retry-After": "2.5"}},
                {"status_code": 404, "json": {"code": "not_found"}},
            ],
        )
        assert api.send("GET", job_url()).status_code == 404
    assert clock.sleeps == [2.5]
