from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.stats import StreamStats
from source_talkdesk_explore.http_errors import RetryPolicy
from source_talkdesk_explore.report_jobs import FinishedJob, JobTiming, Phase, download_entries
from source_talkdesk_explore.sleeper import Sleeper, SyncCancelledError
from source_talkdesk_explore.streams import Calls
from source_talkdesk_explore.sync_context import SyncContext

from .factories import (
    STORAGE_URL,
    TOKEN_URL,
    FakeClock,
    api_stream,
    config,
    files_url,
    job_body,
    job_url,
    jobs_url,
    report_body,
    report_job,
    token_body,
    window,
)

SIGNED = f"{STORAGE_URL}/reports/calls/job-1.json?signature=abc"


def mocker() -> requests_mock.Mocker:
    mock = requests_mock.Mocker()
    mock.start()
    mock.post(TOKEN_URL, json=token_body())
    return mock


@pytest.fixture
def mock() -> requests_mock.Mocker:
    mock = mocker()
    yield mock
    mock.stop()


def done_redirect(code: int = 303, job_id: str = "job-1") -> dict:
    return {
        "status_code": code,
        "json": job_body(job_id, "done"),
        "headers": {"Location": f"/data/reports/calls/files/{job_id}"},
    }


def test_create_sends_utc_timespan_top_level_timezone_and_json_format(mock) -> None:
    mock.post(jobs_url(), status_code=202, json=job_body())
    mock.get(job_url(), [done_redirect()])
    report_job(FakeClock()).run()
    body = json.loads(mock.request_history[1].text)
    assert body == {
        "format": "json",
        "timezone": "UTC",
        "timespan": {"from": "2026-01-01T00:00:00Z", "to": "2026-01-08T00:00:00Z"},
    }


@pytest.mark.parametrize("code", [300, 302, 303])
def test_each_redirect_code_of_a_finished_job_leads_to_the_files_url(mock, code: int) -> None:
    mock.post(jobs_url(), status_code=202, json=job_body())
    mock.get(job_url(), [{"json": job_body(status="processing")}, done_redirect(code)])
    job = report_job(FakeClock())
    finished = job.run()
    assert finished.files_url == files_url()
    assert job.phase is Phase.DONE and job.attempts == 1


@pytest.mark.parametrize(("status", "wrapped"), [(200, False), (202, True), (201, False)])
def test_create_accepts_200_or_202_with_the_job_wrapped_or_flat(mock, status, wrapped) -> None:
    mock.post(jobs_url(), status_code=status, json=job_body("job-9", wrapped=wrapped))
    mock.get(job_url("job-9"), [done_redirect(job_id="job-9")])
    assert report_job(FakeClock()).run().job_id == "job-9"


def test_poll_walks_created_processing_uploading_with_capped_backoff(mock) -> None:
    clock = FakeClock()
    mock.post(jobs_url(), status_code=202, json=job_body())
    pending = [{"json": job_body(status=s)} for s in ["created", "processing"] + ["uploading"] * 4]
    mock.get(job_url(), [*pending, done_redirect()])
    report_job(clock).run()
    assert clock.sleeps == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]


def test_done_without_redirect_uses_the_files_endpoint(mock) -> None:
    mock.post(jobs_url(), status_code=202, json=job_body())
    mock.get(job_url(), json=job_body(status="done"))
    assert report_job(FakeClock()).run().files_url == files_url()


@pytest.mark.parametrize("status", ["failed", "canceled", "deleted"])
def test_a_failed_canceled_or_deleted_job_is_created_again(mock, status: str) -> None:
    mock.post(
        jobs_url(),
        [{"status_code": 202, "json": job_body("a")}, {"status_code": 202, "json": job_body("b")}],
    )
    mock.get(job_url("a"), json=job_body("a", status))
    mock.get(job_url("b"), [done_redirect(job_id="b")])
    job = report_job(FakeClock())
    assert job.run().job_id == "b"
    assert job.attempts == 2 and job.stats.jobs == 2 and job.stats.retries == 1


def test_a_vanished_job_404_is_created_again(mock) -> None:
    mock.post(
        jobs_url(),
        [{"status_code": 202, "json": job_body("a")}, {"status_code": 202, "json": job_body("b")}],
    )
    mock.get(job_url("a"), status_code=404, json={"code": "0330404"})
    mock.get(job_url("b"), [done_redirect(job_id="b")])
    assert report_job(FakeClock()).run().job_id == "b"


def test_job_recreation_is_bounded_and_the_error_names_report_and_window(mock) -> None:
    mock.post(jobs_url(), status_code=202, json=job_body())
    mock.get(job_url(), json=job_body(status="failed"))
    job = report_job(FakeClock(), max_attempts=3)
    with pytest.raises(AirbyteTracedException) as caught:
        job.run()
    message = caught.value.message or ""
    assert mock.call_count - 1 == 6  # 3 creates + 3 polls after the token call
    assert "'calls'" in message and "2026-01-01T00:00:00Z" in message and "failed" in message
    assert caught.value.failure_type == FailureType.transient_error


def test_quota_429_waits_retry_after_then_creates_without_failing(mock) -> None:
    clock = FakeClock()
    mock.post(
        jobs_url(),
        [
            {"status_code": 429, "headers": {"Retry-After": "7"}},
            {"status_code": 429, "headers": {"Retry-After": "3"}},
            {"status_code": 202, "json": job_body()},
        ],
    )
    mock.get(job_url(), [done_redirect()])
    job = report_job(clock)
    job.run()
    assert clock.sleeps[:2] == [7.0, 3.0]
    assert job.stats.rate_limit_waits == 2 and job.stats.jobs == 1


def test_quota_429_without_retry_after_backs_off_exponentially_up_to_the_cap(mock) -> None:
    clock = FakeClock()
    mock.post(jobs_url(), [*[{"status_code": 429}] * 5, {"status_code": 202, "json": job_body()}])
    mock.get(job_url(), [done_redirect()])
    report_job(clock, rate_limit_backoff_s=5.0, backoff_cap_s=30.0).run()
    assert clock.sleeps[:5] == [5.0, 10.0, 20.0, 30.0, 30.0]


def test_quota_that_stays_full_past_the_job_timeout_fails_transiently(mock) -> None:
    mock.post(jobs_url(), status_code=429, headers={"Retry-After": "60"})
    with pytest.raises(AirbyteTracedException) as caught:
        report_job(FakeClock(), job_timeout_s=300).run()
    assert caught.value.failure_type == FailureType.transient_error
    assert "quota" in (caught.value.message or "")


def test_quota_wait_is_a_job_state_whose_wait_ends_when_the_sync_is_cancelled(mock) -> None:
    mock.post(jobs_url(), status_code=429, headers={"Retry-After": "600"})
    sleeper = Sleeper()
    job = report_job(FakeClock())
    job.api.sleep = sleeper  # the sync's interruptible sleep
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            job.run()
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    while not job.stats.rate_limit_waits and worker.is_alive():
        worker.join(0.01)
    assert job.phase is Phase.QUOTA_WAIT and job.attempts == 1
    sleeper.cancel()
    worker.join(10)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], SyncCancelledError)


def test_slow_job_is_abandoned_by_its_own_timeout_not_a_retry_count(mock) -> None:
    clock = FakeClock()
    mock.post(jobs_url(), status_code=202, json=job_body())
    mock.get(job_url(), json=job_body(status="processing"))
    with pytest.raises(AirbyteTracedException) as caught:
        report_job(clock, job_timeout_s=120).run()
    assert "did not finish within 2 minutes" in (caught.value.message or "")
    assert sum(clock.sleeps) == pytest.approx(120)
    assert len(clock.sleeps) > 5  # far more polls than the CDK's 5 retries


def test_create_validation_400_carries_talkdesk_field_errors(mock) -> None:
    mock.post(
        jobs_url(),
        status_code=400,
        json={
            "code": "0330400",
            "fields": [{"name": "timespan", "description": "must not be longer than 31 days"}],
        },
    )
    with pytest.raises(AirbyteTracedException) as caught:
        report_job(FakeClock()).run()
    assert "timespan: must not be longer than 31 days" in (caught.value.message or "")


def test_to_in_the_future_by_talkdesks_clock_asks_for_a_larger_lag(mock) -> None:
    fields = [{"name": "timespan.to", "description": "must not be in the future"}]
    mock.post(jobs_url(), status_code=400, json={"code": "0330400", "fields": fields})
    with pytest.raises(AirbyteTracedException) as caught:
        report_job(FakeClock()).run()
    assert caught.value.failure_type == FailureType.config_error
    assert "freshness_lag_minutes" in (caught.value.message or "")


def test_create_403_asks_for_the_write_scope(mock) -> None:
    mock.post(jobs_url(), status_code=403, json={"code": "1001403"})
    with pytest.raises(AirbyteTracedException) as caught:
        report_job(FakeClock()).run()
    assert caught.value.failure_type == FailureType.config_error
    assert "data-reports:write" in (caught.value.message or "")


def test_transient_5xx_while_polling_is_retried(mock) -> None:
    mock.post(jobs_url(), status_code=202, json=job_body())
    mock.get(job_url(), [{"status_code": 502, "text": "<html>bad gateway</html>"}, done_redirect()])
    job = report_job(FakeClock())
    job.run()
    assert job.stats.retries == 1


# -- download -------------------------------------------------------------------------------


def finished() -> FinishedJob:
    return FinishedJob("calls", window(), "job-1", files_url(), 1)


def download(mock, clock: FakeClock | None = None, stats: StreamStats | None = None) -> list[dict]:
    return read_file(api_stream(clock or FakeClock()), stats)


def read_file(stream: Calls, stats: StreamStats | None = None) -> list[dict]:
    """The finished job's entries, as `stream` downloads them (its own stats count the storage
    requests and their retries; `stats`, the stream's by default, what the job counts)."""
    timing = JobTiming(file_not_ready_wait_s=1.0)
    return list(download_entries(stream, finished(), stats or stream.stats, timing))


@pytest.mark.parametrize("code", [300, 302, 303])
def test_download_follows_files_redirect_to_storage_without_the_bearer(mock, code: int) -> None:
    mock.get(files_url(), status_code=code, headers={"Location": SIGNED})
    mock.get(SIGNED, json=report_body([{"call_id": "1"}, {"call_id": "2"}]))
    assert download(mock) == [{"call_id": "1"}, {"call_id": "2"}]
    storage_request = mock.request_history[-1]
    assert storage_request.url == SIGNED
    assert "Authorization" not in storage_request.headers
    assert mock.request_history[-2].headers["Authorization"] == "Bearer token-1"


def test_expired_signed_url_asks_the_files_endpoint_again(mock) -> None:
    fresh = SIGNED + "&fresh=1"
    mock.get(
        files_url(),
        [
            {"status_code": 302, "headers": {"Location": SIGNED}},
            {"status_code": 302, "headers": {"Location": fresh}},
        ],
    )
    mock.get(SIGNED, status_code=403, text="<Error><Code>AccessDenied</Code></Error>")
    mock.get(fresh, json=report_body([{"call_id": "1"}]))
    stats = StreamStats("calls")
    assert download(mock, stats=stats) == [{"call_id": "1"}]
    assert stats.pages == 1 and stats.retries == 1


def test_file_not_ready_yet_is_asked_again_after_a_wait(mock) -> None:
    clock = FakeClock()
    mock.get(
        files_url(),
        [
            {"json": job_body(status="uploading")},
            {"status_code": 303, "headers": {"Location": SIGNED}},
        ],
    )
    mock.get(SIGNED, json=report_body([]))
    assert download(mock, clock) == []
    assert clock.sleeps == [1.0]


def test_download_cut_mid_way_restarts_and_skips_entries_already_emitted(mock) -> None:
    entries = [{"call_id": str(i)} for i in range(3)]
    body = json.dumps(report_body(entries)).encode()
    mock.get(files_url(), status_code=303, headers={"Location": SIGNED})
    mock.get(
        SIGNED,
        [{"body": _CutBody(body, body.index(b'{"call_id": "2"}'))}, {"json": report_body(entries)}],
    )
    stats = StreamStats("calls")
    assert download(mock, stats=stats) == entries
    assert stats.retries == 1


def test_a_body_that_simply_ends_early_is_downloaded_again_without_repeats(mock) -> None:
    entries = [{"call_id": str(i)} for i in range(3)]
    body = json.dumps(report_body(entries))
    mock.get(files_url(), status_code=303, headers={"Location": SIGNED})
    mock.get(SIGNED, [{"text": body[: body.index('{"call_id": "2"}')]}, {"text": body}])
    assert download(mock) == entries


def test_refused_downloads_back_off_doubling_and_fail_without_a_last_wait(mock) -> None:
    clock = FakeClock()
    mock.get(files_url(), status_code=302, headers={"Location": SIGNED})
    mock.get(SIGNED, status_code=403, text="<Error><Code>AccessDenied</Code></Error>")
    with pytest.raises(AirbyteTracedException) as caught:
        download(mock, clock)
    assert clock.sleeps == [1.0, 2.0, 4.0]  # 4 attempts, 3 waits between them
    assert "after 4 attempts" in (caught.value.message or "")


@pytest.mark.parametrize(
    ("failure", "wait"),
    [
        ({"status_code": 503}, 1.0),
        ({"status_code": 408}, 1.0),
        ({"status_code": 429, "headers": {"Retry-After": "3"}}, 3.0),
        ({"exc": requests.ConnectionError(f"cannot reach {SIGNED}")}, 1.0),
    ],
    ids=["5xx", "408", "429-retry-after", "network"],
)
def test_a_transient_storage_failure_is_retried_on_the_same_signed_url(
    mock, failure: dict[str, Any], wait: float
) -> None:
    clock = FakeClock()
    stream = api_stream(clock)
    mock.get(files_url(), status_code=303, headers={"Location": SIGNED})
    mock.get(SIGNED, [failure, {"json": report_body([{"call_id": "1"}])}])
    assert read_file(stream) == [{"call_id": "1"}]
    assert clock.sleeps == [wait]
    asked = [request.url for request in mock.request_history]
    assert asked.count(files_url()) == 1 and asked.count(SIGNED) == 2
    assert stream.stats.pages == 1 and stream.stats.retries == 1


def test_storage_retries_are_counted_and_waited_like_the_syncs_other_transient_retries(
    mock,
) -> None:
    clock = FakeClock()
    stream = api_stream(clock, transient_attempts=4, transient_backoff_s=2.0, backoff_cap_s=5.0)
    mock.get(files_url(), status_code=303, headers={"Location": SIGNED})
    mock.get(SIGNED, status_code=503, text="<Error><Code>SlowDown</Code></Error>")
    with pytest.raises(AirbyteTracedException) as caught:
        read_file(stream)
    assert caught.value.failure_type == FailureType.transient_error
    assert caught.value.message == (
        "A Talkdesk Explore report file could not be downloaded after 4 attempts (HTTP 503)."
    )
    assert clock.sleeps == [2.0, 4.0, 5.0]  # the policy's backoff, capped, no wait after the last
    assert stream.stats.retries == 3
    assert "signature" not in f"{caught.value.message} {caught.value.internal_message}"


def test_a_download_retry_wait_ends_at_once_when_the_sync_is_cancelled(mock) -> None:
    mock.get(files_url(), status_code=303, headers={"Location": SIGNED})
    mock.get(SIGNED, status_code=503)
    context = SyncContext(config(), policy=RetryPolicy(transient_backoff_s=600))
    stream = Calls(context)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            list(download_entries(stream, finished(), stream.stats))
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    while not stream.stats.retries and worker.is_alive():
        worker.join(0.01)
    context.close()
    worker.join(10)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], SyncCancelledError)


def test_report_without_entries_fails_instead_of_yielding_nothing(mock) -> None:
    mock.get(files_url(), status_code=303, headers={"Location": SIGNED})
    mock.get(SIGNED, json={"total": 3})
    with pytest.raises(AirbyteTracedException) as caught:
        download(mock)
    assert "no 'entries'" in (caught.value.message or "")


def test_signed_url_over_plain_http_to_a_remote_host_is_refused(mock) -> None:
    mock.get(files_url(), status_code=303, headers={"Location": "http://storage.example.com/x"})
    with pytest.raises(AirbyteTracedException) as caught:
        download(mock)
    assert "not https" in (caught.value.message or "")


class _CutBody(io.BytesIO):
    """A body whose connection resets after `limit` bytes."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__(data)
        self._limit = limit

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self._limit:
            raise ConnectionResetError("connection reset by peer")
        wanted = self._limit - self.tell() if size is None or size < 0 else size
        return super().read(min(wanted, self._limit - self.tell()))
