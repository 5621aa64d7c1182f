"""The Talkdesk Explore source: check, streams, and a read that runs jobs ahead for all streams."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from airbyte_cdk.models import AirbyteMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.streams import Stream

from connector_common.input_files import (
    package_connection_specification,
    read_catalog_file,
    read_config_file,
    read_state_file,
)
from connector_common.stream_names import known_catalog_streams, warn_unknown_stream_states
from source_talkdesk_explore.config import TalkdeskConfig
from source_talkdesk_explore.connection_check import check_connection
from source_talkdesk_explore.streams import ExploreReportStream, build_streams
from source_talkdesk_explore.sync_context import SyncContext

SOURCE_NAME = "source-talkdesk-explore"
# What the shared file reader needs to know about this source: its spec.
_SPEC = package_connection_specification("source_talkdesk_explore")


class SourceTalkdeskExplore(AbstractSource):
    def __init__(self) -> None:
        super().__init__()
        # Set only during read(): the CDK's own streams() call must get the instances whose jobs
        # the scheduler already runs.
        self._reading: list[ExploreReportStream] | None = None

    def check_connection(
        self, logger: logging.Logger, config: Mapping[str, Any]
    ) -> tuple[bool, Any]:
        check_connection(TalkdeskConfig.from_mapping(config), logger)
        return True, None

    # The three input files are read through the shared path (connector_common/input_files.py):
    # a broken file is a config_error that names the file and the problem, and 0.1.0's legacy
    # state is converted.
    @classmethod
    def read_config(cls, config_path: str) -> MutableMapping[str, Any]:
        return read_config_file(config_path, _SPEC)

    @classmethod
    def read_state(cls, state_path: str) -> list[AirbyteStateMessage]:
        return read_state_file(state_path)

    @classmethod
    def read_catalog(cls, catalog_path: str) -> ConfiguredAirbyteCatalog:
        return read_catalog_file(catalog_path)

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        if self._reading is not None:
            return list(self._reading)
        return list(build_streams(SyncContext(TalkdeskConfig.from_mapping(config))))

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[Any] | None = None,
    ) -> Iterator[AirbyteMessage]:
        streams = build_streams(SyncContext(TalkdeskConfig.from_mapping(config)))
        context = streams[0].context
        by_name = {stream.name: stream for stream in streams}
        state_manager = ConnectorStateManager(state=state)
        warn_unknown_stream_states(logger, state, by_name, SOURCE_NAME)
        self._reading = streams
        try:
            # Queue every selected stream's jobs now, in the order the CDK will consume them.
            for configured in known_catalog_streams(logger, catalog, by_name, SOURCE_NAME):
                stream = by_name[configured.stream.name]
                stream_state = state_manager.get_stream_state(
                    configured.stream.name, configured.stream.namespace
                )
                stream.prepare(configured.sync_mode, stream_state)
            yield from super().read(logger, config, catalog, state)
        finally:
            self._reading = None
            context.close()
