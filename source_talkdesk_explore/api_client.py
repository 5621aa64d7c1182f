"""The two HTTP paths of a sync: the CDK HttpClient for the Explore API, a plain session for storage.

Redirects are never followed on the API: the job state machine reads every `Location` itself
because Talkdesk answers a finished job with 300, which `requests` does not follow (research A3.2).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from airbyte_cdk.sources.streams.http import HttpClient
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy
from airbyte_cdk.sources.streams.http.exceptions import BaseBackoffException
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from requests.auth import AuthBase

from connector_common.stats import StreamStats

from .errors import config_error, transient_error
from .http_errors import ApiReachability, ExploreErrorHandler, RetryPolicy, url_path

logger = logging.getLogger("airbyte")

REQUEST_TIMEOUT_S = (10, 120)
# The account's job quota is named when a create call keeps getting 429s.
_QUOTA_HINT = " The account's 15-job report quota stayed full, possibly by other tools."


class ExploreHttpClient(HttpClient):
    """The CDK HttpClient, waiting between retries on the sync's clock and interruptible sleep.

    The error handler and backoff strategy decide as in any CDK stream; only the retry loop
    differs: the CDK's sleeps cannot be interrupted, so a sync that ends while a worker waits out
    an hour-long quota 429 would hang. Here the waits go through the sync's Sleeper, 429s are
    waited out until `max_time` (the job timeout), not a retry count, and transient failures are
    retried `max_retries` times.
    """

    def __init__(
        self,
        name: str,
        logger: logging.Logger,
        *,
        error_handler: ExploreErrorHandler,
        backoff_strategy: BackoffStrategy,
        authenticator: AuthBase,
        stats: StreamStats,
        reachability: ApiReachability,
        api_url: str,
        sleep: Callable[[float], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            name=name,
            logger=logger,
            error_handler=error_handler,
            backoff_strategy=backoff_strategy,
            authenticator=authenticator,
        )
        self._explore_errors = error_handler
        self._stats = stats
        self._reachability = reachability
        self._api_url = api_url
        self._sleep = sleep
        self._clock = clock

    def _send_with_retry(
        self,
        request: requests.PreparedRequest,
        request_kwargs: Mapping[str, Any],
        log_formatter: Callable[[requests.Response], Any] | None = None,
        exit_on_rate_limit: bool | None = False,
    ) -> requests.Response:
        self._explore_errors.begin_call()
        started = self._clock()
        failures = 0
        try:
            while True:
                try:
                    return self._send(
                        request,
                        request_kwargs,
                        log_formatter=log_formatter,
                        exit_on_rate_limit=exit_on_rate_limit,
                    )
                except BaseBackoffException as retry:
                    # Only UserDefinedBackoffException carries a wait; a 401 is replayed at once.
                    wait = float(getattr(retry, "backoff", 0.0) or 0.0)
                    status = retry.response.status_code if retry.response is not None else None
                    what = f"{request.method} {url_path(request.url or '')}"
                    if status == 429:
                        if self._clock() + wait > started + self._max_time:
                            hint = _QUOTA_HINT if request.method == "POST" else ""
                            raise transient_error(
                                f"Talkdesk kept answering HTTP 429 to {what}.{hint} "
                                "Try again later."
                            ) from None
                        self._stats.count_rate_limit_wait()
                        logger.info(
                            "Talkdesk answered 429 to %s; waiting %.1f s before retrying.",
                            what,
                            wait,
                        )
                    elif status == 401:
                        self._stats.count_retry()
                    else:
                        failures += 1
                        self._after_transient(failures, what, str(retry), wait)
                    self._sleep(wait)
        finally:
            # The CDK forgets a request's attempt count only when it stops retrying by itself.
            self._evict_key(request)

    def _after_transient(self, failures: int, what: str, cause: str, wait: float) -> None:
        if failures > self._max_retries:
            if not self._reachability.answered:
                raise config_error(
                    f"Could not reach the Talkdesk Explore API at {self._api_url} ({cause}). "
                    "Check 'region' (or 'api_url') and network access."
                )
            raise kept_failing(failures, f"{what}: {cause}")
        self._stats.count_retry()
        logger.info("Transient failure (%s: %s); retrying in %.1f s.", what, cause, wait)


class StorageClient:
    """GETs of signed storage URLs, deliberately without Authorization: the signature is the
    credential, and S3-style hosts reject a second auth mechanism."""

    def __init__(self, policy: RetryPolicy, sleep: Callable[[float], None]) -> None:
        self._policy = policy
        self._sleep = sleep
        self._local = threading.local()

    def get(self, url: str, stats: StreamStats) -> requests.Response:
        failures = 0
        while True:
            stats.count_request()
            try:
                response = self._session().get(
                    url, timeout=REQUEST_TIMEOUT_S, stream=True, allow_redirects=True
                )
            except requests.RequestException as error:
                failures += 1
                self._after_transient(stats, failures, f"download: {type(error).__name__}")
                continue
            if response.status_code >= 500 or response.status_code == 429:
                response.close()
                failures += 1
                self._after_transient(stats, failures, f"download: HTTP {response.status_code}")
                continue
            return response

    def _after_transient(self, stats: StreamStats, failures: int, what: str) -> None:
        policy = self._policy
        if failures >= policy.transient_attempts:
            raise kept_failing(failures, what)
        stats.count_retry()
        wait = min(policy.transient_backoff_s * 2 ** (failures - 1), policy.backoff_cap_s)
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
