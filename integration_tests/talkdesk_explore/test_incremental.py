"""State across syncs: continuation, lookback, 0.1.0 state, timezones, a killed sync resumed."""

from __future__ import annotations

from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings

from .sync_helpers import (
    LiveRead,
    days_ago,
    iso,
    keys,
    read,
    state_file,
    truth,
    watermark,
)


def test_incremental_sync_continues_where_the_previous_one_ended() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        start = days_ago(sandbox, 4)
        # The first sync stops two hours before now (a larger lag), the next one uses the default.
        first = read(sandbox.config(start_date=iso(start), freshness_lag_minutes=120), ["calls"])
        second = read(sandbox.config(start_date=iso(start)), ["calls"], first.final_states())
    assert first.returncode == second.returncode == 0
    middle, end = watermark(first, "calls"), watermark(second, "calls")
    assert end - middle > timedelta(minutes=100)
    assert keys("calls", first.records()) == truth(sandbox, "calls", start, middle)
    # No overlap with lookback 0: the second sync reads exactly the new part.
    assert keys("calls", second.records()) == truth(sandbox, "calls", middle, end)


def test_lookback_rereads_an_overlap_that_primary_keys_deduplicate() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        start = days_ago(sandbox, 3)
        first = read(
            sandbox.config(start_date=iso(start), freshness_lag_minutes=600), ["ring_attempts"]
        )
        config = sandbox.config(start_date=iso(start), lookback_minutes=180)
        second = read(config, ["ring_attempts"], first.final_states())
    middle, end = watermark(first, "ring_attempts"), watermark(second, "ring_attempts")
    assert keys("ring_attempts", second.records()) == truth(
        sandbox, "ring_attempts", middle - timedelta(minutes=180), end
    )
    merged = set(keys("ring_attempts", first.records() + second.records()))
    assert merged == set(truth(sandbox, "ring_attempts", start, end))
    # The state never moves back to the start of the lookback.
    assert end >= middle


def test_0_1_0_state_is_read_and_continued_for_every_stream() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        resume = days_ago(sandbox, 2) + timedelta(hours=5, minutes=30)
        naive = resume.strftime("%Y-%m-%dT%H:%M:%S")  # 0.1.0 wrote naive timestamps
        legacy = {
            "calls": {"end_at": naive},
            "user_status": {"status_end_at": naive},
            "studio_flow_execution": {
                "studio_flow_executions_aggregated.flow_execution_finished_time": naive
            },
            "contacts": {"finished_at": naive},
            "ring_attempts": {"ring_finished_at_time": naive},
        }
        config = sandbox.config(start_date=iso(days_ago(sandbox, 30)))
        output = read(config, state=state_file(legacy))
    assert output.returncode == 0, output.errors()
    for stream in legacy:
        assert keys(stream, output.records(stream)) == truth(
            sandbox, stream, resume, watermark(output, stream)
        ), stream
    assert "Z" in output.final_states()[0]["stream"]["stream_state"]["end_at"]


def test_non_utc_timezone_reads_a_naive_start_date_in_that_zone() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        local_midnight = days_ago(sandbox, 3).strftime("%Y-%m-%dT%H:%M:%S")
        config = sandbox.config(start_date=local_midnight, timezone="America/Los_Angeles")
        output = read(config, ["studio_flow_execution"])
    assert output.returncode == 0, output.errors()
    zone = ZoneInfo("America/Los_Angeles")
    start_utc = days_ago(sandbox, 3).replace(tzinfo=zone).astimezone(timezone.utc)
    records = output.records()
    assert keys("studio_flow_execution", records) == truth(
        sandbox, "studio_flow_execution", start_utc, watermark(output, "studio_flow_execution")
    )
    # The dotted 0.1.0 cursor is kept and exposed under a plain name.
    dotted = "studio_flow_executions_aggregated.flow_execution_finished_time"
    assert all(r["flow_execution_finished_time"] == r[dotted] for r in records)


def test_a_killed_sync_resumed_from_its_last_state_loses_nothing() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        start = days_ago(sandbox, 40)
        config = sandbox.config(start_date=iso(start), window_in_days=2)
        live = LiveRead(config, ["calls", "contacts"])
        states = 0

        def third_state(message: dict) -> bool:
            nonlocal states
            states += message.get("type") == "STATE"
            return states == 3

        live.messages_until(third_state)
        killed = live.kill()
        resumed = read(config, ["calls", "contacts"], killed.final_states())
    assert killed.returncode != 0 and resumed.returncode == 0
    assert len(killed.state_messages("calls")) < 20  # it really stopped mid-stream
    for stream in ("calls", "contacts"):
        seen = set(keys(stream, killed.records(stream) + resumed.records(stream)))
        assert seen == set(truth(sandbox, stream, start, watermark(resumed, stream))), stream


def test_0_1_0_legacy_state_file_is_accepted_by_the_console_script() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        resume = days_ago(sandbox, 1) + timedelta(hours=7)
        legacy_file = {  # what 0.1.0 emitted: one LEGACY object, not per-stream messages
            "calls": {"end_at": resume.strftime("%Y-%m-%dT%H:%M:%S")},
            "contacts": {"finished_at": resume.strftime("%Y-%m-%d %H:%M:%S")},
        }
        config = sandbox.config(start_date=iso(days_ago(sandbox, 30)))
        output = LiveRead(config, ["calls", "contacts"], state=legacy_file).finish()
    assert output.returncode == 0, output.errors()
    for stream in ("calls", "contacts"):
        assert keys(stream, output.records(stream)) == truth(
            sandbox, stream, resume, watermark(output, stream)
        ), stream
