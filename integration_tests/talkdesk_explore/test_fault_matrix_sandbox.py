"""Transport faults of the shared fault plan against the Talkdesk sandbox, one per step of the job
cycle (token, create, poll, file, storage), with the connector run as a process.

Every case ends either as a complete sync (each row of the ground truth exactly once) or as the
documented failure: a trace of the right failure type with a clear message, no traceback on
stderr, and the rows already read kept by the state it emitted. An answer that stalls past a
short `request_timeout_seconds` is abandoned and asked again, like any other transient fault.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any

import pytest

from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings

from .sync_helpers import LiveRead, days_ago, iso, keys, read, truth, watermark

STREAM = "contacts"


def soon_as_http_date(seconds: float) -> str:
    return formatdate(time.time() + seconds, usegmt=True)


# Each scenario queues faults at several steps at once (a process start costs seconds, so one
# sync meets many faults); every fault is recovered, so the sync must read every row once.
# (kind, fault, retry_after, seconds); faults of one kind strike its next requests in order.
Plan = list[tuple[str, Any, Any, float]]
SCENARIOS: dict[str, Plan] = {
    "5xx-401-malformed-reset-truncate": [
        ("token", 503, None, 0.0),
        ("create", 401, None, 0.0),  # the token expired just before the job was created
        ("poll", "malformed", None, 0.0),
        ("file", "reset", None, 0.0),
        ("storage", "truncate", None, 0.0),
    ],
    "reset-429-without-wait-empty-401-malformed": [
        ("token", "reset", None, 0.0),
        ("create", 429, None, 0.0),  # no Retry-After: the connector's own short backoff
        ("poll", "empty", None, 0.0),
        ("file", 401, None, 0.0),
        ("storage", "malformed", None, 0.0),
    ],
    "fractional-429-401-malformed-empty": [
        ("create", 429, "0.5", 0.0),
        ("poll", 401, None, 0.0),
        ("file", 502, None, 0.0),  # a gateway's HTML page
        ("storage", "empty", None, 0.0),
    ],
    "http-date-429-reset-latency": [
        ("create", 429, "http-date", 0.0),
        ("create", "reset", None, 0.0),
        ("poll", "latency", None, 1.0),
        ("storage", "reset", None, 0.0),
    ],
}


def _sandbox() -> TalkdeskSandbox:
    # Jobs take long enough that the first poll answers 200 "processing" for a fault to spoil.
    return TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=1.2))


def assert_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr[-2000:]


@pytest.mark.parametrize("plan", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_transient_faults_at_every_step_are_recovered_and_every_row_read_once(plan: Plan) -> None:
    with _sandbox() as sandbox:
        start = days_ago(sandbox, 2)
        for kind, fault, retry_after, seconds in plan:
            if retry_after == "http-date":
                retry_after = soon_as_http_date(2)
            sandbox.fail_next_requests(kind, fault, retry_after=retry_after, seconds=seconds)
        output = read(sandbox.config(start_date=iso(start)), [STREAM], timeout=60)
        stats = sandbox.stats()
        leftover = sandbox.pending_faults()
    assert output.returncode == 0, (output.errors(), output.stderr[-2000:])
    assert keys(STREAM, output.records()) == truth(
        sandbox, STREAM, start, watermark(output, STREAM)
    )
    assert_no_traceback(output.stderr)
    assert leftover == 0  # every fault was met, and the sync still ended complete
    if any(fault == 401 for _, fault, _, _ in plan):
        assert stats["tokens_issued"] >= 2


def test_a_huge_retry_after_ends_as_a_transient_error_that_says_when_to_retry() -> None:
    with _sandbox() as sandbox:
        start = days_ago(sandbox, 2)
        sandbox.fail_next_requests("create", 429, retry_after="86400")
        started = time.monotonic()
        output = read(sandbox.config(start_date=iso(start)), [STREAM], timeout=60)
        seconds = time.monotonic() - started
    # The stream's own trace comes first; the CDK then adds its "did not sync successfully" one.
    error = output.errors()[0]
    assert error["failure_type"] == "transient_error"
    assert "Retry the sync after" in error["message"] and "24 hours" in error["message"]
    assert output.returncode != 0 and seconds < 30  # not waited out
    assert_no_traceback(output.stderr)
    assert not output.records()  # nothing was read, so nothing can be lost


def test_a_signed_url_that_expires_mid_download_is_signed_again_and_rows_not_repeated() -> None:
    with _sandbox() as sandbox:
        start = days_ago(sandbox, 2)
        sandbox.fail_next_requests("storage", "truncate")
        live = LiveRead(sandbox.config(start_date=iso(start)), [STREAM])
        # The download breaks mid-body; the URL the connector signs next has already expired.
        live.messages_until(lambda m: "download interrupted" in str(m.get("log", {})))
        sandbox.set_signed_url_ttl(0)
        live.messages_until(lambda m: "refused the signed URL" in str(m.get("log", {})))
        sandbox.set_signed_url_ttl(300)
        output = live.finish(timeout=60)
    assert output.returncode == 0, output.errors()
    assert keys(STREAM, output.records()) == truth(
        sandbox, STREAM, start, watermark(output, STREAM)
    )
    assert_no_traceback(output.stderr)


def test_answers_stalled_past_the_read_timeout_are_abandoned_retried_and_read_once() -> None:
    with _sandbox() as sandbox:
        start = days_ago(sandbox, 2)
        for kind in ("poll", "file", "storage"):
            sandbox.fail_next_requests(kind, "latency", seconds=3.0)
        config = sandbox.config(start_date=iso(start), request_timeout_seconds=1)
        started = time.monotonic()
        output = read(config, [STREAM], timeout=60)
        seconds = time.monotonic() - started
        asked = sandbox.stats()["requests_by_kind"]
        leftover = sandbox.pending_faults()
    assert output.returncode == 0, (output.errors(), output.stderr[-2000:])
    assert keys(STREAM, output.records()) == truth(
        sandbox, STREAM, start, watermark(output, STREAM)
    )
    assert leftover == 0  # every stall struck
    # One job: its file and its download were each asked for again after the stalled attempt.
    assert asked["file"] >= 2 and asked["storage"] >= 2
    assert int(output.summaries()[STREAM]["retries"]) >= 3
    assert seconds < 30  # a stalled answer never holds the sync for the default 120 s
    assert_no_traceback(output.stderr)
