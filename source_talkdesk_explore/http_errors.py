"""How every Explore API answer is judged (succeed, renew the token, wait, retry, or hand it to
the job state machine) and how long to wait before a retry."""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import (
    BackoffStrategy,
    ErrorResolution,
    HttpStatusErrorHandler,
    ResponseAction,
)

from connector_common.stats import StreamStats

from .auth import TokenProvider


@dataclass(frozen=True)
class RetryPolicy:
    transient_attempts: int = 5
    transient_backoff_s: float = 1.0
    backoff_cap_s: float = 60.0
    # 429 without Retry-After: start here and double up to the cap.
    rate_limit_backoff_s: float = 5.0
    # How long one call may keep waiting out 429s; a sync sets its job timeout here.
    rate_limit_max_wait_s: float = 30 * 60


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


class ExploreErrorHandler(HttpStatusErrorHandler):
    """Judges each attempt of an API call and counts it in the stream's summary.

    Redirects succeed (the job state machine reads every `Location` itself); 4xx answers other
    than 401/429 are returned to the caller (IGNORE), which knows what a 404 or 403 means for its
    request. `max_retries` bounds transient failures, `max_time` the waiting out of 429s.
    """

    def __init__(
        self,
        logger: logging.Logger,
        stats: StreamStats,
        tokens: TokenProvider,
        policy: RetryPolicy,
        reachability: ApiReachability,
        api_url: str,
    ) -> None:
        super().__init__(
            logger=logger,
            max_retries=policy.transient_attempts - 1,
            max_time=timedelta(seconds=policy.rate_limit_max_wait_s),
        )
        self._stats = stats
        self._tokens = tokens
        self._reachability = reachability
        self._api_url = api_url
        # Calls run on scheduler threads, one at a time per thread: per-call facts live here.
        self._call = threading.local()

    def begin_call(self) -> None:
        """A new logical call starts on this thread: it may renew the token once."""
        self._call.renewed_token = False

    def interpret_response(
        self, response_or_exception: requests.Response | Exception | None = None
    ) -> ErrorResolution:
        self._stats.count_request()
        outcome = response_or_exception
        if isinstance(outcome, requests.RequestException):
            return ErrorResolution(
                ResponseAction.RETRY, FailureType.transient_error, type(outcome).__name__
            )
        if not isinstance(outcome, requests.Response):
            return ErrorResolution(
                ResponseAction.FAIL, FailureType.system_error, f"Unexpected outcome {outcome!r}."
            )
        self._reachability.mark_answered()
        status = outcome.status_code
        if status < 400:
            return ErrorResolution(ResponseAction.SUCCESS)
        if status == 401:
            return self._rejected_token(outcome)
        if status == 429:
            return ErrorResolution(
                ResponseAction.RATE_LIMITED,
                FailureType.transient_error,
                "Talkdesk answered HTTP 429 (rate limit or the account's report-job quota).",
            )
        if status >= 500:
            return ErrorResolution(
                ResponseAction.RETRY, FailureType.transient_error, f"HTTP {status}"
            )
        return ErrorResolution(
            ResponseAction.IGNORE,
            None,
            f"Talkdesk answered HTTP {status} to {outcome.request.method} "
            f"{url_path(outcome.request.url or '')}; the report job decides what it means.",
        )

    def _rejected_token(self, response: requests.Response) -> ErrorResolution:
        if getattr(self._call, "renewed_token", False):
            return ErrorResolution(
                ResponseAction.FAIL,
                FailureType.config_error,
                f"The Explore API at {self._api_url} rejects a freshly issued token (HTTP 401). "
                "The region (or api_url) probably does not match the account's token URL: EU, "
                "CA, AU and UK accounts need their own region.",
            )
        # Tokens live ~10 minutes and may expire between our check and the server's.
        self._call.renewed_token = True
        sent = response.request.headers.get("Authorization", "") if response.request else ""
        self._tokens.invalidate(sent.removeprefix("Bearer "))
        return ErrorResolution(
            ResponseAction.REFRESH_TOKEN_THEN_RETRY,
            FailureType.transient_error,
            "Talkdesk rejected the access token (HTTP 401); renewing it once.",
        )


class ExploreBackoff(BackoffStrategy):
    """Retry-After for 429s (else doubling from rate_limit_backoff_s), doubling for transient
    failures, both capped; a 401 is replayed at once with the renewed token."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy

    def backoff_time(
        self,
        response_or_exception: requests.Response | requests.RequestException | None,
        attempt_count: int,
    ) -> float | None:
        policy = self._policy
        if isinstance(response_or_exception, requests.Response):
            status = response_or_exception.status_code
            if status == 401:
                return None
            if status == 429:
                return retry_after_seconds(response_or_exception) or self._capped(
                    policy.rate_limit_backoff_s, attempt_count
                )
        return self._capped(policy.transient_backoff_s, attempt_count)

    def _capped(self, first: float, attempt: int) -> float:
        return min(first * 2 ** (max(attempt, 1) - 1), self._policy.backoff_cap_s)


def retry_after_seconds(response: requests.Response) -> float | None:
    """`Retry-After` as seconds (delta or HTTP date); None when absent, zero or unparseable."""
    header = (response.headers.get("Retry-After") or "").strip()
    if not header:
        return None
    try:
        seconds = float(header)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - time.time()
    # "Retry-After: 0" would make a hot loop of a full quota: back off instead.
    return seconds if seconds > 0 else None


def url_path(url: str) -> str:
    """URLs without query strings: signed URLs carry credentials there."""
    return url.split("?", 1)[0]
