"""The CDK's `read_records` entry point, reduced to the one argument both sources read by.

Both sources keep a stream's saved state on the stream itself (its cursor trackers), and a
slice is read the same way whatever the sync mode, so the slice is all a read needs.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams.core import StreamData
from airbyte_cdk.sources.types import StreamSlice


class ReadsBySlice:
    """Mixin for a CDK stream: `read_records` hands its slice to `read_slice`."""

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[StreamData]:
        return self.read_slice(stream_slice or StreamSlice(partition={}, cursor_slice={}))

    @abstractmethod
    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[StreamData]:
        """The records (and messages) of one slice."""
