"""The signed-URL storage host behaves like S3 pre-signed GETs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings
from integration_tests.talkdesk_sandbox.probe import (
    bearer,
    create_job,
    files,
    get,
    job_id,
    poll_until_finished,
)


@pytest.fixture
def sandbox() -> Iterator[TalkdeskSandbox]:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.05)) as running:
        yield running


@pytest.fixture
def headers(sandbox: TalkdeskSandbox) -> dict[str, str]:
    return bearer(sandbox)


def _last_day(sandbox: TalkdeskSandbox) -> tuple[datetime, datetime]:
    end = sandbox.clock_start.replace(hour=0, minute=0, second=0)
    return end - timedelta(days=1), end


def _finished_job(
    sandbox: TalkdeskSandbox, headers: dict[str, str], report_type: str = "calls"
) -> tuple[str, str]:
    """A done job over the last full day and a fresh signed URL for its file."""
    job = job_id(create_job(sandbox, headers, report_type, *_last_day(sandbox)))
    poll_until_finished(sandbox, headers, report_type, job)
    return job, files(sandbox, headers, report_type, job).headers["Location"]


def test_signed_url_serves_the_report_without_any_authorization(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    _, url = _finished_job(sandbox, headers)

    report = get(url)

    assert report.status_code == 200
    assert report.headers["Content-Type"] == "application/json"
    assert int(report.headers["Content-Length"]) == len(report.content)
    assert report.json()["total"] == len(report.json()["entries"]) > 0


def test_storage_rejects_a_bearer_token_and_counts_it(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    _, url = _finished_job(sandbox, headers)

    refused = get(url, headers)

    assert refused.status_code == 400
    assert "<Code>InvalidArgument</Code>" in refused.text
    assert sandbox.stats()["storage_requests_with_authorization"] == 1


def test_expired_signed_url_is_403_and_files_hands_out_a_fresh_one(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    job, url = _finished_job(sandbox, headers)

    sandbox.expire_signed_urls_now()
    expired = get(url)
    fresh_url = files(sandbox, headers, "calls", job).headers["Location"]

    assert expired.status_code == 403
    assert "<Code>AccessDenied</Code>" in expired.text
    assert "expired" in expired.text
    assert fresh_url != url
    assert get(fresh_url).status_code == 200


def test_signed_url_lives_only_for_its_ttl(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    sandbox.set_signed_url_ttl(0)

    _, url = _finished_job(sandbox, headers)

    assert get(url).status_code == 403


def test_tampered_signature_is_403_signature_does_not_match(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    _, url = _finished_job(sandbox, headers)
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")

    refused = get(tampered)

    assert refused.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in refused.text


def test_report_file_can_be_downloaded_again(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    _, url = _finished_job(sandbox, headers)

    assert get(url).content == get(url).content


def test_unknown_file_is_404_no_such_key(sandbox: TalkdeskSandbox) -> None:
    missing = get(f"{sandbox.storage_url}/reports/calls/nope.json?expires=1&signature=x")

    assert missing.status_code == 404
    assert "<Code>NoSuchKey</Code>" in missing.text


@pytest.mark.parametrize(
    ("report_type", "top_level"),
    [
        ("calls", {"entries", "total", "type", "version"}),
        ("user_status", {"entries", "total", "type", "version"}),
        ("studio_flow_execution", {"entries", "total"}),
        ("contacts", {"entries", "total"}),
        ("ring_attempts", {"entries", "total"}),
    ],
)
def test_report_file_layout_matches_the_report_type(
    sandbox: TalkdeskSandbox, headers: dict[str, str], report_type: str, top_level: set[str]
) -> None:
    _, url = _finished_job(sandbox, headers, report_type)

    report = get(url).json()

    assert set(report) == top_level
    assert report["total"] == len(report["entries"])


def test_empty_window_gives_an_empty_report() -> None:
    with TalkdeskSandbox(
        TalkdeskSandboxSettings(job_duration_s=0.05, rows_per_day={"contacts": 0})
    ) as empty:
        headers = bearer(empty)
        _, url = _finished_job(empty, headers, "contacts")

        report = get(url).json()

    assert report == {"entries": [], "total": 0}


def test_gzip_reports_are_served_compressed_with_content_encoding(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    _, url = _finished_job(sandbox, headers)
    plain = get(url)
    sandbox.set_gzip_reports(True)

    packed = get(url)

    assert packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) < int(plain.headers["Content-Length"])
    # requests inflates transparently; a raw-socket reader would see gzip bytes.
    assert packed.json() == plain.json()


def test_new_columns_appear_in_files_and_ground_truth(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    sandbox.add_entry_fields("calls", {"sentiment_score": 0.8, "tags": '["vip"]'})

    _, url = _finished_job(sandbox, headers)
    entries = get(url).json()["entries"]

    assert entries and all(e["sentiment_score"] == 0.8 and e["tags"] == '["vip"]' for e in entries)
    assert all("sentiment_score" in e for e in sandbox.rows("calls", *_last_day(sandbox)))
