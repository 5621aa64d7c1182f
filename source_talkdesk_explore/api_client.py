"""The two HTTP paths of a sync: the CDK HttpClient for the Explore API, a plain session for storage.

Redirects are never followed on the API: the job state machine reads every `Location` itself
because Talkdesk answers a finished job with 300, which `requests` does not follow.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from airbyte_cdk.sources.streams.http import HttpClient
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.errors import config_error, transient_error
from connector_common.stats import StreamStats
from source_talkdesk_explore.auth import TokenAuth, TokenProvider
from source_talkdesk_explore.http_errors import (
    ApiReachability,
    ExploreErrorHandler,
    RetryPolicy,
    Verdict,
    judge,
    url_path,
)

logger = logging.getLogger("airbyte")

# Seconds to reach a host; the read part of every timeout is `request_timeout_seconds`.
CONNECT_TIMEOUT_S = 10


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
        self._timeout = (CONNECT_TIMEOUT_S, read_timeout_s)
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
        failures = 0
        renewed_token = False
        attempt = 0
        while True:
            attempt += 1
            _, response = self._http.send_request(
                http_method=method,
                url=url,
                request_kwargs={"timeout": self._timeout, **(request_kwargs or {})},
                headers=headers,
                json=json,
            )
            outcome = self.errors.last_attempt()
            if outcome.verdict is Verdict.ANSWER:
                return response
            if outcome.verdict is Verdict.RATE_LIMITED:
                if rate_limit_to_caller:
                    return response
                wait = self._policy.rate_limit_wait(response, attempt)
                if self._clock() + wait > started + self._policy.rate_limit_max_wait_s:
                    raise transient_error(
                        f"Talkdesk kept answering HTTP 429 to {what}. Try again later."
                    )
                self._stats.count_rate_limit_wait()
                logger.info(
                    "Talkdesk answered 429 to %s; waiting %.1f s before retrying.", what, wait
                )
            elif outcome.verdict is Verdict.RENEW_TOKEN:
                if renewed_token:
                    raise config_error(
                        f"The Explore API at {self._api_url} rejects a freshly issued token "
                        "(HTTP 401). The region (or api_url) probably does not match the "
                        "account's token URL: EU, CA, AU and UK accounts need their own region."
                    )
                renewed_token = True
                # The replay's authenticator fetches the successor at once.
                sent = str(response.request.headers.get("Authorization", ""))
                self._tokens.invalidate(sent.removeprefix("Bearer "))
                self._stats.count_retry()
                response.close()
                continue
            else:
                failures += 1
                self._after_transient(failures, what, outcome.cause)
                wait = self._policy.transient_wait(attempt)
                logger.info(
                    "Transient failure (%s: %s); retrying in %.1f s.", what, outcome.cause, wait
                )
            if response is not None:
                response.close()
            self._sleep(wait)

    def _after_transient(self, failures: int, what: str, cause: str) -> None:
        if failures >= self._policy.transient_attempts:
            if not self._reachability.answered:
                raise config_error(
                    f"Could not reach the Talkdesk Explore API at {self._api_url} ({cause}). "
                    "Check 'region' (or 'api_url') and network access."
                )
            raise kept_failing(failures, f"{what}: {cause}")
        self._stats.count_retry()


class StorageClient:
    """GETs of signed storage URLs, deliberately without Authorization: the signature is the
    credential, and S3-style hosts reject a second auth mechanism."""

    def __init__(
        self, policy: RetryPolicy, sleep: Callable[[float], None], read_timeout_s: float
    ) -> None:
        self._policy = policy
        self._sleep = sleep
        self._timeout = (CONNECT_TIMEOUT_S, read_timeout_s)
        self._local = threading.local()

    def get(self, url: str, stats: StreamStats) -> requests.Response:
        failures = 0
        while True:
            stats.count_request()
            try:
                response = self._session().get(
                    url, timeout=self._timeout, stream=True, allow_redirects=True
                )
            except requests.RequestException as error:
                failures += 1
                self._after_transient(stats, failures, f"download: {judge(error).cause}")
                continue
            attempt = judge(response)
            # Storage has no token to renew: a refused signature is the report job's to handle.
            if attempt.verdict in (Verdict.TRANSIENT, Verdict.RATE_LIMITED):
                response.close()
                failures += 1
                self._after_transient(stats, failures, f"download: {attempt.cause}")
                continue
            return response

    def _after_transient(self, stats: StreamStats, failures: int, what: str) -> None:
        if failures >= self._policy.transient_attempts:
            raise kept_failing(failures, what)
        stats.count_retry()
        wait = self._policy.transient_wait(failures)
        logger.info("Transient failure (%s); retrying in %.1f s.", what, wait)
        self._sleep(wait)

    def _session(self) -> requests.Session:
        # One session per thread: connection pools are shared safely, cookies/adapters are not.
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session


def kept_failing(failures: int, what: str) -> AirbyteTracedException:
    return transient_error(f"Talkdesk Explore kept failing after {failures} attempts ({what}).")
