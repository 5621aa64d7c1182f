"""When the concurrent engine emits a Freshdesk stream's state, and what it emits.

Each stream keeps its own state in thread-safe trackers that advance only past records the engine
has already queued (see `streams/base.py`). The cursors here only decide when that state goes out:
every `state_checkpoint_interval` records, after every finished slice and once at the end. They run
on the worker threads right after the records they follow were put on the engine's queue, and
emit through the engine's `ConcurrentMessageRepository`, so a state message is never written
before the records it covers.
"""

from __future__ import annotations

import threading
from collections.abc import MutableMapping
from typing import Any

from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor, FinalStateCursor
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.types import Record

from source_freshdesk.streams.base import FreshdeskStream, IncrementalStream


class StreamCheckpoints(Cursor):
    """The engine's cursor for an incremental stream: emits the stream's own state as it grows.

    It sets the stream's starting state itself (`saved_state`, None for a full refresh), before
    the engine reads any slice: the first checkpoint compares against that state, and the stream
    refuses a state set once its slices are in flight.
    """

    def __init__(
        self,
        stream: IncrementalStream,
        saved_state: MutableMapping[str, Any] | None,
        state_manager: ConnectorStateManager,
        message_repository: MessageRepository,
    ) -> None:
        stream.state = saved_state or {}
        self._stream = stream
        self._state_manager = state_manager
        self._messages = message_repository
        self._interval = stream.state_checkpoint_interval
        self._lock = threading.Lock()
        self._observed = 0
        # What the sync started from: a slice that moved nothing has nothing to checkpoint.
        self._last_emitted: MutableMapping[str, Any] | None = stream.state

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self._stream.state

    def observe(self, record: Record) -> None:
        self._stream.record_emitted(record.data, record.associated_slice)
        if not self._interval:
            return
        with self._lock:
            self._observed += 1
            due = self._observed % self._interval == 0
        if due:
            self._emit(only_if_changed=True)

    def close_partition(self, partition: Partition) -> None:
        self._emit(only_if_changed=True)

    def ensure_at_least_one_state_emitted(self) -> None:
        self._stream.finish_read()
        self._emit(only_if_changed=False)

    def should_be_synced(self, record: Record) -> bool:
        return True

    def _emit(self, only_if_changed: bool) -> None:
        # Read and emit under one lock: states leave in the order they were taken, so a slower
        # worker can never write an older state after a newer one.
        with self._lock:
            state = self._stream.state
            if only_if_changed and state == self._last_emitted:
                return
            self._last_emitted = state
            self._state_manager.update_state_for_stream(
                self._stream.name, self._stream.namespace, state
            )
            self._messages.emit_message(
                self._state_manager.create_state_message(self._stream.name, self._stream.namespace)
            )


class FullRefreshCheckpoints(FinalStateCursor):
    """The CDK's final-state cursor, plus the stream's summary line when it is done."""

    def __init__(self, stream: FreshdeskStream, message_repository: MessageRepository) -> None:
        super().__init__(stream.name, stream.namespace, message_repository)
        self._stream = stream

    def observe(self, record: Record) -> None:
        self._stream.record_emitted(record.data, record.associated_slice)

    def ensure_at_least_one_state_emitted(self) -> None:
        self._stream.finish_read()
        super().ensure_at_least_one_state_emitted()
