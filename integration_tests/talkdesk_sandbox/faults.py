"""One-shot transport faults: the transient failures a real Talkdesk/S3 path throws at a client.

Queued per request kind and consumed in order by the next requests of that kind, before any auth
or validation, as a gateway or overloaded backend would answer.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from .stats import REQUEST_KINDS

RESET = "reset"  # close the connection without answering
TRUNCATE = "truncate"  # (storage) announce the full length, send half the body, close


@dataclass(frozen=True)
class Fault:
    status: int | str
    retry_after: int | None = None


class FaultPlan:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Fault]] = {kind: deque() for kind in REQUEST_KINDS}

    def add(self, kind: str, fault: Fault, count: int) -> None:
        if kind not in self._queues:
            raise ValueError(f"kind must be one of {REQUEST_KINDS}")
        if isinstance(fault.status, str) and fault.status not in (RESET, TRUNCATE):
            raise ValueError(f"status must be an HTTP code, {RESET!r} or {TRUNCATE!r}")
        if fault.status == TRUNCATE and kind != "storage":
            raise ValueError("only storage downloads can be truncated")
        with self._lock:
            self._queues[kind].extend([fault] * count)

    def take(self, kind: str) -> Fault | None:
        with self._lock:
            queue = self._queues.get(kind)
            return queue.popleft() if queue else None

    def clear(self) -> None:
        with self._lock:
            for queue in self._queues.values():
                queue.clear()
