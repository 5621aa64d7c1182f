"""GETs of pre-signed file URLs (export files, attachments, report files), for both sources.

A signed URL is its own credential: its query string grants access to one object for a while. So
a download sends no credentials of ours (storage hosts refuse a second auth mechanism, and the API
key has no business on a storage host), and the URL never appears in a log line or an error: it
would hand the file to whoever reads the log. Failures name the file by what the caller calls it.

This is the one place that decides what is transient on a storage answer, for both sources:
network errors, 408, 429 and 5xx are retried a bounded number of times with backoff.py's waits
(a Retry-After is honoured), each retry logged; any other refusal (an expired or wrong signature,
a deleted object) is the caller's to handle, as `LinkRefused`, since only the caller knows how to
get a fresh link. Bodies are streamed: `save` writes a file chunk by chunk and `open` hands the
body over unread, so memory stays flat whatever its size.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import orjson
import requests
from requests.auth import AuthBase

from connector_common.backoff import MAX_RATE_LIMIT_WAIT_S, capped_exponential, response_retry_after
from connector_common.errors import transient_error
from connector_common.stats import StreamStats

logger = logging.getLogger("airbyte")
T = TypeVar("T")
CHUNK_BYTES = 1 << 16
DEFAULT_ATTEMPTS = 3
DEFAULT_FIRST_WAIT_S = 1.0
DEFAULT_MAX_WAIT_S = 30.0
RETRIED_STATUSES = frozenset({408, 429})


class LinkRefused(Exception):
    """Storage answered a status that a retry of the same URL cannot change (403: expired or bad
    signature, 404/410: the object is gone). The URL stays out of the message."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status

    @property
    def expired_or_forbidden(self) -> bool:
        """Typical of an expired signature (S3 answers 403 AccessDenied, some gateways 401)."""
        return self.status in (401, 403)


class BodyNotUsable(Exception):
    """The body arrived but cannot be used (cut short, not JSON): worth one more download."""


class _NoCredentials(AuthBase):
    """Strips any Authorization header, and stops requests from reading ~/.netrc for one."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        return request


class SignedUrlDownloader:
    """Thread-safe: one session per thread, every attempt bounded by the configured timeout.

    `attempts` counts every try, the first included; the wait before retry n is `first_wait_s`
    doubled n - 1 times, at most `max_wait_s`, so a source can count these retries as it counts
    its others. `session_factory` lets a source put its own rate budget in front of the downloads
    (e.g. the CDK's `LimiterSession(api_budget=...)`); `sleep` lets it make the waits
    interruptible.
    """

    def __init__(
        self,
        *,
        what: str,
        timeout: tuple[float, float],
        attempts: int = DEFAULT_ATTEMPTS,
        first_wait_s: float = DEFAULT_FIRST_WAIT_S,
        max_wait_s: float = DEFAULT_MAX_WAIT_S,
        sleep: Callable[[float], None] | None = None,
        session_factory: Callable[[], requests.Session] = requests.Session,
    ) -> None:
        self.what = what
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self._first_wait_s = first_wait_s
        self._max_wait_s = max_wait_s
        # Looked up at each wait unless given, so a test's patched time.sleep applies.
        self._sleep = sleep
        self._session_factory = session_factory
        self._local = threading.local()

    def open(self, url: str, stats: StreamStats | None = None) -> requests.Response:
        """The streamed 2xx response, body unread; the caller reads it (a body cut short is
        then the caller's to handle) and closes it."""
        return self._attempt(url, stats, lambda response: response, close=False)

    def save(self, url: str, path: Path, stats: StreamStats | None = None) -> int:
        """Streams the file to `path` (written beside it first, then moved into place, so a
        failed download never leaves a partial file under the final name); returns its size."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.part")

        def write(response: requests.Response) -> int:
            size = 0
            try:
                with partial.open("wb") as out:
                    for chunk in response.iter_content(CHUNK_BYTES):
                        out.write(chunk)
                        size += len(chunk)
                expected = response.headers.get("Content-Length")
                if expected is not None and expected.isdigit() and int(expected) != size:
                    raise BodyNotUsable(f"{size} of {expected} bytes")
                os.replace(partial, path)
            finally:
                partial.unlink(missing_ok=True)
            return size

        return self._attempt(url, stats, write)

    def read_json(self, url: str, stats: StreamStats | None = None) -> Any:
        """The file's JSON; a body that is not JSON (cut short) is downloaded again."""

        def parse(response: requests.Response) -> Any:
            try:
                return orjson.loads(response.content)
            except orjson.JSONDecodeError:
                raise BodyNotUsable("a body that is not JSON") from None

        return self._attempt(url, stats, parse)

    def _attempt(
        self,
        url: str,
        stats: StreamStats | None,
        use: Callable[[requests.Response], T],
        close: bool = True,
    ) -> T:
        failures = 0
        while True:
            if stats is not None:
                stats.count_request()
            retry_after: float | None = None
            try:
                response = self._session().get(
                    url, timeout=self.timeout, stream=True, allow_redirects=True
                )
            except requests.RequestException as error:
                # Only the type: requests' messages quote the URL, signature included.
                cause = type(error).__name__
            else:
                status = response.status_code
                if 200 <= status < 300:
                    try:
                        return use(response)
                    except (requests.RequestException, BodyNotUsable) as error:
                        cause = (
                            str(error) if isinstance(error, BodyNotUsable) else type(error).__name__
                        )
                    finally:
                        if close:
                            response.close()
                else:
                    response.close()
                    if status not in RETRIED_STATUSES and status < 500:
                        raise LinkRefused(status)
                    cause = f"HTTP {status}"
                    retry_after = response_retry_after(response)
            failures += 1
            if failures >= self.attempts:
                raise transient_error(
                    f"{self.what} could not be downloaded after {failures} attempts ({cause})."
                )
            if stats is not None:
                stats.count_retry()
            wait = retry_after or capped_exponential(self._first_wait_s, failures, self._max_wait_s)
            wait = min(wait, MAX_RATE_LIMIT_WAIT_S)
            logger.info("%s: transient failure (%s); retrying in %.1f s.", self.what, cause, wait)
            (self._sleep or time.sleep)(wait)

    def _session(self) -> requests.Session:
        # One per thread: requests' sessions are not documented as thread-safe.
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._session_factory()
            session.auth = _NoCredentials()
            self._local.session = session
        return session
