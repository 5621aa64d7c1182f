"""One rate budget per source, shared by every stream and every worker thread.

Three rules, all applied before a request leaves (`acquire_call`) and fed by every response:
- `requests_per_minute` (optional) is a hard cap in credits. Requests are spaced evenly at that
  rate instead of bursting at the start of each window: Freshdesk counts credits per fixed window,
  and a burst of parallel workers would overrun it and collect 429s.
- Without a cap the budget paces itself from Freshdesk's X-RateLimit-Total / X-RateLimit-Remaining
  headers: once the remaining credits fall into a small reserve, requests are spaced at the
  account's sustainable rate. With a cap the user has said what the sync may spend, and the even
  spacing alone decides.
- A 429 pauses every worker until its Retry-After has passed, so no worker keeps hammering the API
  while another one waits. A Retry-After longer than MAX_RATE_LIMIT_WAIT_S is not waited out: until
  it has passed, every request fails at once with the transient error that says when to retry.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from airbyte_cdk.sources.streams.call_rate import APIBudget

from connector_common.backoff import (
    MAX_RATE_LIMIT_WAIT_S,
    rate_limit_wait_too_long,
    response_retry_after,
)

WINDOW_SECONDS = 60.0
RESERVE_FRACTION = 0.1
# Pace a configured cap a little below it: requests sent at exactly the cap's spacing still arrive
# with jitter, and one extra arrival in a window is a 429.
CAP_PACING_FACTOR = 0.98
# A 429 without a usable Retry-After still pauses everyone this long.
DEFAULT_RATE_LIMIT_PAUSE_SECONDS = 5.0

Clock = Callable[[], float]
Sleep = Callable[[float], None]


def request_credits(request: Any) -> int:
    """Credits Freshdesk charges for a request: 1, plus 2 per include on the tickets list, else 1."""
    url = getattr(request, "url", None) or ""
    parts = urlsplit(url)
    includes = [
        item
        for value in parse_qs(parts.query).get("include", [])
        for item in value.split(",")
        if item
    ]
    per_include = 2 if parts.path.rstrip("/").endswith("/tickets") else 1
    return 1 + per_include * len(includes)


class EvenPacer:
    """Hands out send times `credits / rate` apart: a hard cap without bursts (thread-safe)."""

    def __init__(self, credits_per_minute: int, clock: Clock = time.monotonic) -> None:
        self.seconds_per_credit = WINDOW_SECONDS / (credits_per_minute * CAP_PACING_FACTOR)
        self._clock = clock
        self._lock = threading.Lock()
        self._next_slot: float | None = None

    def delay_for(self, credits: int) -> float:
        """Reserve the slot of a request costing `credits`; return how long to wait for it."""
        with self._lock:
            now = self._clock()
            # An idle pacer does not bank unused slots: a burst after a pause would overrun.
            slot = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = slot + credits * self.seconds_per_credit
            return slot - now


class HeaderPacer:
    """Spaces requests at Total/60 per second while Remaining is inside the reserve."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._total: int | None = None
        self._remaining: int | None = None
        self._next_slot = 0.0

    def observe(self, response: requests.Response) -> None:
        total = _header_int(response, "X-RateLimit-Total")
        remaining = _header_int(response, "X-RateLimit-Remaining")
        with self._lock:
            if total:
                self._total = total
            if remaining is not None:
                self._remaining = remaining

    def delay_for_next_request(self) -> float:
        """Reserve the next request's slot and return how long to wait for it."""
        with self._lock:
            now = self._clock()
            if not self._total or self._remaining is None:
                return 0.0
            reserve = max(1, math.ceil(self._total * RESERVE_FRACTION))
            self._remaining -= 1  # optimistic until the next response corrects it
            if self._remaining >= reserve:
                return 0.0
            slot = max(now, self._next_slot)
            self._next_slot = slot + WINDOW_SECONDS / self._total
            return slot - now


class SharedPause:
    """The moment until which no worker may send, set by any worker's 429 (thread-safe)."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until = 0.0

    def extend(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, self._clock() + seconds)

    def remaining(self) -> float:
        with self._lock:
            return max(0.0, self._until - self._clock())


class FreshdeskAPIBudget(APIBudget):
    """The CDK calls `acquire_call` before and `update_from_response` after every attempt."""

    def __init__(
        self,
        requests_per_minute: int | None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        super().__init__(policies=[])
        self.cap = EvenPacer(requests_per_minute, clock) if requests_per_minute else None
        self.pacer = HeaderPacer(clock)
        self.pause = SharedPause(clock)
        # Until when every request is refused: a 429 asked for longer than anyone waits.
        self.refusal = SharedPause(clock)
        self._sleep = sleep

    def acquire_call(self, request: Any, block: bool = True, timeout: float | None = None) -> None:
        refused = self.refusal.remaining()
        if refused > 0:
            raise rate_limit_wait_too_long("Freshdesk", refused)
        # The pause first: a slot reserved before it would be spent while nobody may send.
        self._wait(self.pause.remaining())
        if self.cap is not None:
            self._wait(self.cap.delay_for(request_credits(request)))
        else:
            self._wait(self.pacer.delay_for_next_request())

    def update_from_response(self, request: Any, response: Any) -> None:
        if not isinstance(response, requests.Response):
            return
        self.pacer.observe(response)
        if response.status_code == 429:
            wait = response_retry_after(response)
            if wait is not None and wait > MAX_RATE_LIMIT_WAIT_S:
                # Too long to wait: the request's own backoff fails its stream, and the other
                # workers fail theirs at their next request instead of sleeping into the limit.
                self.refusal.extend(wait)
                return
            self.pause.extend(wait if wait is not None else DEFAULT_RATE_LIMIT_PAUSE_SECONDS)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)


def _header_int(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name)  # requests' headers ignore case, as Freshdesk's vary
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
