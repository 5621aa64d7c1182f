"""Everything the streams of one sync share: config, token, HTTP client, job scheduler, clock."""

from __future__ import annotations

from datetime import datetime

from .api_client import ExploreClient
from .auth import TokenProvider
from .config import TalkdeskConfig
from .datetimes import utc_now
from .report_jobs import FinishedJob, JobTiming, ReportJob
from .scheduler import JobScheduler, JobTicket
from .sleeper import Sleeper


class SyncContext:
    def __init__(
        self,
        config: TalkdeskConfig,
        *,
        now: datetime | None = None,
        timing: JobTiming | None = None,
        tokens: TokenProvider | None = None,
    ) -> None:
        self.config = config
        # One "now" per sync so every stream plans against the same horizon.
        self.now = now or utc_now()
        self.timing = timing or JobTiming()
        self.sleeper = Sleeper()
        self.tokens = tokens or TokenProvider(
            config.token_url, config.client_id, config.client_secret, sleep=self.sleeper
        )
        self.client = ExploreClient(config.api_url, self.tokens, sleep=self.sleeper)
        self.scheduler = JobScheduler(self._run_job, config.max_concurrent_jobs, self.sleeper)

    def _run_job(self, ticket: JobTicket) -> FinishedJob:
        return ReportJob(
            self.client,
            ticket.report_type,
            ticket.window,
            timezone=self.config.timezone,
            stats=ticket.stats,
            job_timeout_s=self.config.job_timeout.total_seconds(),
            max_attempts=self.config.max_job_attempts,
            timing=self.timing,
        ).run()

    def close(self) -> None:
        self.scheduler.shutdown()
