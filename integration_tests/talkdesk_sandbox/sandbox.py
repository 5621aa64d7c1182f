"""`TalkdeskSandbox`: the three servers plus ground truth, stats and runtime controls."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from types import TracebackType

from integration_tests.sandbox_http import TRUNCATE, Fault, SandboxServer

from .auth import TokenIssuer
from .clock import SandboxClock
from .core import REDIRECT_CODES, SandboxCore
from .data import Dataset
from .jobs import FAILURE_STATUSES, JobBoard
from .reports import REPORT_GENERATORS, custom_report
from .servers import ExploreApp, StorageApp, TokenApp
from .settings import DEFAULT_CUSTOM_ROWS_PER_DAY, TalkdeskSandboxSettings
from .stats import request_stats, snapshot
from .storage import UrlSigner

DEFAULT_HISTORY_DAYS = 150


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment.astimezone(timezone.utc)


class TalkdeskSandbox:
    """Fake Talkdesk account on 127.0.0.1: token host, Explore API host and storage host.

    Use as a context manager; the servers bind ephemeral ports and stop on exit.
    """

    def __init__(self, settings: TalkdeskSandboxSettings | None = None) -> None:
        self.settings = settings = settings or TalkdeskSandboxSettings()
        if settings.redirect_code not in REDIRECT_CODES:
            raise ValueError(f"redirect_code must be one of {REDIRECT_CODES}")
        real_now = datetime.now(timezone.utc).replace(microsecond=0)
        self.clock_start = real_now if settings.now is None else _utc(settings.now, "now")
        if settings.history_start is None:
            history_start = (self.clock_start - timedelta(days=DEFAULT_HISTORY_DAYS)).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
        else:
            history_start = _utc(settings.history_start, "history_start")
        self.history_start = history_start
        self.client_id = settings.client_id
        self.client_secret = settings.client_secret
        self._core = SandboxCore(
            clock=SandboxClock(settings.now and self.clock_start),
            dataset=Dataset(
                settings.seed,
                history_start,
                {
                    **dict.fromkeys(settings.custom_report_types, DEFAULT_CUSTOM_ROWS_PER_DAY),
                    **settings.rows_per_day,
                },
                generators={
                    **REPORT_GENERATORS,
                    **{
                        slug: custom_report(cursor)
                        for slug, cursor in settings.custom_report_types.items()
                    },
                },
            ),
            tokens=TokenIssuer(
                settings.client_id,
                settings.client_secret,
                settings.granted_scopes,
                settings.token_lifetime_s,
            ),
            jobs=JobBoard(
                quota=settings.quota,
                foreign_jobs=settings.foreign_jobs,
                default_duration_s=settings.job_duration_s,
                durations_by_type=dict(settings.job_duration_by_type),
                freshness_by_type=dict(settings.freshness_by_type),
                legacy_calls_jobs=settings.legacy_calls_jobs,
            ),
            signer=UrlSigner(settings.signed_url_ttl_s),
            stats=request_stats(),
            redirect_code=settings.redirect_code,
            retry_after_s=settings.retry_after_s,
            create_status_code=settings.create_status_code,
            wrap_job=settings.wrap_job,
            visibility_delay_s=settings.visibility_delay_s,
            gzip_reports=settings.gzip_reports,
            token_scope_in_response=settings.token_scope_in_response,
        )
        self._servers: list[SandboxServer] = []

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> TalkdeskSandbox:
        if self._servers:
            return self
        for app in (TokenApp, ExploreApp, StorageApp):
            name = f"talkdesk-sandbox-{app.__name__}"
            self._servers.append(SandboxServer(app(self._core), name=name))
        self._core.api_url = self.api_url
        self._core.storage_url = self.storage_url
        return self

    def close(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers = []

    def __enter__(self) -> TalkdeskSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _server_url(self, index: int) -> str:
        if not self._servers:
            raise RuntimeError("the sandbox is not started")
        return self._servers[index].url

    # --- addresses and config -------------------------------------------------------------------

    @property
    def token_url(self) -> str:
        return self._server_url(0) + "/oauth/token"

    @property
    def api_url(self) -> str:
        return self._server_url(1)

    @property
    def storage_url(self) -> str:
        return self._server_url(2)

    def config(self, **overrides: object) -> dict:
        """A ready connector config pointing at this sandbox; keyword arguments override keys."""
        config: dict = {
            "start_date": self.history_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timezone": "UTC",
            "auth_url": self.token_url,
            "api_url": self.api_url,
            "region": "us",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "api_key": f"{self.client_id}:{self.client_secret}",
        }
        config.update(overrides)
        return config

    # --- ground truth and observations ----------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._core.clock.now()

    def rows(self, report_type: str, start: datetime, end: datetime) -> list[dict]:
        """The entries a job with timespan [start, end) returns, in file order.

        Rows exist from `history_start` up to the server clock (an `end` in the future is cut
        at `now`, as the API refuses such jobs). Late-arriving data is ignored here: this is
        what a job returns once everything has arrived.
        """
        if not self._core.dataset.knows(report_type):
            raise ValueError(f"unknown report type {report_type!r}")
        end = min(_utc(end, "end"), self.now)
        return self._core.dataset.window(report_type, _utc(start, "start"), end)

    def stats(self) -> dict:
        return {**snapshot(self._core.stats), **self._core.jobs.snapshot()}

    def reset_stats(self) -> None:
        self._core.stats.reset()
        self._core.jobs.reset_stats()

    # --- runtime controls (thread-safe) ---------------------------------------------------------

    def fail_next_jobs(self, report_type: str, statuses: Iterable[str] = FAILURE_STATUSES) -> None:
        """The next jobs created for `report_type` end with these statuses, one job per status."""
        if not self._core.dataset.knows(report_type):
            raise ValueError(f"unknown report type {report_type!r}")
        self._core.jobs.fail_next(report_type, statuses)

    def set_job_duration(self, seconds: float, report_type: str | None = None) -> None:
        """Time from create to done for jobs created from now on; None sets it for every type."""
        self._core.jobs.set_duration(seconds, report_type)

    def serve_legacy_calls(self, jobs: int | None) -> None:
        """The next `jobs` calls jobs (None: all from now on) answer in the layout Talkdesk used
        for requests before 2026-05-11; later ones in the current layout."""
        self._core.jobs.serve_legacy_calls(jobs)

    def set_foreign_jobs(self, n: int) -> None:
        """Jobs of other tools that occupy the account quota until set back to 0."""
        self._core.jobs.set_foreign_jobs(n)

    def set_redirect_code(self, code: int) -> None:
        self._core.set_redirect_code(code)

    def set_retry_after(self, seconds: int | None) -> None:
        self._core.set_retry_after(seconds)

    def expire_tokens_now(self) -> None:
        self._core.tokens.expire_all()

    def expire_tokens_after(self, kind: str, requests: int) -> None:
        """Revoke every token just before the request of `kind` (poll or file) that follows the
        next `requests` of them: a revocation at an exact step of the job cycle, whatever the
        connector's pace."""
        self._core.revoke_tokens_after(kind, requests)

    def set_token_lifetime(self, seconds: float) -> None:
        self._core.tokens.set_lifetime(seconds)

    def expire_signed_urls_now(self) -> None:
        self._core.signer.expire_all()

    def set_signed_url_ttl(self, seconds: int) -> None:
        self._core.signer.set_ttl(seconds)

    def advance_clock(self, seconds: float) -> None:
        """Move the server clock: rows that "happen" meanwhile become reportable, signed URLs
        age; negative values set the clock back (clock-skew tests). Token and job timers use
        real elapsed time and are not affected."""
        self._core.clock.advance(seconds)

    def set_visibility_delay(self, seconds: float) -> None:
        """Jobs created from now on miss rows whose filter time is within `seconds` of the job's
        creation (late-arriving data)."""
        self._core.set_visibility_delay(seconds)

    def fail_next_requests(
        self,
        kind: str,
        status: int | str = 503,
        count: int = 1,
        retry_after: float | str | None = None,
        seconds: float = 0.0,
    ) -> None:
        """The next `count` requests of `kind` (token, create, poll, file, storage) fail before
        any other processing: an HTTP status (gateway HTML for 502/504 and token 5xx, Talkdesk
        JSON otherwise, S3 XML on storage) with `retry_after` sent verbatim ("0.5", an HTTP-date),
        "reset" (connection closed without an answer) or "latency" (`seconds`, then the real
        answer). Faults that spoil the next 200 of that kind: "malformed" (half the body, length
        matching), "empty" (no body) and, for storage, "truncate" (half the announced body,
        then the connection closes)."""
        if status == TRUNCATE and kind != "storage":
            raise ValueError("only storage downloads can be truncated")
        after = None if retry_after is None else str(retry_after)
        self._core.faults.add(kind, Fault(status, after, seconds=seconds), count)

    def pending_faults(self) -> int:
        """How many faults queued by fail_next_requests have not struck yet."""
        return self._core.faults.pending()

    def set_gzip_reports(self, enabled: bool) -> None:
        """Serve report files gzip-compressed (Content-Encoding: gzip) from now on."""
        self._core.set_gzip_reports(enabled)

    def add_entry_fields(self, report_type: str, fields: dict) -> None:
        """Schema drift: every entry of `report_type` (files and rows()) gains these columns."""
        if not self._core.dataset.knows(report_type):
            raise ValueError(f"unknown report type {report_type!r}")
        self._core.dataset.add_fields(report_type, fields)

    def set_granted_scopes(self, scopes: Iterable[str]) -> None:
        """Scopes granted to tokens issued from now on (tokens already issued keep theirs)."""
        self._core.tokens.set_granted_scopes(list(scopes))
