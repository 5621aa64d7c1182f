"""Every status decision of a Talkdesk sync on the Explore API's answers, with its message, and
what a refused download means for a report job.

Two layers. `judge` decides what any API attempt means on the wire (an answer, renew the token,
rate limited, transient), and `RetryPolicy` how long each retry waits. `read_answer` then decides
what an answer means for the step of the report job that asked (job accepted, job finished, file
not uploaded yet, ...) or raises the failure that step ends in. The callers
(`api_client.ExploreClient`, `report_jobs`) only act on these verdicts.

Storage answers are judged by the shared downloader (connector_common/signed_downloads.py), the
one place deciding what is transient there for both sources; it retries those with this policy's
counts and waits (`api_client.report_file_downloader`) and hands a refusal back as `LinkRefused`,
which `refused_download` reads for the job.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import (
    ErrorHandler,
    ErrorResolution,
    ResponseAction,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.backoff import (
    MAX_RATE_LIMIT_WAIT_S,
    capped_exponential,
    rate_limit_wait_too_long,
    response_retry_after,
)
from connector_common.errors import config_error, system_error, transient_error
from connector_common.signed_downloads import LinkRefused
from connector_common.stats import StreamStats

REDIRECT_CODES = frozenset({300, 301, 302, 303, 307, 308})


class Verdict(Enum):
    # 2xx, 3xx and 4xx other than 401/429: what it means is the step's (`read_answer`).
    ANSWER = "answer"
    # 401: tokens live ~10 minutes and may expire between our check and the server's.
    RENEW_TOKEN = "renew_token"
    # 429: a rate limit, or on job creation the account's report-job quota.
    RATE_LIMITED = "rate_limited"
    # 5xx, or no answer at all.
    TRANSIENT = "transient"


@dataclass(frozen=True)
class Attempt:
    verdict: Verdict
    cause: str  # what retry and failure messages name: "HTTP 502", "ConnectTimeout"


def judge(outcome: requests.Response | requests.RequestException) -> Attempt:
    """The verdict on one attempt at the API."""
    if not isinstance(outcome, requests.Response):
        return Attempt(Verdict.TRANSIENT, type(outcome).__name__)
    status = outcome.status_code
    cause = f"HTTP {status}"
    if status == 401:
        return Attempt(Verdict.RENEW_TOKEN, cause)
    if status == 429:
        return Attempt(Verdict.RATE_LIMITED, cause)
    if status >= 500:
        return Attempt(Verdict.TRANSIENT, cause)
    return Attempt(Verdict.ANSWER, cause)


@dataclass
class RetryCount:
    """The retries of one call so far, per kind: each kind of wait grows with its own count, so
    a 5xx after several 429s waits the first transient wait, not the fifth."""

    transient: int = 0
    rate_limited: int = 0


@dataclass(frozen=True)
class RetryPolicy:
    transient_attempts: int = 5
    transient_backoff_s: float = 1.0
    backoff_cap_s: float = 60.0
    # 429 without Retry-After: start here and double up to the cap.
    rate_limit_backoff_s: float = 5.0
    # How long one call may keep waiting out 429s; a sync sets its job timeout here.
    rate_limit_max_wait_s: float = 30 * 60

    def transient_wait(self, count: RetryCount) -> float:
        """Counts this failure; the wait before retrying it."""
        count.transient += 1
        return capped_exponential(self.transient_backoff_s, count.transient, self.backoff_cap_s)

    def gave_up(self, count: RetryCount) -> bool:
        """Whether the transient failures counted so far use up the attempts."""
        return count.transient >= self.transient_attempts

    def rate_limit_wait(self, response: requests.Response, count: RetryCount) -> float:
        """Counts this 429; Retry-After when it names a wait, else the capped backoff. A
        Retry-After beyond MAX_RATE_LIMIT_WAIT_S raises the transient error that says when to
        retry."""
        count.rate_limited += 1
        asked = response_retry_after(response)
        if asked is not None and asked > MAX_RATE_LIMIT_WAIT_S:
            raise rate_limit_wait_too_long("Talkdesk", asked)
        return asked or capped_exponential(
            self.rate_limit_backoff_s, count.rate_limited, self.backoff_cap_s
        )


class ApiReachability:
    """Whether the API host has answered once in this sync (shared by every stream).

    Until it has, failing to connect means a wrong region/api_url rather than a passing outage.
    """

    def __init__(self) -> None:
        self._answered = threading.Event()

    def mark_answered(self) -> None:
        self._answered.set()

    @property
    def answered(self) -> bool:
        return self._answered.is_set()


class ExploreErrorHandler(ErrorHandler):
    """Judges each attempt once, counts it in the stream's summary, and hands it back.

    The CDK HttpClient that sends the attempt retries nothing itself: every resolution is SUCCESS
    or IGNORE, so each answer comes back to `ExploreClient`, which acts on the verdict recorded
    here for the calling thread (`last_attempt`).
    """

    def __init__(self, stats: StreamStats, reachability: ApiReachability) -> None:
        self._stats = stats
        self._reachability = reachability
        # Requests run on job worker threads, one at a time per thread.
        self._last = threading.local()

    @property
    def max_retries(self) -> int:
        return 0

    @property
    def max_time(self) -> None:
        return None

    def last_attempt(self) -> Attempt:
        """The verdict on this thread's latest attempt."""
        attempt: Attempt = self._last.attempt
        return attempt

    def interpret_response(
        self, response_or_exception: requests.Response | Exception | None = None
    ) -> ErrorResolution:
        self._stats.count_request()
        outcome = response_or_exception
        if not isinstance(outcome, (requests.Response, requests.RequestException)):
            return ErrorResolution(
                ResponseAction.FAIL, FailureType.system_error, f"Unexpected outcome {outcome!r}."
            )
        if isinstance(outcome, requests.Response):
            self._reachability.mark_answered()
        attempt = judge(outcome)
        self._last.attempt = attempt
        if isinstance(outcome, requests.Response) and outcome.status_code < 400:
            return ErrorResolution(ResponseAction.SUCCESS)
        request = outcome.request
        what = f"{request.method} {url_path(str(request.url or ''))}" if request else "a request"
        if attempt.verdict is Verdict.ANSWER:
            message = f"Talkdesk answered {attempt.cause} to {what}; the report job decides what it means."
        else:
            message = f"Talkdesk Explore: {what} failed ({attempt.cause})."
        return ErrorResolution(ResponseAction.IGNORE, None, message)


# -- what retrying ends in -----------------------------------------------------------------------


def kept_failing(failures: int, what: str) -> AirbyteTracedException:
    return transient_error(f"Talkdesk Explore kept failing after {failures} attempts ({what}).")


def kept_rate_limited(what: str) -> AirbyteTracedException:
    return transient_error(f"Talkdesk kept answering HTTP 429 to {what}. Try again later.")


def unreachable(api_url: str, cause: str) -> AirbyteTracedException:
    return config_error(
        f"Could not reach the Talkdesk Explore API at {api_url} ({cause}). "
        "Check 'region' (or 'api_url') and network access."
    )


def fresh_token_rejected(api_url: str) -> AirbyteTracedException:
    return config_error(
        f"The Explore API at {api_url} rejects a freshly issued token (HTTP 401). The region (or "
        "api_url) probably does not match the account's token URL: EU, CA, AU and UK accounts "
        "need their own region."
    )


# -- what an answer means for the step of the report job that asked ------------------------------


class Step(Enum):
    CREATE_JOB = "create_job"  # POST data/reports/{type}/jobs
    POLL_JOB = "poll_job"  # GET data/reports/{type}/jobs/{id}
    FILE_URL = "file_url"  # GET data/reports/{type}/files/{id}, with the bearer token


class JobAnswer(Enum):
    ACCEPTED = "accepted"  # create: the job body, with its id
    QUOTA_FULL = "quota_full"  # create: 429, the account's report-job slots are taken
    STATUS = "status"  # poll: 200 with the job body, whose status says what next
    FINISHED = "finished"  # poll or files: a redirect with a Location (to the file)
    GONE = "gone"  # poll: 404, the job vanished; create it again
    NOT_READY = "not_ready"  # files: 200 with the job body, the file is not uploaded yet


def read_answer(step: Step, response: requests.Response, label: str) -> JobAnswer:
    """What `response` means for `step` of the job `label` names; raises when the step fails.

    Transient failures, 401s and (but for job creation) 429s never get here: the client retries
    them.
    """
    status = response.status_code
    if step is Step.CREATE_JOB:
        return _create_answer(response, label)
    if status in REDIRECT_CODES:
        if not response.headers.get("Location"):
            if step is Step.FILE_URL:
                raise _file_url_failure(response, label)
            raise system_error(
                f"Talkdesk finished {label} with HTTP {status} but no Location header."
            )
        return JobAnswer.FINISHED
    if step is Step.FILE_URL:
        if status == 200:
            return JobAnswer.NOT_READY
        raise _file_url_failure(response, label)
    if status == 200:
        return JobAnswer.STATUS
    if status == 404:
        return JobAnswer.GONE
    if status == 403:
        raise config_error(
            f"Talkdesk refused to read job status for {label} (HTTP 403). The API client needs "
            "the data-reports:read scope."
        )
    raise system_error(f"Unexpected HTTP {status} polling {label}{api_error_details(response)}.")


def _create_answer(response: requests.Response, label: str) -> JobAnswer:
    status = response.status_code
    if status in (200, 201, 202):
        return JobAnswer.ACCEPTED
    if status == 429:
        return JobAnswer.QUOTA_FULL
    details = api_error_details(response)
    if status == 403:
        raise config_error(
            f"Talkdesk refused to create {label} (HTTP 403{details}). "
            "The API client needs the data-reports:write scope."
        )
    if status == 400 and "future" in details:
        # Our `to` is now - lag by our clock; Talkdesk's clock disagrees by more than that.
        raise config_error(
            f"Talkdesk rejected {label} because its end lies in the future by Talkdesk's clock "
            f"(HTTP 400{details}). Raise freshness_lag_minutes."
        )
    raise system_error(f"Talkdesk rejected {label} (HTTP {status}{details}).")


def _file_url_failure(response: requests.Response, label: str) -> AirbyteTracedException:
    return transient_error(
        f"Talkdesk {label}: the file endpoint answered HTTP {response.status_code}"
        f"{api_error_details(response)} (files are kept for 30 days)."
    )


def refused_download(refused: LinkRefused, label: str) -> str:
    """What storage refusing a job's signed URL means: the signature expired (they live minutes,
    and S3 answers 403 AccessDenied then) or the URL no longer names the file, so the job asks
    `files/{id}` for a freshly signed one. The warning that says so, without the URL."""
    return f"{label}: storage refused the signed URL ({refused}); asking for a fresh one."


def api_error_details(response: requests.Response) -> str:
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


def url_path(url: str) -> str:
    """URLs without query strings: signed URLs carry credentials there."""
    return url.split("?", 1)[0]
