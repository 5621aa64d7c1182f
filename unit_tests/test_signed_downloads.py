"""The shared signed-URL downloader: no credentials to storage, bounded retries with backoff.py's
waits, refusals handed to the caller, files streamed to disk and never left half-written, and the
URL (a credential) in no error."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.call_rate import LimiterSession
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.signed_downloads import CHUNK_BYTES, LinkRefused, SignedUrlDownloader
from connector_common.stats import StreamStats
from source_freshdesk.rate_limit import FreshdeskAPIBudget

URL = "https://files.example.com/a/report.bin?X-Amz-Signature=s3cr3t-signature"
BODY = bytes(range(256)) * (3 * CHUNK_BYTES // 256 + 7)  # several chunks


def downloader(
    sleeps: list[float], attempts: int = 3, first_wait_s: float = 1.0
) -> SignedUrlDownloader:
    return SignedUrlDownloader(
        what="The test file",
        timeout=(5, 7),
        sleep=sleeps.append,
        attempts=attempts,
        first_wait_s=first_wait_s,
    )


def test_save_streams_the_file_to_disk_with_the_configured_timeout(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.bin"
    with requests_mock.Mocker() as storage:
        storage.get(URL, content=BODY, headers={"Content-Length": str(len(BODY))})
        size = downloader([]).save(URL, target)
        (sent,) = storage.request_history
    assert size == len(BODY) and target.read_bytes() == BODY
    assert sent.timeout == (5, 7) and sent.stream is True


def test_no_credentials_reach_storage_not_even_from_the_session_or_netrc() -> None:
    def authenticated() -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = "Basic YXBpLWtleTpY"
        return session

    with requests_mock.Mocker() as storage:
        storage.get(URL, content=b"{}")
        SignedUrlDownloader(
            what="The test file", timeout=(5, 7), session_factory=authenticated
        ).read_json(URL)
        (sent,) = storage.request_history
    assert "Authorization" not in sent.headers


@pytest.mark.parametrize(
    "failure",
    [
        {"status_code": 503},
        {"status_code": 429},
        {"exc": requests.ConnectionError(f"cannot reach {URL}")},
        # Cut short: fewer bytes than announced.
        {"content": BODY[:100], "headers": {"Content-Length": str(len(BODY))}},
    ],
    ids=["5xx", "429", "network", "truncated"],
)
def test_transient_failures_are_retried_with_backoff_waits_and_leave_no_partial_file(
    tmp_path: Path, failure: dict[str, object]
) -> None:
    sleeps: list[float] = []
    stats = StreamStats("s")
    target = tmp_path / "f.bin"
    with requests_mock.Mocker() as storage:
        storage.get(URL, [failure, failure, {"content": BODY}])
        assert downloader(sleeps, first_wait_s=1.5).save(URL, target, stats) == len(BODY)
    assert sleeps == [1.5, 3.0]  # capped_exponential from first_wait_s
    assert stats.requests == 3 and stats.retries == 2
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_each_retry_is_logged_with_its_cause_and_wait_but_not_the_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with requests_mock.Mocker() as storage, caplog.at_level(logging.INFO, logger="airbyte"):
        storage.get(URL, [{"exc": requests.ConnectionError(f"cannot reach {URL}")}, {"json": {}}])
        downloader([], first_wait_s=2.0).read_json(URL)
    assert caplog.messages == [
        "The test file: transient failure (ConnectionError); retrying in 2.0 s."
    ]


def test_a_retry_after_is_honoured() -> None:
    sleeps: list[float] = []
    with requests_mock.Mocker() as storage:
        storage.get(URL, [{"status_code": 429, "headers": {"Retry-After": "7"}}, {"json": {}}])
        downloader(sleeps).read_json(URL)
    assert sleeps == [7.0]


def test_retries_are_bounded_and_fail_as_a_transient_error_without_the_url(
    tmp_path: Path,
) -> None:
    sleeps: list[float] = []
    with requests_mock.Mocker() as storage:
        storage.get(URL, exc=requests.ConnectionError(f"cannot reach {URL}"))
        with pytest.raises(AirbyteTracedException) as failed:
            downloader(sleeps, attempts=4).save(URL, tmp_path / "f.bin")
        assert len(storage.request_history) == 4
    assert failed.value.failure_type == FailureType.transient_error
    assert failed.value.message == (
        "The test file could not be downloaded after 4 attempts (ConnectionError)."
    )
    assert "s3cr3t" not in f"{failed.value.message} {failed.value.internal_message}"
    assert len(sleeps) == 3
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_a_refusal_goes_to_the_caller_at_once(status: int) -> None:
    sleeps: list[float] = []
    with requests_mock.Mocker() as storage:
        storage.get(URL, status_code=status, json={"Code": "AccessDenied"})
        with pytest.raises(LinkRefused) as refused:
            downloader(sleeps).read_json(URL)
        assert len(storage.request_history) == 1
    assert refused.value.status == status and "s3cr3t" not in str(refused.value)
    assert refused.value.expired_or_forbidden is (status in (401, 403))
    assert sleeps == []


def test_a_body_that_is_not_json_is_downloaded_again() -> None:
    with requests_mock.Mocker() as storage:
        storage.get(URL, [{"text": '{"half": '}, {"json": {"whole": True}}])
        assert downloader([]).read_json(URL) == {"whole": True}


def test_open_hands_back_the_streamed_response_for_the_caller_to_read() -> None:
    with requests_mock.Mocker() as storage:
        storage.get(URL, [{"status_code": 502}, {"content": BODY}])
        response = downloader([]).open(URL)
    with response:
        assert b"".join(response.iter_content(CHUNK_BYTES)) == BODY


def test_a_budgeted_session_paces_downloads_like_api_calls() -> None:
    waits: list[float] = []
    clock = [0.0]
    budget = FreshdeskAPIBudget(60, clock=lambda: clock[0], sleep=waits.append)

    def budgeted() -> requests.Session:
        return LimiterSession(api_budget=budget)

    files = SignedUrlDownloader(what="The test file", timeout=(5, 7), session_factory=budgeted)
    with requests_mock.Mocker() as storage:
        storage.get(URL, json={})
        files.read_json(URL)
        files.read_json(URL)
    # 60 a minute, paced a little below: the second download waits for its slot.
    assert len(waits) == 1 and waits[0] == pytest.approx(60 / (60 * 0.98))
