"""Interruptible sleeping, so a cancelled sync stops its waiting worker threads at once."""

from __future__ import annotations

import threading


class SyncCancelledError(Exception):
    """The sync is shutting down; a waiting worker stops instead of sleeping on."""


class Sleeper:
    """Sleeps that end early (with SyncCancelledError) when the sync is cancelled."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()

    def __call__(self, seconds: float) -> None:
        if self._cancelled.wait(max(0.0, seconds)):
            raise SyncCancelledError()

    def cancel(self) -> None:
        self._cancelled.set()
