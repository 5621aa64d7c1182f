"""Everything the streams of one sync share: config, token, retry policy, storage downloads, job
scheduler, clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from connector_common.datetimes import utc_now
from source_talkdesk_explore.api_client import report_file_downloader
from source_talkdesk_explore.auth import TokenProvider
from source_talkdesk_explore.config import TalkdeskConfig
from source_talkdesk_explore.http_errors import ApiReachability, RetryPolicy
from source_talkdesk_explore.report_jobs import FinishedJob, JobTiming, ReportJob
from source_talkdesk_explore.scheduler import JobScheduler, JobTicket
from source_talkdesk_explore.sleeper import Sleeper


class SyncContext:
    def __init__(
        self,
        config: TalkdeskConfig,
        *,
        now: datetime | None = None,
        timing: JobTiming | None = None,
        tokens: TokenProvider | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        # One "now" per sync so every stream plans against the same horizon.
        self.now = now or utc_now()
        self.timing = timing or JobTiming()
        self.sleeper = Sleeper()
        # Every wait of the sync goes through the Sleeper, so shutting down wakes the workers.
        self.sleep: Callable[[float], None] = sleep or self.sleeper
        self.clock = clock
        # A rate limit that lasts a whole job timeout is an outage, not a wait.
        self.policy = policy or RetryPolicy(
            rate_limit_max_wait_s=config.job_timeout.total_seconds()
        )
        self.tokens = tokens or TokenProvider(
            config.token_url,
            config.client_id,
            config.client_secret,
            read_timeout_s=config.request_timeout_seconds,
            sleep=self.sleep,
        )
        self.reachability = ApiReachability()
        self.downloads = report_file_downloader(
            self.policy, self.sleep, config.request_timeout_seconds
        )
        self.scheduler = JobScheduler(self._run_job, config.max_concurrent_jobs, self.sleeper)

    def _run_job(self, ticket: JobTicket) -> FinishedJob:
        assert ticket.api is not None, "tickets are submitted by their stream"
        return ReportJob(
            ticket.api,
            ticket.report_type,
            ticket.window,
            stats=ticket.stats,
            job_timeout_s=self.config.job_timeout.total_seconds(),
            max_attempts=self.config.max_job_attempts,
            timing=self.timing,
            policy=self.policy,
            clock=self.clock,
        ).run()

    def close(self) -> None:
        self.scheduler.shutdown()
