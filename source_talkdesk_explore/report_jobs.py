"""The report job lifecycle as an explicit state machine, and the streamed download of its file.

    +--> CREATE --202/200--> POLL --3xx Location / done--> DONE
    |    |    ^              POLL --created/processing/uploading--> POLL (capped backoff)
    |   429   | waited       POLL --failed/canceled/deleted/404--> RECREATE
    |    v    |              POLL --job timeout--> FAILED (names report, window, last status)
    |    QUOTA_WAIT --still full at the job timeout--> FAILED (the quota stayed full)
    |
    +-- attempts left --- RECREATE --- no attempts left --> FAILED (names report and window)

The job's own timeout, not a retry budget, decides when a slow report is abandoned and how long a
full report-job quota (15 per account, shared with other tools) is waited for; every wait goes
through the sync's interruptible sleep. Every API request goes through the stream's client
(`ReportApi`), which renews tokens, retries transient failures and waits out read rate limits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol
from urllib.parse import urljoin

import requests

from connector_common.backoff import capped_exponential
from connector_common.errors import system_error, transient_error
from connector_common.hosts import is_secure_url
from connector_common.signed_downloads import CHUNK_BYTES, LinkRefused
from connector_common.stats import StreamStats
from source_talkdesk_explore.http_errors import (
    JobAnswer,
    RetryCount,
    RetryPolicy,
    Step,
    read_answer,
    refused_download,
)
from source_talkdesk_explore.report_file import (
    ReportFormatError,
    ReportTruncatedError,
    report_entries,
)
from source_talkdesk_explore.windows import Window

logger = logging.getLogger("airbyte")

PENDING_STATUSES = frozenset({"created", "processing", "uploading"})
FAILED_STATUSES = frozenset({"failed", "canceled", "deleted"})
# Named when job creation keeps getting 429s.
QUOTA_HINT = " The account's 15-job report quota stayed full, possibly by other tools."


@dataclass(frozen=True)
class JobTiming:
    poll_initial_s: float = 0.25
    poll_factor: float = 1.3
    poll_cap_s: float = 15.0
    # Fresh signed URLs / re-downloads per file before giving up.
    max_download_attempts: int = 4
    # `files/{id}` answering with the job instead of the file: wait this long between asks.
    file_not_ready_wait_s: float = 2.0
    # A refused or interrupted download: wait this long, doubling per attempt, then retry.
    download_retry_wait_s: float = 1.0
    download_retry_cap_s: float = 30.0


@dataclass(frozen=True)
class FinishedJob:
    report_type: str
    window: Window
    job_id: str
    files_url: str
    attempts: int


class ReportApi(Protocol):
    """What a job needs from its stream."""

    def url(self, path: str) -> str:
        """The absolute API URL of `path`."""

    def create_job(self, window: Window) -> requests.Response:
        """POST the report's job for `window` (any answer but 401/5xx comes back, 429 too)."""

    def send(self, method: str, url: str) -> requests.Response:
        """An authenticated API request (any answer but 401/429/5xx comes back)."""

    def download(self, url: str) -> requests.Response:
        """The 2xx answer of a signed storage URL, its body unread (transient failures retried,
        without credentials); raises LinkRefused when storage refuses the URL."""

    def sleep(self, seconds: float) -> None:
        """The sync's interruptible sleep."""


class Phase(Enum):
    CREATE = "create"
    QUOTA_WAIT = "quota_wait"
    POLL = "poll"
    RECREATE = "recreate"
    DONE = "done"


class ReportJob:
    """One report over one window, from creation until its file can be downloaded."""

    def __init__(
        self,
        api: ReportApi,
        report_type: str,
        window: Window,
        *,
        stats: StreamStats,
        job_timeout_s: float,
        max_attempts: int,
        timing: JobTiming | None = None,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.report_type = report_type
        self.window = window
        self.stats = stats
        self.job_timeout_s = job_timeout_s
        self.max_attempts = max_attempts
        self.timing = timing or JobTiming()
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.phase = Phase.CREATE
        self.attempts = 0
        self.job_id: str | None = None
        self.last_status: str | None = None
        self.files_url: str | None = None
        self._deadline = 0.0
        self._polls = 0
        # While the quota is full: until when to keep asking, how often it refused, the next wait.
        self._quota_deadline: float | None = None
        self._quota_refusals = RetryCount()
        self._quota_wait_s = 0.0

    @property
    def label(self) -> str:
        return f"report '{self.report_type}' for window {self.window.describe()}"

    def run(self) -> FinishedJob:
        while True:
            if self.phase is Phase.CREATE:
                self._create()
            elif self.phase is Phase.QUOTA_WAIT:
                self._wait_for_quota()
            elif self.phase is Phase.POLL:
                self._poll()
            elif self.phase is Phase.RECREATE:
                self._recreate()
            else:
                assert self.job_id is not None and self.files_url is not None
                return FinishedJob(
                    self.report_type, self.window, self.job_id, self.files_url, self.attempts
                )

    # -- transitions -----------------------------------------------------------------------

    def _create(self) -> None:
        if self._quota_deadline is None:
            # A new attempt, not a retry after a quota wait: a full quota may be waited for up
            # to the job timeout, longer is an outage.
            self.attempts += 1
            self._quota_deadline = self.clock() + self.job_timeout_s
        with self.api.create_job(self.window) as response:
            answer = read_answer(Step.CREATE_JOB, response, self.label)
            if answer is JobAnswer.QUOTA_FULL:
                self._quota_wait_s = self.policy.rate_limit_wait(response, self._quota_refusals)
                self.phase = Phase.QUOTA_WAIT
                return
            job = _job_body(response)
        job_id = job.get("id")
        if not job_id:
            raise system_error(f"Talkdesk accepted {self.label} but returned no job id.")
        self.job_id = str(job_id)
        self.last_status = str(job.get("status") or "created")
        self.stats.count_job()
        self._deadline = self.clock() + self.job_timeout_s
        self._polls = 0
        self._quota_deadline, self._quota_refusals = None, RetryCount()
        logger.info("Created Talkdesk job %s for %s.", self.job_id, self.label)
        self.phase = Phase.POLL

    def _wait_for_quota(self) -> None:
        """The account's report-job slots are all taken (maybe by other tools): wait, ask again."""
        assert self._quota_deadline is not None
        wait = self._quota_wait_s
        if self.clock() + wait > self._quota_deadline:
            raise transient_error(
                f"Talkdesk kept answering HTTP 429 to the creation of {self.label} for "
                f"{self.job_timeout_s / 60:g} minutes.{QUOTA_HINT} Try again later."
            )
        self.stats.count_rate_limit_wait()
        logger.info(
            "Talkdesk answered 429 to the creation of %s (report-job quota full); waiting %.1f s "
            "before asking again.",
            self.label,
            wait,
        )
        self.api.sleep(wait)
        self.phase = Phase.CREATE

    def _poll(self) -> None:
        assert self.job_id is not None
        self._wait_before_poll()
        url = self.api.url(f"data/reports/{self.report_type}/jobs/{self.job_id}")
        with self.api.send("GET", url) as response:
            answer = read_answer(Step.POLL_JOB, response, self.label)
            if answer is JobAnswer.FINISHED:
                self._finished(urljoin(url, response.headers["Location"]))
            elif answer is JobAnswer.GONE:
                self.last_status = "not found"
                self.phase = Phase.RECREATE
            else:
                self._follow_status(str(_job_body(response).get("status") or "").lower())

    def _wait_before_poll(self) -> None:
        """The capped backoff between polls, never past the job timeout, which ends the job."""
        if self.clock() >= self._deadline:
            raise transient_error(
                f"Talkdesk {self.label} (job {self.job_id}) did not finish within "
                f"{self.job_timeout_s / 60:g} minutes (last status '{self.last_status}'). "
                "Raise job_timeout_minutes or use a smaller window_in_days."
            )
        self._polls += 1
        timing = self.timing
        wait = capped_exponential(
            timing.poll_initial_s, self._polls, timing.poll_cap_s, factor=timing.poll_factor
        )
        self.api.sleep(min(wait, max(0.0, self._deadline - self.clock())))

    def _follow_status(self, status: str) -> None:
        self.last_status = status
        if status == "done":
            # Some deployments answer 200 + done instead of redirecting: the file path is fixed.
            self._finished(self.api.url(f"data/reports/{self.report_type}/files/{self.job_id}"))
        elif status in FAILED_STATUSES:
            self.phase = Phase.RECREATE
        elif status not in PENDING_STATUSES:
            logger.warning(
                "Talkdesk job %s has unknown status %r; still polling.", self.job_id, status
            )

    def _finished(self, files_url: str) -> None:
        self.last_status = "done"
        self.files_url = files_url
        self.phase = Phase.DONE

    def _recreate(self) -> None:
        if self.attempts >= self.max_attempts:
            raise transient_error(
                f"Talkdesk {self.label} ended '{self.last_status}' {self.attempts} time(s); "
                "giving up on this stream for this sync."
            )
        logger.warning(
            "Talkdesk job %s for %s ended '%s'; creating it again (attempt %d of %d).",
            self.job_id,
            self.label,
            self.last_status,
            self.attempts + 1,
            self.max_attempts,
        )
        self.stats.count_retry()
        self.job_id = None
        self.phase = Phase.CREATE


class _AttemptFailed(Exception):
    """One download attempt ended in a way a fresh signed URL may fix."""

    def __init__(self, problem: str, wait_s: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        # None: the doubling download retry wait.
        self.wait_s = wait_s


def download_entries(
    api: ReportApi,
    job: FinishedJob,
    stats: StreamStats,
    timing: JobTiming | None = None,
) -> Iterator[dict[str, Any]]:
    """Stream the entries of a finished job's file, one at a time.

    Each attempt asks `files/{id}` for a fresh signed URL (they expire quickly); a download cut
    off mid-way is restarted and the entries already yielded are skipped, so nothing repeats.
    """
    timing = timing or JobTiming()
    label = f"report '{job.report_type}' for window {job.window.describe()}"
    yielded = 0
    problems: list[str] = []
    for attempt in range(1, timing.max_download_attempts + 1):
        try:
            for index, entry in enumerate(_download_once(api, job, label, stats, timing)):
                if index >= yielded:
                    yielded += 1
                    yield entry
            return
        except _AttemptFailed as failed:
            problems.append(failed.problem)
            if attempt < timing.max_download_attempts:
                # After the last attempt the download fails at once instead.
                api.sleep(_download_retry_wait(timing, attempt, failed.wait_s))
    raise transient_error(
        f"Could not download Talkdesk {label} after {len(problems)} attempts: {'; '.join(problems)}."
    )


def _download_once(
    api: ReportApi, job: FinishedJob, label: str, stats: StreamStats, timing: JobTiming
) -> Iterator[dict[str, Any]]:
    """The file's entries through one fresh signed URL; raises _AttemptFailed to try again."""
    signed_url = _signed_url(api, job, label)
    if signed_url is None:
        raise _AttemptFailed("file not ready", wait_s=timing.file_not_ready_wait_s)
    try:
        response = api.download(signed_url)
    except LinkRefused as refused:
        logger.warning(refused_download(refused, label))
        stats.count_retry()
        raise _AttemptFailed(f"storage {refused}") from None
    with response:
        stats.count_page()
        try:
            yield from report_entries(response.iter_content(CHUNK_BYTES))
        except (
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            ReportTruncatedError,
        ) as error:
            logger.warning("%s: download interrupted; downloading it again.", label)
            stats.count_retry()
            raise _AttemptFailed(f"download interrupted ({type(error).__name__})") from None
        except ReportFormatError as error:
            raise system_error(f"Talkdesk {label}: {error}.") from None


def _download_retry_wait(timing: JobTiming, attempt: int, wait_s: float | None) -> float:
    if wait_s is not None:
        return wait_s
    return capped_exponential(timing.download_retry_wait_s, attempt, timing.download_retry_cap_s)


def _signed_url(api: ReportApi, job: FinishedJob, label: str) -> str | None:
    """Follow `files/{id}` one hop, with the bearer token, to the signed storage URL; None while
    the file is not uploaded yet."""
    with api.send("GET", job.files_url) as response:
        if read_answer(Step.FILE_URL, response, label) is JobAnswer.NOT_READY:
            return None
        signed_url = urljoin(job.files_url, response.headers["Location"])
    if not is_secure_url(signed_url):
        raise system_error(f"Talkdesk {label}: the download URL is not https; refusing it.")
    return signed_url


def _job_body(response: requests.Response) -> dict[str, Any]:
    """The job object, whether wrapped in `job` (what Talkdesk sends) or flat (as some answer)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    job = body.get("job")
    return job if isinstance(job, dict) else body
