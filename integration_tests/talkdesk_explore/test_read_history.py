"""Whole-history reads against the sandbox: every row exactly once, jobs concurrent but bounded."""

from __future__ import annotations

from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings

from .sync_helpers import STREAMS, days_ago, iso, keys, read, truth, watermark


def test_120_day_history_of_all_streams_is_read_exactly_once_with_bounded_concurrency() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.3)) as sandbox:
        start = days_ago(sandbox, 120)
        output = read(
            sandbox.config(start_date=iso(start), window_in_days=31, max_concurrent_jobs=4)
        )
        stats = sandbox.stats()
    assert output.returncode == 0, output.errors()
    for stream in STREAMS:
        expected = truth(sandbox, stream, start, watermark(output, stream))
        assert max(expected.values()) == 1, f"{stream}: sandbox keys are not unique"
        assert keys(stream, output.records(stream)) == expected, stream
        # 120 days in windows of at most 31 days, each checkpointed once emitted.
        assert len(output.state_messages(stream)) == 4
    assert sum(stats["jobs_created_by_type"].values()) == 4 * len(STREAMS)
    assert 1 < stats["max_concurrent_jobs"] <= 4
    assert stats["storage_requests_with_authorization"] == 0
    summaries = output.summaries()
    assert set(summaries) == set(STREAMS)
    assert summaries["calls"]["jobs"] == "4" and summaries["calls"]["pages"] == "4"
    assert int(summaries["calls"]["records"]) == len(output.records("calls"))
    assert summaries["calls"]["windows"] == "4/4"
    # The stream's own jobs that ran at once, within the sync's bound.
    assert 1 <= int(summaries["calls"]["peak_concurrency"]) <= 4


def test_full_refresh_with_the_final_state_fed_back_reads_everything_again() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        config = sandbox.config(start_date=iso(days_ago(sandbox, 10)))
        first = read(config, ["calls"], sync_mode="full_refresh")
        second = read(config, ["calls"], first.final_states(), sync_mode="full_refresh")
    assert first.returncode == second.returncode == 0
    assert len(first.records()) > 0
    # A resumable-full-refresh style "sync complete" state would make this read return nothing.
    assert keys("calls", second.records()).keys() >= keys("calls", first.records()).keys()
