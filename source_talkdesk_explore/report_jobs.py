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
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.backoff import capped_exponential
from connector_common.errors import config_error, transient_error
from connector_common.hosts import is_secure_url
from connector_common.stats import StreamStats
from source_talkdesk_explore.http_errors import RetryPolicy
from source_talkdesk_explore.report_file import ReportFile, ReportFormatError, ReportTruncatedError
from source_talkdesk_explore.windows import Window

logger = logging.getLogger("airbyte")

REDIRECT_CODES = frozenset({300, 301, 302, 303, 307, 308})
PENDING_STATUSES = frozenset({"created", "processing", "uploading"})
FAILED_STATUSES = frozenset({"failed", "canceled", "deleted"})
# Named when job creation keeps getting 429s.
QUOTA_HINT = " The account's 15-job report quota stayed full, possibly by other tools."
DOWNLOAD_CHUNK_BYTES = 1 << 16


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
        """GET a signed storage URL, streamed, without credentials."""

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
        self._quota_refusals = 0
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
            if response.status_code in (200, 201, 202):
                job = _job_body(response)
                job_id = job.get("id")
                if not job_id:
                    raise _system_error(f"Talkdesk accepted {self.label} but returned no job id.")
                self.job_id = str(job_id)
                self.last_status = str(job.get("status") or "created")
                self.stats.count_job()
                self._deadline = self.clock() + self.job_timeout_s
                self._polls = 0
                self._quota_deadline, self._quota_refusals = None, 0
                logger.info("Created Talkdesk job %s for %s.", self.job_id, self.label)
                self.phase = Phase.POLL
                return
            if response.status_code == 429:
                self._quota_refusals += 1
                self._quota_wait_s = self.policy.rate_limit_wait(response, self._quota_refusals)
                self.phase = Phase.QUOTA_WAIT
                return
            if response.status_code == 403:
                raise config_error(
                    f"Talkdesk refused to create {self.label} (HTTP 403{_api_error(response)}). "
                    "The API client needs the data-reports:write scope."
                )
            details = _api_error(response)
            if response.status_code == 400 and "future" in details:
                # Our `to` is now - lag by our clock; Talkdesk's clock disagrees by more than that.
                raise config_error(
                    f"Talkdesk rejected {self.label} because its end lies in the future by "
                    f"Talkdesk's clock (HTTP 400{details}). Raise freshness_lag_minutes."
                )
            raise _system_error(
                f"Talkdesk rejected {self.label} (HTTP {response.status_code}{details})."
            )

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
        url = self.api.url(f"data/reports/{self.report_type}/jobs/{self.job_id}")
        with self.api.send("GET", url) as response:
            if response.status_code in REDIRECT_CODES:
                location = response.headers.get("Location")
                if not location:
                    raise _system_error(
                        f"Talkdesk finished {self.label} with HTTP {response.status_code} but no "
                        "Location header."
                    )
                self.last_status = "done"
                self.files_url = urljoin(url, location)
                self.phase = Phase.DONE
                return
            if response.status_code == 404:
                self.last_status = "not found"
                self.phase = Phase.RECREATE
                return
            if response.status_code == 403:
                raise config_error(
                    f"Talkdesk refused to read job status for {self.label} (HTTP 403). The API "
                    "client needs the data-reports:read scope."
                )
            if response.status_code != 200:
                raise _system_error(
                    f"Unexpected HTTP {response.status_code} polling {self.label}"
                    f"{_api_error(response)}."
                )
            status = str(_job_body(response).get("status") or "").lower()
        self.last_status = status
        if status == "done":
            # Some deployments answer 200 + done instead of redirecting: the file path is fixed.
            self.files_url = self.api.url(f"data/reports/{self.report_type}/files/{self.job_id}")
            self.phase = Phase.DONE
        elif status in FAILED_STATUSES:
            self.phase = Phase.RECREATE
        elif status not in PENDING_STATUSES:
            logger.warning(
                "Talkdesk job %s has unknown status %r; still polling.", self.job_id, status
            )

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
    while len(problems) < timing.max_download_attempts:
        signed_url = _signed_url(api, job, label)
        if signed_url is None:
            problems.append("file not ready")
            _wait_unless_last(api, timing, problems, timing.file_not_ready_wait_s)
            continue
        response = api.download(signed_url)
        try:
            if response.status_code != 200:
                # Typically 403 from S3 once the signature expired: ask files/{id} again.
                problems.append(f"storage HTTP {response.status_code}")
                logger.warning(
                    "%s: storage refused the signed URL (HTTP %s); asking for a fresh one.",
                    label,
                    response.status_code,
                )
                stats.count_retry()
                _wait_unless_last(api, timing, problems, _download_retry_wait(timing, problems))
                continue
            stats.count_page()
            report = ReportFile(response.iter_content(DOWNLOAD_CHUNK_BYTES))
            for index, entry in enumerate(report.entries()):
                if index >= yielded:
                    yielded += 1
                    yield entry
            if report.total is not None and report.total != yielded:
                logger.warning(
                    "%s: file says total=%s but held %s entries.", label, report.total, yielded
                )
            return
        except (
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            ReportTruncatedError,
        ) as error:
            problems.append(f"download interrupted ({type(error).__name__})")
            logger.warning("%s: download interrupted; downloading it again.", label)
            stats.count_retry()
            _wait_unless_last(api, timing, problems, _download_retry_wait(timing, problems))
        except ReportFormatError as error:
            raise _system_error(f"Talkdesk {label}: {error}.") from None
        finally:
            response.close()
    raise transient_error(
        f"Could not download Talkdesk {label} after {len(problems)} attempts: {'; '.join(problems)}."
    )


def _download_retry_wait(timing: JobTiming, problems: list[str]) -> float:
    return capped_exponential(
        timing.download_retry_wait_s, len(problems), timing.download_retry_cap_s
    )


def _wait_unless_last(api: ReportApi, timing: JobTiming, problems: list[str], wait: float) -> None:
    """Wait before the next attempt; after the last one the download fails at once instead."""
    if len(problems) < timing.max_download_attempts:
        api.sleep(wait)


def _signed_url(api: ReportApi, job: FinishedJob, label: str) -> str | None:
    """Follow `files/{id}` one hop, with the bearer token, to the signed storage URL."""
    with api.send("GET", job.files_url) as response:
        if response.status_code in REDIRECT_CODES and response.headers.get("Location"):
            signed_url = urljoin(job.files_url, response.headers["Location"])
            if not is_secure_url(signed_url):
                raise _system_error(
                    f"Talkdesk {label}: the download URL is not https; refusing it."
                )
            return signed_url
        if response.status_code == 200:
            return None  # the job body again: the file is not uploaded yet
        raise transient_error(
            f"Talkdesk {label}: the file endpoint answered HTTP {response.status_code}"
            f"{_api_error(response)} (files are kept for 30 days)."
        )


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


def _api_error(response: requests.Response) -> str:
    """Talkdesk's `{code, message, description, fields}` error details, shortened."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    parts = [str(body[key]) for key in ("code", "message", "description") if body.get(key)]
    fields = body.get("fields")
    if isinstance(fields, list):
        parts += [
            f"{item.get('name')}: {item.get('description')}"
            for item in fields
            if isinstance(item, dict)
        ]
    return f": {'; '.join(parts)[:300]}" if parts else ""


def _system_error(message: str) -> AirbyteTracedException:
    return AirbyteTracedException(
        message=message, internal_message=message, failure_type=FailureType.system_error
    )
