"""Per-stream counters behind the one summary line each stream logs when it finishes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class StreamStats:
    """Thread-safe: a stream's jobs are created and polled on scheduler worker threads."""

    name: str
    records: int = 0
    requests: int = 0
    pages: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    jobs: int = 0
    skipped: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def count_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def count_rate_limit_wait(self) -> None:
        with self._lock:
            self.rate_limit_waits += 1

    def count_job(self) -> None:
        with self._lock:
            self.jobs += 1

    def count_page(self) -> None:
        with self._lock:
            self.pages += 1

    def count_record(self) -> None:
        with self._lock:
            self.records += 1

    def mark_skipped(self, reason: str) -> None:
        with self._lock:
            self.skipped = self.skipped or reason

    def summary(self) -> str:
        with self._lock:
            return (
                f"Sync summary: stream={self.name} records={self.records} requests={self.requests} "
                f"pages={self.pages} retries={self.retries} rate_limit_waits={self.rate_limit_waits} "
                f"jobs={self.jobs} skipped={self.skipped or '-'}"
            )
