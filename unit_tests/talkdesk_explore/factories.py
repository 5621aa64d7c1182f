"""Small builders for Talkdesk Explore unit tests: configs, token/job bodies, a fake clock."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from source_talkdesk_explore.auth import TokenProvider
from source_talkdesk_explore.config import TalkdeskConfig
from source_talkdesk_explore.http_errors import RetryPolicy
from source_talkdesk_explore.report_jobs import JobTiming, ReportJob
from source_talkdesk_explore.streams import Calls
from source_talkdesk_explore.sync_context import SyncContext
from source_talkdesk_explore.windows import Window

TOKEN_URL = "https://acme.talkdeskid.com/oauth/token"
API_URL = "https://api.talkdeskapp.com"
STORAGE_URL = "https://storage.example.com"
CLIENT_ID = "client-id-1"
CLIENT_SECRET = "client-secret-do-not-print"
ALL_SCOPES = "data-reports:read data-reports:write"
UTC = timezone.utc


def raw_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "start_date": "2026-01-01T00:00:00Z",
        "auth_url": TOKEN_URL,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    config.update(overrides)
    return {key: value for key, value in config.items() if value is not None}


def config(**overrides: Any) -> TalkdeskConfig:
    return TalkdeskConfig.from_mapping(raw_config(**overrides))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def window(start_day: int = 1, end_day: int = 8) -> Window:
    return Window(utc(2026, 1, start_day), utc(2026, 1, end_day))


def token_body(
    token: str = "token-1", expires_in: int = 600, scope: str | None = ALL_SCOPES
) -> dict:
    body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
    if scope is not None:
        body["scope"] = scope
    return body


def job_body(job_id: str = "job-1", status: str = "created", wrapped: bool = True) -> dict:
    job = {"id": job_id, "status": status, "type": "calls", "format": "json"}
    return {"job": job, "_links": {}} if wrapped else job


def jobs_url(report: str = "calls") -> str:
    return f"{API_URL}/data/reports/{report}/jobs"


def job_url(job_id: str = "job-1", report: str = "calls") -> str:
    return f"{jobs_url(report)}/{job_id}"


def files_url(job_id: str = "job-1", report: str = "calls") -> str:
    return f"{API_URL}/data/reports/{report}/files/{job_id}"


def report_body(entries: list[dict], **extra: Any) -> dict:
    return {"entries": entries, "total": len(entries), **extra}


class FakeClock:
    """Monotonic time that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def api_stream(clock: FakeClock, **policy: Any) -> Calls:
    """The calls stream, whose HttpClient sends the API requests, on a fake clock."""
    tokens = TokenProvider(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, clock=clock, sleep=clock.sleep)
    context = SyncContext(
        config(), tokens=tokens, policy=RetryPolicy(**policy), sleep=clock.sleep, clock=clock
    )
    return Calls(context)


def report_job(
    clock: FakeClock, *, max_attempts: int = 3, job_timeout_s: float = 600, **policy: Any
) -> ReportJob:
    # A sync bounds 429 waits by the job timeout.
    policy.setdefault("rate_limit_max_wait_s", job_timeout_s)
    api = api_stream(clock, **policy)
    return ReportJob(
        api,
        "calls",
        window(),
        stats=api.stats,
        job_timeout_s=job_timeout_s,
        max_attempts=max_attempts,
        timing=JobTiming(poll_initial_s=1.0, poll_factor=2.0, poll_cap_s=4.0),
        policy=api.context.policy,
        clock=clock,
    )
