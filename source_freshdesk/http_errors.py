"""How every Freshdesk HTTP answer is judged: succeed, retry, wait, skip the stream, or fail clearly."""

from __future__ import annotations

import logging
import threading
import weakref
from datetime import timedelta
from typing import Any

import orjson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import (
    BackoffStrategy,
    ErrorResolution,
    HttpStatusErrorHandler,
    ResponseAction,
)

from connector_common.backoff import (
    MAX_RATE_LIMIT_WAIT_S,
    rate_limit_wait_too_long,
    response_retry_after,
)
from connector_common.stats import StreamStats

MAX_RETRIES = 6
MAX_RETRY_TIME = timedelta(minutes=15)
PAGE_CAP_MESSAGE = "You cannot access tickets beyond the"
# 403 codes that mean "this stream is not for this key or plan": skip it, keep the sync going.
# The custom objects API names its refusal in an `error_type` of its own.
SKIPPABLE_403_CODES = {"require_feature", "access_denied", "PERMISSION_NOT_ALLOWED"}


def json_body(response: requests.Response) -> Any:
    """The decoded JSON body, parsed once per response: the error handler and the parser both need it."""
    with _parsed_lock:
        if response in _parsed_bodies:
            return _parsed_bodies[response]
    try:
        body = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        body = None
    with _parsed_lock:
        _parsed_bodies[response] = body
    return body


# Keyed weakly: an entry lives exactly as long as its response, so nothing is written into the
# response object and nothing outlives it.
_parsed_bodies: weakref.WeakKeyDictionary[requests.Response, Any] = weakref.WeakKeyDictionary()
_parsed_lock = threading.Lock()


def error_code(response: requests.Response) -> str | None:
    body = json_body(response)
    if isinstance(body, dict):
        if isinstance(body.get("code"), str):
            return body["code"]
        if isinstance(body.get("error_type"), str):
            return body["error_type"]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return errors[0].get("code")
    return None


def error_text(response: requests.Response) -> str:
    """A short human description of an error body (JSON message or the start of an HTML page)."""
    body = json_body(response)
    if isinstance(body, dict):
        keys = ("code", "error_type", "message", "description")
        parts = [str(body[k]) for k in keys if body.get(k)]
        for item in body.get("errors") or []:
            if isinstance(item, dict):
                parts.append(": ".join(str(item[k]) for k in ("field", "message") if item.get(k)))
        if parts:
            return "; ".join(parts)
    snippet = " ".join(response.text[:200].split()) if response.content else ""
    return f"non-JSON body: {snippet!r}" if snippet else "empty body"


def is_page_cap_response(response: requests.Response) -> bool:
    return response.status_code == 400 and PAGE_CAP_MESSAGE in response.text


def is_skippable_403(response: requests.Response) -> bool:
    return response.status_code == 403 and error_code(response) in SKIPPABLE_403_CODES


class FreshdeskErrorHandler(HttpStatusErrorHandler):
    """Judges each attempt and counts it, so the per-stream summary needs no other hook."""

    def __init__(
        self,
        logger: logging.Logger,
        stats: StreamStats,
        ignored_statuses: frozenset[int] = frozenset(),
    ) -> None:
        super().__init__(logger=logger, max_retries=MAX_RETRIES, max_time=MAX_RETRY_TIME)
        self._stats = stats
        self._ignored_statuses = ignored_statuses

    def interpret_response(
        self, response_or_exception: requests.Response | Exception | None = None
    ) -> ErrorResolution:
        resolution = self._resolve(response_or_exception)
        self._stats.count_request()
        if resolution.response_action in (ResponseAction.RETRY, ResponseAction.RATE_LIMITED):
            self._stats.count_retry()
        return resolution

    def _resolve(self, outcome: requests.Response | Exception | None) -> ErrorResolution:
        if isinstance(outcome, requests.RequestException):
            return ErrorResolution(
                ResponseAction.RETRY,
                FailureType.transient_error,
                f"Could not reach Freshdesk ({type(outcome).__name__}); retrying.",
            )
        if not isinstance(outcome, requests.Response):
            return ErrorResolution(
                ResponseAction.FAIL, FailureType.system_error, f"Unexpected outcome {outcome!r}."
            )
        status = outcome.status_code
        if 200 <= status < 300:
            if json_body(outcome) is None:
                return ErrorResolution(
                    ResponseAction.RETRY,
                    FailureType.transient_error,
                    f"Freshdesk answered HTTP {status} with a body that is not JSON "
                    f"({outcome.headers.get('Content-Type', 'no content type')}); retrying.",
                )
            return ErrorResolution(ResponseAction.SUCCESS)
        if status in self._ignored_statuses or is_skippable_403(outcome):
            return ErrorResolution(ResponseAction.IGNORE, None, None)
        if is_page_cap_response(outcome):
            return ErrorResolution(ResponseAction.IGNORE, None, None)
        if status == 429:
            return ErrorResolution(
                ResponseAction.RATE_LIMITED,
                FailureType.transient_error,
                "Freshdesk rate limit reached (HTTP 429); waiting as Retry-After says.",
            )
        if status in (408, 425) or status >= 500:
            return ErrorResolution(
                ResponseAction.RETRY,
                FailureType.transient_error,
                f"Freshdesk answered HTTP {status} ({error_text(outcome)}); retrying.",
            )
        return ErrorResolution(ResponseAction.FAIL, *describe_failure(outcome))


def describe_failure(response: requests.Response) -> tuple[FailureType, str]:
    """The failure type and actionable message for a response that ends the stream."""
    status, code, detail = response.status_code, error_code(response), error_text(response)
    if status == 401:
        return FailureType.config_error, (
            "Freshdesk rejected the API key (HTTP 401 invalid_credentials). Copy the key again from "
            "your Freshdesk profile settings into `api_key`."
        )
    if status == 403 and code == "account_suspended":
        return FailureType.config_error, (
            "The Freshdesk account is suspended (HTTP 403 account_suspended); reactivate it, then retry."
        )
    if status == 403:
        return FailureType.config_error, (
            f"Freshdesk refused access (HTTP 403: {detail}). Check the API key's role and the plan."
        )
    if status == 404 and json_body(response) is None:
        return FailureType.config_error, (
            "Freshdesk answered 404 with a page that is not the API: the helpdesk in `domain` does not "
            "exist or is not a Freshdesk domain (custom CNAMEs do not serve the API)."
        )
    return FailureType.system_error, (
        f"Freshdesk answered HTTP {status} to {response.request.method} "
        f"{_path_of(response)}: {detail}."
    )


def _path_of(response: requests.Response) -> str:
    # The path only: query strings are harmless here, but hosts stay out of user-facing text.
    url = response.request.path_url if response.request is not None else response.url
    return url.split("?", 1)[0]


class RetryAfterBackoff(BackoffStrategy):
    """Waits as long as a 429's Retry-After asks (the CDK adds one second on top), up to
    MAX_RATE_LIMIT_WAIT_S: a longer ask fails the stream at once, as a transient error that says
    when to retry, rather than holding a worker for hours.

    Returning None for everything else hands 5xx and missing Retry-After to the CDK's own
    exponential backoff, bounded by MAX_RETRIES and MAX_RETRY_TIME.
    """

    def __init__(self, stats: StreamStats) -> None:
        self._stats = stats

    def backoff_time(
        self,
        response_or_exception: requests.Response | requests.RequestException | None,
        attempt_count: int,
    ) -> float | None:
        if not isinstance(response_or_exception, requests.Response):
            return None
        if response_or_exception.status_code != 429:
            return None
        self._stats.count_rate_limit_wait()
        wait = response_retry_after(response_or_exception)
        if wait is not None and wait > MAX_RATE_LIMIT_WAIT_S:
            raise rate_limit_wait_too_long("Freshdesk", wait)
        return wait
