"""Request counters by key (a normalised path or a request kind) and by status, plus named
counters an app adds (credits spent, tokens issued, ...)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any


class RequestStats:
    def __init__(self, keys: Iterable[str] = ()) -> None:
        # Keys listed up front show as 0 before their first request.
        self._keys = tuple(keys)
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._by_key: Counter[str] = Counter({key: 0 for key in self._keys})
            self._by_status: Counter[int] = Counter()
            self._counters: Counter[str] = Counter()
            # time.monotonic() of the first request's arrival and of the last response: the
            # window a client was actually talking to the server (benchmarks divide by it).
            self._first_request_at: float | None = None
            self._last_response_at: float | None = None

    def request(self, key: str, arrived_at: float | None = None) -> None:
        """Count a request; `arrived_at` (time.monotonic()) is when it came in, if counted later."""
        at = time.monotonic() if arrived_at is None else arrived_at
        with self._lock:
            self._requests += 1
            self._by_key[key] += 1
            if self._first_request_at is None or at < self._first_request_at:
                self._first_request_at = at

    def response(self, status: int) -> None:
        with self._lock:
            self._by_status[status] += 1
            self._last_response_at = time.monotonic()

    def count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counters[name] += amount

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self._requests,
                "by_key": dict(self._by_key),
                "by_status": dict(self._by_status),
                "counters": dict(self._counters),
                "first_request_at": self._first_request_at,
                "last_response_at": self._last_response_at,
            }
