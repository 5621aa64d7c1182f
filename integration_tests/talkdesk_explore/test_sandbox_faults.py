"""Transient faults, odd token responses, stuck jobs and concurrent use of the sandbox."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings
from integration_tests.talkdesk_sandbox.probe import (
    bearer,
    create_job,
    files,
    get,
    job_id,
    poll,
    poll_until_finished,
    request_token,
    run_job,
)


def _start(**settings: object) -> TalkdeskSandbox:
    return TalkdeskSandbox(TalkdeskSandboxSettings(**{"job_duration_s": 0.05, **settings}))


@pytest.fixture
def sandbox() -> Iterator[TalkdeskSandbox]:
    with _start() as running:
        yield running


def _window(sandbox: TalkdeskSandbox) -> tuple:
    end = sandbox.clock_start - timedelta(hours=1)
    return end - timedelta(days=1), end


def test_create_503_unable_to_audit_then_the_retry_succeeds(sandbox: TalkdeskSandbox) -> None:
    headers = bearer(sandbox)
    sandbox.fail_next_requests("create", 503)

    failed = create_job(sandbox, headers, "calls", *_window(sandbox))
    retried = create_job(sandbox, headers, "calls", *_window(sandbox))

    assert failed.status_code == 503
    assert failed.json()["description"] == "Unable to audit operation"
    assert retried.status_code == 202
    assert sandbox.stats()["jobs_created_by_type"] == {"calls": 1}


def test_poll_502_is_an_html_gateway_page(sandbox: TalkdeskSandbox) -> None:
    headers = bearer(sandbox)
    job = job_id(create_job(sandbox, headers, "calls", *_window(sandbox)))
    sandbox.fail_next_requests("poll", 502, count=2)

    answers = [poll(sandbox, headers, "calls", job) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [502, 502]
    assert answers[0].headers["Content-Type"] == "text/html"
    assert answers[2].status_code in (200, 303)


def test_429_on_a_read_carries_the_requested_retry_after(sandbox: TalkdeskSandbox) -> None:
    headers = bearer(sandbox)
    job = job_id(create_job(sandbox, headers, "calls", *_window(sandbox)))
    poll_until_finished(sandbox, headers, "calls", job)
    sandbox.fail_next_requests("file", 429, retry_after=2)

    refused = files(sandbox, headers, "calls", job)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert sandbox.stats()["status_429"] == 1
    assert files(sandbox, headers, "calls", job).status_code == 303


def test_token_host_5xx_is_not_json(sandbox: TalkdeskSandbox) -> None:
    sandbox.fail_next_requests("token", 503)

    failed = request_token(sandbox)

    assert failed.status_code == 503
    with pytest.raises(ValueError):
        failed.json()
    assert request_token(sandbox).status_code == 200
    assert sandbox.stats()["tokens_issued"] == 1


def test_reset_connection_gives_no_answer_at_all(sandbox: TalkdeskSandbox) -> None:
    headers = bearer(sandbox)
    sandbox.fail_next_requests("create", "reset")

    with pytest.raises(requests.ConnectionError):
        create_job(sandbox, headers, "calls", *_window(sandbox))
    assert create_job(sandbox, headers, "calls", *_window(sandbox)).status_code == 202


def test_truncated_download_breaks_mid_body_then_downloads_whole(sandbox: TalkdeskSandbox) -> None:
    headers = bearer(sandbox)
    job = job_id(create_job(sandbox, headers, "calls", *_window(sandbox)))
    poll_until_finished(sandbox, headers, "calls", job)
    url = files(sandbox, headers, "calls", job).headers["Location"]
    sandbox.fail_next_requests("storage", "truncate")

    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(url)
    assert get(url).json()["total"] > 0


@pytest.mark.parametrize("status", [500, 503])
def test_storage_5xx_is_an_s3_xml_error(sandbox: TalkdeskSandbox, status: int) -> None:
    sandbox.fail_next_requests("storage", status)

    failed = get(f"{sandbox.storage_url}/reports/calls/x.json")

    assert failed.status_code == status
    assert failed.text.startswith("<?xml") and "<Error><Code>" in failed.text


def test_faults_need_a_known_kind_and_status(sandbox: TalkdeskSandbox) -> None:
    with pytest.raises(ValueError):
        sandbox.fail_next_requests("download", 500)
    with pytest.raises(ValueError):
        sandbox.fail_next_requests("poll", "truncate")


def test_token_response_may_lack_scope() -> None:
    with _start(token_scope_in_response=False) as sandbox:
        payload = request_token(sandbox).json()

    assert "scope" not in payload
    assert payload["access_token"]


def test_a_job_that_never_finishes_stays_processing_and_holds_its_quota_slot() -> None:
    with _start(quota=1) as sandbox:
        headers = bearer(sandbox)
        sandbox.set_job_duration(math.inf)
        job = job_id(create_job(sandbox, headers, "calls", *_window(sandbox)))

        statuses = set()
        for _ in range(20):
            statuses.add(poll(sandbox, headers, "calls", job).json()["job"]["status"])
            if "processing" in statuses:
                break
            time.sleep(0.02)

        assert "processing" in statuses
        assert create_job(sandbox, headers, "calls", *_window(sandbox)).status_code == 429
        assert sandbox.stats()["job_durations_s"] == []


def test_concurrent_clients_get_consistent_jobs_and_counts() -> None:
    with _start(job_duration_s=0.2) as sandbox:
        headers = bearer(sandbox)
        end = sandbox.clock_start.replace(hour=0, minute=0, second=0)
        windows = [(end - timedelta(days=d + 1), end - timedelta(days=d)) for d in range(12)]

        def one(window: tuple) -> list[dict]:
            return run_job(sandbox, headers, "ring_attempts", *window)["entries"]

        with ThreadPoolExecutor(max_workers=12) as pool:
            reports = list(pool.map(one, windows))

        assert reports == [sandbox.rows("ring_attempts", *w) for w in windows]
        stats = sandbox.stats()
    assert stats["jobs_created_by_type"] == {"ring_attempts": 12}
    assert 2 <= stats["max_concurrent_jobs"] <= 12
    assert stats["job_durations_s"] == [0.2] * 12
    assert stats["requests_by_kind"]["storage"] == 12
