"""Tokens expiring mid-sync: renewed ahead of expiry, and once more after any 401."""

from __future__ import annotations

from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings

from .sync_helpers import LiveRead, days_ago, iso, keys, read, truth, watermark


def is_kind_log(message: dict, needle: str) -> bool:
    return message.get("type") == "LOG" and needle in message["log"]["message"]


def test_token_revoked_while_jobs_are_polled_is_renewed_and_the_poll_replayed() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=3.0)) as sandbox:
        start = days_ago(sandbox, 3)
        live = LiveRead(sandbox.config(start_date=iso(start)), ["calls"])
        live.messages_until(lambda m: is_kind_log(m, "Created Talkdesk job"))
        sandbox.expire_tokens_now()  # the job is still processing: the next poll gets a 401
        output = live.finish()
        stats = sandbox.stats()
    assert output.returncode == 0, output.errors()
    assert keys("calls", output.records()) == truth(
        sandbox, "calls", start, watermark(output, "calls")
    )
    assert stats["status_401"] >= 1 and stats["tokens_issued"] >= 2


def test_token_revoked_between_downloads_is_renewed_for_the_files_request() -> None:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.2)) as sandbox:
        start = days_ago(sandbox, 20)
        config = sandbox.config(start_date=iso(start), window_in_days=5, max_concurrent_jobs=5)
        # The first file is read with the first token; the second request for a file meets a
        # revoked one.
        sandbox.expire_tokens_after("file", requests=1)
        output = read(config, ["user_status"])
        stats = sandbox.stats()
    assert output.returncode == 0, output.errors()
    expected = truth(sandbox, "user_status", start, watermark(output, "user_status"))
    assert keys("user_status", output.records()) == expected
    assert stats["status_401"] >= 1 and stats["tokens_issued"] >= 2


def test_short_lived_tokens_are_renewed_before_they_expire() -> None:
    settings = TalkdeskSandboxSettings(job_duration_s=1.0, token_lifetime_s=2.0)
    with TalkdeskSandbox(settings) as sandbox:
        start = days_ago(sandbox, 6)
        output = read(
            sandbox.config(start_date=iso(start), window_in_days=2, max_concurrent_jobs=2),
            ["contacts"],
        )
        stats = sandbox.stats()
    assert output.returncode == 0, output.errors()
    assert stats["tokens_issued"] >= 2
    assert stats["status_401"] == 0  # renewed ahead of expiry, never rejected
