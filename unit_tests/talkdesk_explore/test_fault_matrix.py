"""Faults the sandbox matrix does not inject, against a mocked Explore API: HTTP-date Retry-After
from a server clock ahead of ours, connection resets mid-job, and empty or truncated job bodies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from .factories import (
    TOKEN_URL,
    FakeClock,
    api_stream,
    job_body,
    job_url,
    jobs_url,
    report_job,
    token_body,
)


@pytest.fixture
def mock() -> Iterator[requests_mock.Mocker]:
    with requests_mock.Mocker() as mocker:
        mocker.post(TOKEN_URL, json=token_body())
        yield mocker


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def test_an_http_date_retry_after_from_a_server_clock_ahead_waits_only_its_delta(mock) -> None:
    server_now = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=6)
    limited = {
        "status_code": 429,
        "headers": {
            "Date": http_date(server_now),
            "Retry-After": http_date(server_now + timedelta(seconds=40)),
        },
    }
    mock.get(job_url(), [limited, {"status_code": 404, "json": {"code": "not_found"}}])
    clock = FakeClock()
    assert api_stream(clock).send("GET", job_url()).status_code == 404
    # Read against our clock the date lies six hours ahead, which would fail the request.
    assert clock.sleeps == [pytest.approx(40, abs=1)]


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"exc": requests.exceptions.ConnectionError("reset by peer")}, id="reset"),
        pytest.param({"exc": requests.exceptions.ReadTimeout("no answer")}, id="read-timeout"),
    ],
)
def test_a_poll_whose_connection_breaks_is_retried_and_the_job_finishes(mock, broken) -> None:
    mock.post(jobs_url(), status_code=202, json=job_body("job-1"))
    mock.get(job_url(), [broken, {"json": job_body("job-1", "done")}])
    clock = FakeClock()
    job = report_job(clock)
    finished = job.run()
    assert finished.job_id == "job-1"
    assert job.stats.retries >= 1


@pytest.mark.parametrize(
    "body",
    [pytest.param("", id="empty"), pytest.param('{"job": {"id": "jo', id="truncated")],
)
def test_a_job_creation_answered_without_a_readable_body_fails_naming_the_report(
    mock, body: str
) -> None:
    mock.post(jobs_url(), status_code=202, text=body)
    with pytest.raises(AirbyteTracedException) as caught:
        report_job(FakeClock()).run()
    assert caught.value.failure_type == FailureType.system_error
    assert "calls" in (caught.value.message or "") and "no job id" in (caught.value.message or "")
