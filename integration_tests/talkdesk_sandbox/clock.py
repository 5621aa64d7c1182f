"""The sandbox's wall clock: real time, optionally shifted to emulate skew or a pinned start."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


class SandboxClock:
    def __init__(self, start: datetime | None) -> None:
        # Offset rather than a frozen value: jobs, tokens and `to`-in-the-future checks all need a
        # clock that moves, and a pinned start must keep moving from where it was pinned.
        real = datetime.now(timezone.utc)
        self._offset = timedelta(0) if start is None else start.astimezone(timezone.utc) - real

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self._offset

    def epoch(self) -> float:
        return self.now().timestamp()
