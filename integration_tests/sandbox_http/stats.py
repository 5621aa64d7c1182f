"""Request counters by key (a normalised path or a request kind) and by status, plus named
counters an app adds (credits spent, tokens issued, ...)."""

from __future__ import annotations

import threading
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

    def request(self, key: str) -> None:
        with self._lock:
            self._requests += 1
            self._by_key[key] += 1

    def response(self, status: int) -> None:
        with self._lock:
            self._by_status[status] += 1

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
            }
