"""Per-stream counters behind the one summary line each stream logs when it finishes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from airbyte_cdk.sources.streams.http.error_handlers import ResponseAction

_RETRIED = (ResponseAction.RETRY, ResponseAction.RATE_LIMITED)


@dataclass
class StreamStats:
    """Thread-safe: requests of one stream may later run on several worker threads."""

    name: str
    requests: int = 0
    pages: int = 0
    records: int = 0  # emitted, counted by the single thread that hands records to the CDK
    retries: int = 0
    rate_limit_waits: int = 0
    skipped_children: int = 0
    skipped: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_attempt(self, action: ResponseAction) -> None:
        with self._lock:
            self.requests += 1
            if action in _RETRIED:
                self.retries += 1

    def count_rate_limit_wait(self) -> None:
        with self._lock:
            self.rate_limit_waits += 1

    def count_page(self) -> None:
        with self._lock:
            self.pages += 1

    def count_skipped_child(self) -> None:
        with self._lock:
            self.skipped_children += 1

    def mark_skipped(self, reason: str) -> None:
        with self._lock:
            self.skipped = self.skipped or reason

    def summary(self) -> str:
        with self._lock:
            return (
                f"Sync summary: stream={self.name} records={self.records} requests={self.requests} "
                f"pages={self.pages} retries={self.retries} rate_limit_waits={self.rate_limit_waits} "
                f"skipped_children={self.skipped_children} skipped={self.skipped or '-'}"
            )
