"""Report jobs that are slow, fail, hit the account quota or finish with any redirect code."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings

from .sync_helpers import LiveRead, days_ago, iso, keys, read, truth, watermark


def assert_complete(sandbox: TalkdeskSandbox, output, stream: str, start) -> None:
    assert keys(stream, output.records(stream)) == truth(
        sandbox, stream, start, watermark(output, stream)
    )


@pytest.mark.parametrize("code", [300, 302, 303])
def test_each_redirect_code_of_a_finished_job_is_followed_to_the_file(code: int) -> None:
    settings = TalkdeskSandboxSettings(job_duration_s=0.2, redirect_code=code)
    with TalkdeskSandbox(settings) as sandbox:
        start = days_ago(sandbox, 5)
        output = read(sandbox.config(start_date=iso(start)), ["contacts"])
        stats = sandbox.stats()
    assert output.returncode == 0, output.errors()
    assert_complete(sandbox, output, "contacts", start)
    assert stats["storage_requests_with_authorization"] == 0


def test_slow_report_is_waited_for_while_other_streams_jobs_proceed() -> None:
    settings = TalkdeskSandboxSettings(job_duration_s=0.3, job_duration_by_type={"calls": 6.0})
    with TalkdeskSandbox(settings) as sandbox:
        start = days_ago(sandbox, 10)
        output = read(
            sandbox.config(start_date=iso(start), window_in_days=5), ["calls", "contacts"]
        )
        stats = sandbox.stats()
    assert output.returncode == 0, output.errors()
    for stream in ("calls", "contacts"):
        assert_complete(sandbox, output, stream, start)
    # Three slow calls jobs (10 days + today in 5-day windows) ran side by side, not one after another.
    assert stats["max_concurrent_jobs"] >= 3


def test_failed_canceled_and_deleted_jobs_are_created_again_and_nothing_is_lost() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        sandbox.fail_next_jobs("calls", ["failed", "canceled"])
        sandbox.fail_next_jobs("ring_attempts", ["deleted"])
        start = days_ago(sandbox, 6)
        output = read(sandbox.config(start_date=iso(start)), ["calls", "ring_attempts"])
        stats = sandbox.stats()
    assert output.returncode == 0, output.errors()
    assert_complete(sandbox, output, "calls", start)
    assert_complete(sandbox, output, "ring_attempts", start)
    assert stats["jobs_failed"] == 3
    assert int(output.summaries()["calls"]["retries"]) >= 2


def test_a_report_failing_every_attempt_fails_only_its_stream_with_report_and_window() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        sandbox.fail_next_jobs("contacts", ["failed", "failed"])
        start = days_ago(sandbox, 3)
        config = sandbox.config(start_date=iso(start), max_job_attempts=2)
        output = read(config, ["contacts", "calls"])
        created = sandbox.stats()["jobs_created_by_type"]
    assert output.returncode == 1
    messages = [error["message"] for error in output.errors()]
    assert any(
        "'contacts'" in m and f"[{iso(start)}," in m and "ended 'failed' 2 time(s)" in m
        for m in messages
    ), messages
    assert_complete(sandbox, output, "calls", start)
    assert created["contacts"] == 2  # bounded: no third attempt
    assert "Traceback" not in output.stderr


def test_quota_429s_from_foreign_jobs_are_waited_out_with_retry_after() -> None:
    settings = TalkdeskSandboxSettings(job_duration_s=0.5, foreign_jobs=13, retry_after_s=1)
    with TalkdeskSandbox(settings) as sandbox:
        start = days_ago(sandbox, 8)
        config = sandbox.config(start_date=iso(start), window_in_days=2, max_concurrent_jobs=5)
        output = read(config, ["calls", "user_status"])
        stats = sandbox.stats()
    assert output.returncode == 0, output.errors()
    assert_complete(sandbox, output, "calls", start)
    assert_complete(sandbox, output, "user_status", start)
    assert stats["status_429"] > 0
    assert stats["max_concurrent_jobs"] <= 2  # only two slots were free
    summaries = output.summaries()
    waits = sum(int(summaries[s]["rate_limit_waits"]) for s in ("calls", "user_status"))
    assert waits == stats["status_429"]


def test_quota_429_without_retry_after_backs_off_until_a_slot_frees() -> None:
    settings = TalkdeskSandboxSettings(job_duration_s=0.2, foreign_jobs=15)
    with TalkdeskSandbox(settings) as sandbox:
        start = days_ago(sandbox, 2)
        live = LiveRead(sandbox.config(start_date=iso(start)), ["ring_attempts"])
        # The account is full until the "other tool" finishes: the connector must keep waiting.
        live.messages_until(lambda m: m.get("type") == "LOG" and "429" in m["log"]["message"])
        sandbox.set_foreign_jobs(0)
        output = live.finish()
    assert output.returncode == 0, output.errors()
    assert_complete(sandbox, output, "ring_attempts", start)


def test_expired_signed_download_url_is_replaced_by_a_fresh_one() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        sandbox.set_signed_url_ttl(-5)  # every URL handed out is already expired
        start = days_ago(sandbox, 2)
        live = LiveRead(sandbox.config(start_date=iso(start)), ["calls"])
        live.messages_until(lambda m: m.get("type") == "LOG" and "fresh one" in m["log"]["message"])
        sandbox.set_signed_url_ttl(60)
        output = live.finish()
        stats = sandbox.stats()
    assert output.returncode == 0, output.errors()
    assert_complete(sandbox, output, "calls", start)
    assert stats["requests_by_kind"]["file"] >= 2  # files/{id} was asked again
    assert stats["storage_requests_with_authorization"] == 0


def test_a_server_clock_behind_ours_asks_for_a_larger_freshness_lag() -> None:
    behind = datetime.now(timezone.utc) - timedelta(minutes=30)
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2, now=behind)) as sandbox:
        start = days_ago(sandbox, 1)
        skewed = read(sandbox.config(start_date=iso(start)), ["calls"])
        lagging = read(sandbox.config(start_date=iso(start), freshness_lag_minutes=45), ["calls"])
    assert skewed.returncode == 1
    assert any("Raise freshness_lag_minutes" in e["message"] for e in skewed.errors())
    assert lagging.returncode == 0, lagging.errors()
    assert_complete(sandbox, lagging, "calls", start)
