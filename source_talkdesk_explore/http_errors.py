"""How every Explore API attempt is judged (an answer for the caller, renew the token, rate limited,
or a transient failure) and how long the retry loops wait."""

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

from connector_common.backoff import (
    MAX_RATE_LIMIT_WAIT_S,
    capped_exponential,
    rate_limit_wait_too_long,
    response_retry_after,
)
from connector_common.stats import StreamStats


@dataclass(frozen=True)
class RetryPolicy:
    transient_attempts: int = 5
    transient_backoff_s: float = 1.0
    backoff_cap_s: float = 60.0
    # 429 without Retry-After: start here and double up to the cap.
    rate_limit_backoff_s: float = 5.0
    # How long one call may keep waiting out 429s; a sync sets its job timeout here.
    rate_limit_max_wait_s: float = 30 * 60

    def transient_wait(self, attempt: int) -> float:
        return capped_exponential(self.transient_backoff_s, attempt, self.backoff_cap_s)

    def rate_limit_wait(self, response: requests.Response, attempt: int) -> float:
        """Retry-After when the 429 names a wait, else the capped backoff. A Retry-After beyond
        MAX_RATE_LIMIT_WAIT_S raises the transient error that says when to retry."""
        asked = response_retry_after(response)
        if asked is not None and asked > MAX_RATE_LIMIT_WAIT_S:
            raise rate_limit_wait_too_long("Talkdesk", asked)
        return asked or capped_exponential(self.rate_limit_backoff_s, attempt, self.backoff_cap_s)


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


class Verdict(Enum):
    # 2xx, 3xx and 4xx other than 401/429: the caller knows what a 404 or 403 means for its request.
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


class ExploreErrorHandler(ErrorHandler):
    """Judges each attempt once, counts it in the stream's summary, and hands it back.

    The CDK HttpClient that sends the attempt retries nothing itself: every resolution is SUCCESS
    or IGNORE, so each answer comes back to `ExploreClient`, which acts on the verdict recorded
    here for the calling thread (`last_attempt`).
    """

    def __init__(self, stats: StreamStats, reachability: ApiReachability) -> None:
        self._stats = stats
        self._reachability = reachability
        # Requests run on scheduler threads, one at a time per thread.
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
        attempt = self._judge(outcome)
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

    def _judge(self, outcome: requests.Response | requests.RequestException) -> Attempt:
        if isinstance(outcome, requests.Response):
            self._reachability.mark_answered()
        return judge(outcome)


def judge(outcome: requests.Response | requests.RequestException) -> Attempt:
    """The verdict on one attempt, for the API and storage alike."""
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


def url_path(url: str) -> str:
    """URLs without query strings: signed URLs carry credentials there."""
    return url.split("?", 1)[0]
