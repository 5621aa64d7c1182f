"""Report job creation, validation, quota and lifecycle in the sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings
from integration_tests.talkdesk_sandbox.probe import (
    bearer,
    create_job,
    files,
    iso_z,
    job_id,
    poll,
    poll_until_finished,
    run_job,
)

UTC = timezone.utc


def _start(**settings: object) -> TalkdeskSandbox:
    return TalkdeskSandbox(TalkdeskSandboxSettings(**{"job_duration_s": 0.05, **settings}))


@pytest.fixture
def sandbox() -> Iterator[TalkdeskSandbox]:
    with _start() as running:
        yield running


@pytest.fixture
def headers(sandbox: TalkdeskSandbox) -> dict[str, str]:
    return bearer(sandbox)


def _day_before_end(sandbox: TalkdeskSandbox) -> tuple[str, str]:
    end = sandbox.clock_start - timedelta(hours=1)
    return iso_z(end - timedelta(days=1)), iso_z(end)


# --- validation -------------------------------------------------------------------------------


def _validation_cases(sandbox: TalkdeskSandbox) -> dict[str, dict]:
    end = sandbox.clock_start - timedelta(hours=1)
    good = {"from": iso_z(end - timedelta(days=1)), "to": iso_z(end)}
    return {
        "span_31_days_plus_1s": {
            "timespan": {"from": iso_z(end - timedelta(days=31, seconds=1)), "to": iso_z(end)}
        },
        "to_in_the_future": {
            "timespan": {"from": good["from"], "to": iso_z(sandbox.now + timedelta(minutes=5))}
        },
        "to_equals_from": {"timespan": {"from": good["to"], "to": good["to"]}},
        "to_before_from": {"timespan": {"from": good["to"], "to": good["from"]}},
        "date_only": {"timespan": {"from": good["from"][:10], "to": good["to"]}},
        "not_a_datetime": {"timespan": {"from": "yesterday", "to": good["to"]}},
        "impossible_month": {"timespan": {"from": "2026-13-01T00:00:00Z", "to": good["to"]}},
        "unknown_timezone": {"timespan": good, "timezone": "Mars/Olympus_Mons"},
        "unknown_format": {"timespan": good, "format": "xml"},
        "missing_timespan": {"timespan": None},
        "missing_to": {"timespan": {"from": good["from"]}},
        "name_too_long": {"timespan": good, "name": "x" * 257},
    }


@pytest.mark.parametrize(
    "case",
    [
        "span_31_days_plus_1s",
        "to_in_the_future",
        "to_equals_from",
        "to_before_from",
        "date_only",
        "not_a_datetime",
        "impossible_month",
        "unknown_timezone",
        "unknown_format",
        "missing_timespan",
        "missing_to",
        "name_too_long",
    ],
)
def test_invalid_job_requests_are_400_with_field_errors(
    sandbox: TalkdeskSandbox, headers: dict[str, str], case: str
) -> None:
    body = _validation_cases(sandbox)[case]
    timespan = body.pop("timespan")

    response = create_job(sandbox, headers, "calls", "", "", **body, timespan=timespan)

    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["code"] and payload["description"]
    assert payload["fields"] and all({"name", "description"} <= set(f) for f in payload["fields"])
    assert sandbox.stats()["jobs_created_by_type"] == {}


def test_non_json_body_is_400(sandbox: TalkdeskSandbox, headers: dict[str, str]) -> None:
    response = requests.post(
        f"{sandbox.api_url}/data/reports/calls/jobs",
        data="timespan=yesterday",
        headers=headers,
        timeout=10,
    )

    assert response.status_code == 400


def test_span_of_exactly_31_days_is_accepted(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    end = sandbox.clock_start

    response = create_job(sandbox, headers, "calls", end - timedelta(days=31), end)

    assert response.status_code == 202


def test_unknown_report_type_is_404(sandbox: TalkdeskSandbox, headers: dict[str, str]) -> None:
    start, end = _day_before_end(sandbox)

    assert create_job(sandbox, headers, "completed_calls", start, end).status_code == 404


# --- quota --------------------------------------------------------------------------------------


def test_foreign_jobs_take_the_quota_until_released(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    start, end = _day_before_end(sandbox)
    sandbox.set_job_duration(30)
    sandbox.set_foreign_jobs(15)

    refused = create_job(sandbox, headers, "calls", start, end)
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers

    sandbox.set_foreign_jobs(14)
    assert create_job(sandbox, headers, "calls", start, end).status_code == 202
    # The sixteenth simultaneous job: 14 foreign + 1 of ours are unfinished.
    assert create_job(sandbox, headers, "contacts", start, end).status_code == 429

    sandbox.set_foreign_jobs(0)
    assert create_job(sandbox, headers, "contacts", start, end).status_code == 202
    assert sandbox.stats()["status_429"] == 2


def test_quota_429_carries_retry_after_when_configured() -> None:
    with _start(foreign_jobs=15, retry_after_s=3) as sandbox:
        start, end = _day_before_end(sandbox)

        refused = create_job(sandbox, bearer(sandbox), "calls", start, end)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3"


def test_quota_frees_when_own_jobs_finish() -> None:
    with _start(quota=2, job_duration_s=0.3) as sandbox:
        headers = bearer(sandbox)
        start, end = _day_before_end(sandbox)
        first = create_job(sandbox, headers, "calls", start, end)
        assert create_job(sandbox, headers, "calls", start, end).status_code == 202
        assert create_job(sandbox, headers, "calls", start, end).status_code == 429

        poll_until_finished(sandbox, headers, "calls", job_id(first))

        assert create_job(sandbox, headers, "calls", start, end).status_code == 202
        assert sandbox.stats()["max_concurrent_jobs"] == 2


# --- lifecycle ----------------------------------------------------------------------------------


def test_created_job_is_202_wrapped_in_job_with_links(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    start, end = _day_before_end(sandbox)

    response = create_job(sandbox, headers, "user_status", start, end, name="nightly")

    assert response.status_code == 202
    job = response.json()["job"]
    assert job["status"] == "created"
    assert job["type"] == "user_status"
    assert job["name"] == "nightly"
    assert job["timespan"] == {"from": start, "to": end}
    assert job["timezone"] == "UTC"
    assert job["format"] == "json"
    assert response.json()["_links"]["self"]["href"].endswith(f"/user_status/jobs/{job['id']}")


def test_create_can_answer_200_with_a_flat_job() -> None:
    with _start(create_status_code=200, wrap_job=False) as sandbox:
        start, end = _day_before_end(sandbox)

        response = create_job(sandbox, bearer(sandbox), "calls", start, end)

    assert response.status_code == 200
    assert response.json()["status"] == "created"
    assert job_id(response) == response.json()["id"]


def test_job_walks_through_processing_and_uploading_to_done(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    sandbox.set_job_duration(0.6)
    start, end = _day_before_end(sandbox)
    job = job_id(create_job(sandbox, headers, "calls", start, end))

    _, seen = poll_until_finished(sandbox, headers, "calls", job)

    assert seen[-1] == "done"
    assert "processing" in seen and "uploading" in seen
    order = ["created", "processing", "uploading", "done"]
    assert seen == sorted(seen, key=order.index)
    assert sandbox.stats()["job_durations_s"] == [0.6]


@pytest.mark.parametrize("code", [300, 302, 303])
def test_done_job_redirects_to_files_then_to_a_signed_storage_url(
    sandbox: TalkdeskSandbox, headers: dict[str, str], code: int
) -> None:
    sandbox.set_redirect_code(code)
    start, end = _day_before_end(sandbox)
    job = job_id(create_job(sandbox, headers, "calls", start, end))

    done, _ = poll_until_finished(sandbox, headers, "calls", job)
    redirect = files(sandbox, headers, "calls", job)

    assert done.status_code == code
    assert done.headers["Location"] == f"/data/reports/calls/files/{job}"
    assert done.json()["job"]["status"] == "done"
    assert redirect.status_code == code
    location = urlsplit(redirect.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == sandbox.storage_url != sandbox.api_url
    assert set(parse_qs(location.query)) == {"expires", "signature"}


def test_files_before_the_job_is_done_returns_200_with_the_job(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    sandbox.set_job_duration(30)
    start, end = _day_before_end(sandbox)
    job = job_id(create_job(sandbox, headers, "calls", start, end))

    response = files(sandbox, headers, "calls", job)

    assert response.status_code == 200
    assert response.json()["job"]["status"] in ("created", "processing")


def test_failing_jobs_end_with_the_planned_statuses_in_order(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    start, end = _day_before_end(sandbox)
    sandbox.fail_next_jobs("contacts", ["failed", "canceled", "deleted"])
    ended = []
    for _ in range(4):
        job = job_id(create_job(sandbox, headers, "contacts", start, end))
        answer, _ = poll_until_finished(sandbox, headers, "contacts", job)
        ended.append((answer.status_code, answer.json()["job"]["status"]))
        if answer.status_code == 200:
            assert files(sandbox, headers, "contacts", job).status_code == 404
    other = job_id(create_job(sandbox, headers, "calls", start, end))

    assert ended == [(200, "failed"), (200, "canceled"), (200, "deleted"), (303, "done")]
    assert poll_until_finished(sandbox, headers, "calls", other)[0].status_code == 303
    assert sandbox.stats()["jobs_failed"] == 3


def test_unknown_job_or_job_of_another_report_type_is_404(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    start, end = _day_before_end(sandbox)
    job = job_id(create_job(sandbox, headers, "calls", start, end))

    assert poll(sandbox, headers, "calls", "no-such-job").status_code == 404
    assert poll(sandbox, headers, "contacts", job).status_code == 404
    assert files(sandbox, headers, "contacts", job).status_code == 404


def test_stats_count_requests_jobs_and_concurrency_and_reset(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    start, end = _day_before_end(sandbox)
    sandbox.set_job_duration(0.2)
    jobs = [job_id(create_job(sandbox, headers, kind, start, end)) for kind in ("calls", "calls")]
    jobs.append(job_id(create_job(sandbox, headers, "user_status", start, end)))
    time.sleep(0.25)

    stats = sandbox.stats()
    sandbox.reset_stats()

    assert stats["jobs_created_by_type"] == {"calls": 2, "user_status": 1}
    assert stats["max_concurrent_jobs"] == 3
    assert stats["job_durations_s"] == [0.2, 0.2, 0.2]
    assert stats["requests_by_kind"] == {
        "token": 1,
        "create": 3,
        "poll": 0,
        "file": 0,
        "storage": 0,
    }
    after = sandbox.stats()
    assert after["jobs_created_by_type"] == {}
    assert after["requests_by_kind"]["create"] == 0
    assert after["max_concurrent_jobs"] == 0
    assert poll(sandbox, headers, "calls", jobs[0]).status_code == 303


def test_report_file_is_gone_after_the_30_day_retention(
    sandbox: TalkdeskSandbox, headers: dict[str, str]
) -> None:
    start, end = _day_before_end(sandbox)
    job = job_id(create_job(sandbox, headers, "calls", start, end))
    poll_until_finished(sandbox, headers, "calls", job)
    url = files(sandbox, headers, "calls", job).headers["Location"]
    sandbox.set_signed_url_ttl(40 * 86_400)
    long_lived_url = files(sandbox, headers, "calls", job).headers["Location"]
    assert url != long_lived_url

    sandbox.advance_clock(30 * 86_400 + 60)

    assert poll(sandbox, headers, "calls", job).json()["job"]["status"] == "deleted"
    assert files(sandbox, headers, "calls", job).status_code == 404
    assert requests.get(long_lived_url, timeout=10).status_code == 404


def test_naive_timespan_on_a_dst_change_resolves_with_the_earlier_offset() -> None:
    # 2026-03-08 02:30 does not exist in New York and 2026-11-01 01:30 happens twice; the
    # sandbox reads both with the offset in force before the change (zoneinfo's fold=0).
    with _start(now=datetime(2026, 11, 20, tzinfo=UTC)) as sandbox:
        headers = bearer(sandbox)
        gap, overlap = _dst_jobs(sandbox, headers)
        expected = sandbox.rows(
            "calls",
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
            datetime(2026, 11, 2, 5, 0, tzinfo=UTC),
        )

    assert gap.status_code == 202, gap.text
    assert expected and overlap["entries"] == expected


def _dst_jobs(sandbox: TalkdeskSandbox, headers: dict[str, str]) -> tuple:
    gap = create_job(
        sandbox,
        headers,
        "calls",
        "2026-03-08T02:30:00",
        "2026-03-09T00:00:00",
        timezone="America/New_York",
    )
    overlap = run_job(
        sandbox,
        headers,
        "calls",
        "2026-11-01T01:30:00",
        "2026-11-02T00:00:00",
        timezone="America/New_York",
    )

    return gap, overlap
