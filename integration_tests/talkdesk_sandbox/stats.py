"""Request and job counters the connector tests assert on."""

from __future__ import annotations

import threading
from collections import Counter

REQUEST_KINDS = ("token", "create", "poll", "file", "storage")


class RequestStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.tokens_issued = 0
            self.requests_by_kind: Counter[str] = Counter({kind: 0 for kind in REQUEST_KINDS})
            self.status_429 = 0
            self.status_401 = 0
            self.storage_requests_with_authorization = 0

    def request(self, kind: str) -> None:
        with self._lock:
            self.requests_by_kind[kind] += 1

    def response(self, status: int) -> None:
        with self._lock:
            if status == 429:
                self.status_429 += 1
            elif status == 401:
                self.status_401 += 1

    def token_issued(self) -> None:
        with self._lock:
            self.tokens_issued += 1

    def storage_with_authorization(self) -> None:
        with self._lock:
            self.storage_requests_with_authorization += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "tokens_issued": self.tokens_issued,
                "requests_by_kind": dict(self.requests_by_kind),
                "status_429": self.status_429,
                "status_401": self.status_401,
                "storage_requests_with_authorization": self.storage_requests_with_authorization,
            }
