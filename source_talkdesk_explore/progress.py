"""How far a stream's read has got: windows read of those planned, rows emitted, rows expected.

Each window's file is one job's whole answer, so after every window the stream knows its rows so
far and can extrapolate the rest from the mean rows per window read. The estimate is exact once
the last window is read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class WindowProgress:
    planned: int = 0
    windows_read: int = 0
    rows: int = 0

    def window_read(self, rows: int) -> int:
        """Count a fully emitted window of `rows` rows; returns the stream's row estimate."""
        self.windows_read += 1
        self.rows += rows
        remaining = max(self.planned - self.windows_read, 0)
        return self.rows + round(self.rows / self.windows_read * remaining)

    def counters(self) -> dict[str, str]:
        """What the stream's summary line shows of it (its rows are the line's records)."""
        return {"windows": f"{self.windows_read}/{self.planned}"}
