"""One rate budget per source, shared by every stream (and every worker thread).

Two layers:
- `requests_per_minute` (optional) is a hard cap, enforced by the CDK's moving-window call-rate policy,
  weighted by the credits each request really costs (includes on the tickets list cost extra).
- Without any cap configured the budget still paces itself from Freshdesk's X-RateLimit-Total /
  X-RateLimit-Remaining headers: once the account's remaining credits fall into a small reserve,
  requests are spaced at the account's sustainable rate instead of running into 429s.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from airbyte_cdk.sources.streams.call_rate import APIBudget, MovingWindowCallRatePolicy, Rate

WINDOW_SECONDS = 60.0
RESERVE_FRACTION = 0.1


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


class CreditWeightedWindow(MovingWindowCallRatePolicy):
    def __init__(self, credits_per_minute: int) -> None:
        super().__init__(rates=[Rate(credits_per_minute, timedelta(minutes=1))], matchers=[])
        self._limit = credits_per_minute

    def get_weight(self, request: Any) -> int:
        # The CDK refuses a weight above the limit; a tiny cap still lets such a request through.
        return min(request_credits(request), self._limit)


class HeaderPacer:
    """Spaces requests at Total/60 per second while Remaining is inside the reserve."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
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

    def wait_turn(self) -> float:
        delay = self.delay_for_next_request()
        if delay > 0:
            self._sleep(delay)
        return delay


class FreshdeskAPIBudget(APIBudget):
    def __init__(self, requests_per_minute: int | None, pacer: HeaderPacer | None = None) -> None:
        policies = [CreditWeightedWindow(requests_per_minute)] if requests_per_minute else []
        super().__init__(policies=policies)
        self.pacer = pacer or HeaderPacer()

    def acquire_call(self, request: Any, block: bool = True, timeout: float | None = None) -> None:
        self.pacer.wait_turn()
        super().acquire_call(request, block=block, timeout=timeout)

    def update_from_response(self, request: Any, response: Any) -> None:
        if isinstance(response, requests.Response):
            self.pacer.observe(response)


def _header_int(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name)  # requests' headers ignore case, as Freshdesk's vary
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
