"""HTTP to the Explore API: bearer auth with one renewal on 401, transient retries, 429 waits.

Redirects are never followed here: the job state machine reads every `Location` itself because
Talkdesk answers a finished job with 300, which `requests` does not follow (research A3.2).
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from connector_common.stats import StreamStats

from .auth import TokenProvider
from .errors import config_error, transient_error
from .sleeper import Sleeper

logger = logging.getLogger("airbyte")

REQUEST_TIMEOUT_S = (10, 120)


@dataclass(frozen=True)
class RetryPolicy:
    transient_attempts: int = 5
    transient_backoff_s: float = 1.0
    backoff_cap_s: float = 60.0
    # 429 without Retry-After: start here and double up to the cap.
    rate_limit_backoff_s: float = 5.0
    # How long one call may keep waiting out 429s when the caller sets no deadline.
    rate_limit_max_wait_s: float = 30 * 60


class ExploreClient:
    """Authenticated requests to the API host; plain requests to the storage host."""

    def __init__(
        self,
        api_url: str,
        tokens: TokenProvider,
        *,
        sleep: Callable[[float], None] | None = None,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.tokens = tokens
        self.sleep = sleep or Sleeper()
        self.policy = policy or RetryPolicy()
        self._clock = clock
        self._local = threading.local()
        # Until the API host has answered once, failing to connect means a wrong region/api_url.
        self._api_reached = False

    def url(self, path: str) -> str:
        return f"{self.api_url}/{path.lstrip('/')}"

    def send(
        self,
        method: str,
        url: str,
        stats: StreamStats,
        *,
        json: Any = None,
        rate_limit_deadline: float | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """One logical API call: returns any non-401/429/5xx answer, including 3xx and 4xx."""
        renewed = False
        transient_failures = 0
        rate_limit_waits = 0
        if rate_limit_deadline is None:
            rate_limit_deadline = self._clock() + self.policy.rate_limit_max_wait_s
        while True:
            token = self.tokens.token(stats)
            stats.count_request()
            try:
                response = self._session().request(
                    method,
                    url,
                    json=json,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    timeout=REQUEST_TIMEOUT_S,
                    allow_redirects=False,
                    stream=stream,
                )
            except requests.RequestException as error:
                transient_failures += 1
                if not self._api_reached and transient_failures >= self.policy.transient_attempts:
                    raise config_error(
                        f"Could not reach the Talkdesk Explore API at {self.api_url} "
                        f"({type(error).__name__}). Check 'region' (or 'api_url') and network access."
                    ) from None
                self._after_transient(
                    stats, transient_failures, f"{method} {_path(url)}: {type(error).__name__}"
                )
                continue
            self._api_reached = True
            if response.status_code == 401:
                response.close()
                if renewed:
                    raise config_error(
                        f"The Explore API at {self.api_url} rejects a freshly issued token (HTTP "
                        "401). The region (or api_url) probably does not match the account's token "
                        "URL: EU, CA, AU and UK accounts need their own region."
                    )
                # Tokens live ~10 minutes and may expire between our check and the server's.
                self.tokens.invalidate(token)
                renewed = True
                stats.count_retry()
                continue
            if response.status_code == 429:
                response.close()
                rate_limit_waits += 1
                wait = retry_after_seconds(response)
                if wait is None:
                    wait = min(
                        self.policy.rate_limit_backoff_s * 2 ** (rate_limit_waits - 1),
                        self.policy.backoff_cap_s,
                    )
                if self._clock() + wait > rate_limit_deadline:
                    hint = (
                        " The account's 15-job report quota stayed full, possibly by other tools."
                        if method == "POST"
                        else ""
                    )
                    raise transient_error(
                        f"Talkdesk kept answering HTTP 429 to {method} {_path(url)}.{hint} "
                        "Try again later."
                    )
                stats.count_rate_limit_wait()
                logger.info(
                    "Talkdesk answered 429 to %s %s; waiting %.1f s before retrying.",
                    method,
                    _path(url),
                    wait,
                )
                self.sleep(wait)
                continue
            if response.status_code >= 500:
                response.close()
                transient_failures += 1
                self._after_transient(
                    stats, transient_failures, f"{method} {_path(url)}: HTTP {response.status_code}"
                )
                continue
            return response

    def get_storage(self, url: str, stats: StreamStats) -> requests.Response:
        """GET a signed storage URL. Deliberately without Authorization: the signature is the
        credential, and S3-style hosts reject a second auth mechanism."""
        transient_failures = 0
        while True:
            stats.count_request()
            try:
                response = self._plain_session().get(
                    url, timeout=REQUEST_TIMEOUT_S, stream=True, allow_redirects=True
                )
            except requests.RequestException as error:
                transient_failures += 1
                self._after_transient(
                    stats, transient_failures, f"download: {type(error).__name__}"
                )
                continue
            if response.status_code >= 500 or response.status_code == 429:
                response.close()
                transient_failures += 1
                self._after_transient(
                    stats, transient_failures, f"download: HTTP {response.status_code}"
                )
                continue
            return response

    def _after_transient(self, stats: StreamStats, failures: int, what: str) -> None:
        if failures >= self.policy.transient_attempts:
            raise transient_error(
                f"Talkdesk Explore kept failing after {failures} attempts ({what}).",
            )
        stats.count_retry()
        wait = min(self.policy.transient_backoff_s * 2 ** (failures - 1), self.policy.backoff_cap_s)
        logger.info("Transient failure (%s); retrying in %.1f s.", what, wait)
        self.sleep(wait)

    def _session(self) -> requests.Session:
        # One session per thread: connection pools are shared safely, cookies/adapters are not.
        session = getattr(self._local, "api", None)
        if session is None:
            session = self._local.api = requests.Session()
        return session

    def _plain_session(self) -> requests.Session:
        session = getattr(self._local, "storage", None)
        if session is None:
            session = self._local.storage = requests.Session()
        return session


def retry_after_seconds(response: requests.Response) -> float | None:
    """`Retry-After` as seconds (delta or HTTP date); None when absent or unparseable."""
    header = response.headers.get("Retry-After")
    if not header:
        return None
    header = header.strip()
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _path(url: str) -> str:
    """URLs without query strings: signed URLs carry credentials there."""
    return url.split("?", 1)[0]
