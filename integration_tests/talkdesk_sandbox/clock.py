"""The sandbox's wall clock: real time, optionally shifted to emulate skew or a pinned start."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class SandboxClock:
    def __init__(self, start: datetime | None) -> None:
        # Offset rather than a frozen value: jobs, tokens and `to`-in-the-future checks all need a
        # clock that moves, and a pinned start must keep moving from where it was pinned.
        real = datetime.now(timezone.utc)
        self._offset = timedelta(0) if start is None else start.astimezone(timezone.utc) - real
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.now(timezone.utc) + offset

    def advance(self, seconds: float) -> None:
        """Jump the clock (negative values go back): new rows become reachable, signed URLs age."""
        with self._lock:
            self._offset += timedelta(seconds=seconds)

    def epoch(self) -> float:
        return self.now().timestamp()
