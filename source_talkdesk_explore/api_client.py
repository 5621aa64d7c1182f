"""The two HTTP paths of a sync: the CDK HttpClient for the Explore API, the shared signed-URL
downloader (connector_common/signed_downloads.py) for the report files on storage.

Redirects are never followed on the API: the job state machine reads every `Location` itself
because Talkdesk answers a finished job with 300, which `requests` does not follow.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from airbyte_cdk.sources.streams.http import HttpClient

from connector_common.signed_downloads import SignedUrlDownloader
from connector_common.stats import StreamStats
from source_talkdesk_explore.auth import TokenAuth, TokenProvider
from source_talkdesk_explore.config import HOST_CONNECT_TIMEOUT_S
from source_talkdesk_explore.http_errors import (
    ApiReachability,
    ExploreErrorHandler,
    RetryCount,
    RetryPolicy,
    Verdict,
    fresh_token_rejected,
    kept_failing,
    kept_rate_limited,
    unreachable,
    url_path,
)

logger = logging.getLogger("airbyte")


class ExploreClient:
    """Every Explore API request of one stream, each attempt sent by a CDK HttpClient.

    The HttpClient prepares, authenticates and sends one attempt, and the error handler judges
    it; the retries happen here because the waits must go through the sync's Sleeper (the CDK's
    sleeps cannot be interrupted, so a sync that ends while a worker waits would hang) and its
    clock. A rejected token is renewed once and the request replayed; transient failures are
    retried `transient_attempts` times; 429s are waited out (Retry-After, else backoff) for up to
    `rate_limit_max_wait_s`. A job creation hands its 429 back instead (`rate_limit_to_caller`):
    a full report-job quota is a state of the report job, which may wait until its timeout.
    """

    def __init__(
        self,
        name: str,
        logger: logging.Logger,
        *,
        tokens: TokenProvider,
        stats: StreamStats,
        policy: RetryPolicy,
        reachability: ApiReachability,
        api_url: str,
        read_timeout_s: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.errors = ExploreErrorHandler(stats, reachability)
        self._http = HttpClient(
            name=name,
            logger=logger,
            error_handler=self.errors,
            authenticator=TokenAuth(tokens, stats),
            disable_retries=True,
        )
        self._tokens = tokens
        self._stats = stats
        self._policy = policy
        self._reachability = reachability
        self._api_url = api_url
        self._timeout = (HOST_CONNECT_TIMEOUT_S, read_timeout_s)
        self._sleep = sleep
        self._clock = clock

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        request_kwargs: Mapping[str, Any] | None = None,
        rate_limit_to_caller: bool = False,
    ) -> requests.Response:
        """The first answer that is not a 401, 429 or transient failure (nor a 429, with
        `rate_limit_to_caller`); raises once retrying is over."""
        what = f"{method} {url_path(url)}"
        started = self._clock()
        count = RetryCount()
        renewed_token = False
        while True:
            _, response = self._http.send_request(
                http_method=method,
                url=url,
                request_kwargs={"timeout": self._timeout, **(request_kwargs or {})},
                headers=headers,
                json=json,
            )
            outcome = self.errors.last_attempt()
            if outcome.verdict is Verdict.ANSWER or (
                outcome.verdict is Verdict.RATE_LIMITED and rate_limit_to_caller
            ):
                return response
            if outcome.verdict is Verdict.RENEW_TOKEN:
                if renewed_token:
                    raise fresh_token_rejected(self._api_url)
                renewed_token = True
                self._renew_token(response)
                continue
            if outcome.verdict is Verdict.RATE_LIMITED:
                wait = self._rate_limit_wait(response, count, what, started)
            else:
                wait = self._transient_wait(count, what, outcome.cause)
            if response is not None:
                response.close()
            self._sleep(wait)

    def _renew_token(self, rejected: requests.Response) -> None:
        """Drop the token the API refused; the replay's authenticator fetches its successor."""
        sent = str(rejected.request.headers.get("Authorization", ""))
        self._tokens.invalidate(sent.removeprefix("Bearer "))
        self._stats.count_retry()
        rejected.close()

    def _rate_limit_wait(
        self, response: requests.Response, count: RetryCount, what: str, started: float
    ) -> float:
        wait = self._policy.rate_limit_wait(response, count)
        if self._clock() + wait > started + self._policy.rate_limit_max_wait_s:
            raise kept_rate_limited(what)
        self._stats.count_rate_limit_wait()
        logger.info("Talkdesk answered 429 to %s; waiting %.1f s before retrying.", what, wait)
        return wait

    def _transient_wait(self, count: RetryCount, what: str, cause: str) -> float:
        wait = self._policy.transient_wait(count)
        if self._policy.gave_up(count):
            if not self._reachability.answered:
                raise unreachable(self._api_url, cause)
            raise kept_failing(count.transient, f"{what}: {cause}")
        self._stats.count_retry()
        logger.info("Transient failure (%s: %s); retrying in %.1f s.", what, cause, wait)
        return wait


def report_file_downloader(
    policy: RetryPolicy, sleep: Callable[[float], None], read_timeout_s: float
) -> SignedUrlDownloader:
    """The sync's downloads of report files from their signed URLs: the shared downloader, whose
    transient retries are counted and waited like the sync's other transient retries (`policy`),
    through the sync's interruptible sleep."""
    return SignedUrlDownloader(
        what="A Talkdesk Explore report file",
        timeout=(HOST_CONNECT_TIMEOUT_S, read_timeout_s),
        attempts=policy.transient_attempts,
        first_wait_s=policy.transient_backoff_s,
        max_wait_s=policy.backoff_cap_s,
        sleep=sleep,
    )
