"""Per-stream counters behind the one summary line each stream logs when it finishes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# The counters a summary shows, in order. Each source shows only those it keeps, so every figure
# on its line is one it counted.
COUNTERS = (
    "records",
    "requests",
    "pages",
    "retries",
    "rate_limit_waits",
    "jobs",
    "skipped_children",
    "peak_concurrency",
)


@dataclass
class StreamStats:
    """Thread-safe: a stream's requests may run on several worker threads."""

    name: str
    shown: tuple[str, ...] = COUNTERS
    records: int = 0
    requests: int = 0
    pages: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    jobs: int = 0
    skipped_children: int = 0
    skipped: str | None = None
    in_flight: int = 0
    peak_concurrency: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _add(self, counter: str) -> None:
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)

    def count_record(self) -> None:
        self._add("records")

    def count_request(self) -> None:
        self._add("requests")

    @contextmanager
    def work_in_flight(self) -> Iterator[None]:
        """Wraps one unit of work that may overlap others (a Freshdesk request with its retries,
        a Talkdesk report job) so the summary shows the peak overlap."""
        with self._lock:
            self.in_flight += 1
            self.peak_concurrency = max(self.peak_concurrency, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def count_page(self) -> None:
        self._add("pages")

    def count_retry(self) -> None:
        self._add("retries")

    def count_rate_limit_wait(self) -> None:
        self._add("rate_limit_waits")

    def count_job(self) -> None:
        self._add("jobs")

    def count_skipped_child(self) -> None:
        self._add("skipped_children")

    def mark_skipped(self, reason: str) -> None:
        with self._lock:
            self.skipped = self.skipped or reason

    def summary(self, **extra: object) -> str:
        """The line; `extra` counters a source keeps itself go before `skipped`, which ends it."""
        with self._lock:
            counted = {counter: getattr(self, counter) for counter in self.shown}
        pairs = " ".join(f"{key}={value}" for key, value in {**counted, **extra}.items())
        return f"Sync summary: stream={self.name} {pairs} skipped={self.skipped or '-'}"
