"""Airbyte file transfer on the concurrent engine: records that carry a file written to staging.

The engine writes `Record.file_reference` into the record message, but the CDK's adapter from a
stream's slices to partitions (`StreamPartition`) builds its Records from the data alone. So a
stream that transfers files gets these two small classes instead: the same slices, the same
schema normalization, and the file reference kept on each Record.
"""

from __future__ import annotations

import copy
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from airbyte_cdk.models import AirbyteRecordMessageFileReference, SyncMode
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.streams.concurrent.partitions.partition_generator import (
    PartitionGenerator,
)
from airbyte_cdk.sources.types import Record as EngineRecord
from airbyte_cdk.sources.utils.files_directory import get_files_directory
from airbyte_cdk.utils.slice_hasher import SliceHasher

from source_freshdesk.streams.base import FreshdeskStream, Record

# Characters no file system takes in a name, and control characters.
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')


class FileTransferStream(FreshdeskStream, ABC):
    """A stream whose records may each come with a file, written under the staging directory."""

    # Whether the user turned the files on: the source then reads the stream by FilePartitions.
    transfers_files = False

    @abstractmethod
    def read_with_files(
        self, stream_slice: Mapping[str, Any], with_files: bool
    ) -> Iterator[tuple[Record, AirbyteRecordMessageFileReference | None]]:
        """The slice's records; with `with_files`, each one's file is written first."""

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[Record]:
        for record, _ in self.read_with_files(stream_slice, with_files=False):
            yield record


def staged_path(*parts: str) -> tuple[Path, str]:
    """Where a file goes: the platform's staging directory (AIRBYTE_STAGING_DIRECTORY, or the
    CDK's local fallback), and the path relative to it that the record message names."""
    relative = Path(*(safe_file_name(part) for part in parts))
    return Path(get_files_directory()) / relative, relative.as_posix()


def safe_file_name(name: str) -> str:
    """One path component: no separators, no traversal, never empty, at most 200 characters."""
    cleaned = _UNSAFE.sub("_", name).strip().lstrip(".")
    return cleaned[:200] or "_"


class FilePartitionGenerator(PartitionGenerator):
    """The stream's slices as partitions whose records keep their file references."""

    def __init__(
        self,
        stream: FileTransferStream,
        sync_mode: SyncMode,
        cursor_field: list[str] | None,
        state: MutableMapping[str, Any] | None,
    ) -> None:
        self._stream = stream
        self._sync_mode = sync_mode
        self._cursor_field = cursor_field
        self._state = state

    def generate(self) -> Iterable[Partition]:
        for stream_slice in self._stream.stream_slices(
            sync_mode=self._sync_mode, cursor_field=self._cursor_field, stream_state=self._state
        ):
            yield FilePartition(self._stream, copy.deepcopy(stream_slice))


class FilePartition(Partition):
    def __init__(self, stream: FileTransferStream, stream_slice: Mapping[str, Any]) -> None:
        self._stream = stream
        self._slice = stream_slice
        self._hash = SliceHasher.hash(stream.name, stream_slice)

    def read(self) -> Iterable[EngineRecord]:
        schema = self._stream.get_json_schema()
        for data, file_reference in self._stream.read_with_files(
            copy.deepcopy(self._slice), with_files=True
        ):
            record = dict(data)
            self._stream.transformer.transform(record, schema)
            yield EngineRecord(
                data=record,
                stream_name=self._stream.name,
                associated_slice=self._slice,  # type: ignore[arg-type]  # as StreamPartition
                file_reference=file_reference,
            )

    def to_slice(self) -> Mapping[str, Any] | None:
        return self._slice

    def stream_name(self) -> str:
        return self._stream.name

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"FilePartition({self._stream.name}, {self._slice})"
