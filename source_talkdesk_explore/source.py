"""The Talkdesk Explore source: check, streams, and a read that runs jobs ahead for all streams."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from airbyte_cdk.models import AirbyteMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.streams import Stream

from connector_common.datetimes import parse_datetime
from connector_common.input_files import (
    package_connection_specification,
    read_catalog_file,
    read_config_file,
    read_state_file,
)
from connector_common.state_values import cursor_cleaner
from source_talkdesk_explore.config import TalkdeskConfig
from source_talkdesk_explore.connection_check import check_connection
from source_talkdesk_explore.streams import STREAM_CLASSES, ExploreReportStream, build_streams
from source_talkdesk_explore.sync_context import SyncContext

# What the shared file reader needs to know about this source: its spec, and each shipped
# stream's cursor keys (the current one and those older versions wrote). Custom reports are
# named by the config, which the state reader does not see: their states are kept as they are
# and a stream the source does not have is reported by `read`.
_SPEC = package_connection_specification("source_talkdesk_explore")
_CURSOR_KEYS: dict[str, tuple[str, ...]] = {
    stream.report_type: (stream.cursor_field, *stream.legacy_state_keys)
    for stream in STREAM_CLASSES
}
# Naive values are read as UTC here: only whether a value is a date-time at all is decided
# before the config's timezone is known, and the streams read it in that timezone later.
_CLEAN = cursor_cleaner(lambda stream: _CURSOR_KEYS.get(stream, ()), parse_datetime)


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
    # a broken file is a config_error that names the file and the problem, 0.1.0's legacy state
    # is converted, and a saved cursor that cannot be used is warned about and dropped.
    @classmethod
    def read_config(cls, config_path: str) -> MutableMapping[str, Any]:
        return read_config_file(config_path, _SPEC)

    @classmethod
    def read_state(cls, state_path: str) -> list[AirbyteStateMessage]:
        return read_state_file(state_path, source="source-talkdesk-explore", clean=_CLEAN)

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
        _warn_unknown_states(logger, state or [], by_name)
        self._reading = streams
        try:
            # Queue every selected stream's jobs now, in the order the CDK will consume them.
            for configured in catalog.streams:
                stream = by_name.get(configured.stream.name)
                if stream is None:
                    # The CDK marks it INCOMPLETE without a word; say why.
                    logger.warning(
                        f"The catalog names a stream '{configured.stream.name}' that "
                        "source-talkdesk-explore does not have; it is skipped. Known streams: "
                        f"{', '.join(sorted(by_name))}."
                    )
                    continue
                stream_state = state_manager.get_stream_state(
                    configured.stream.name, configured.stream.namespace
                )
                stream.prepare(configured.sync_mode, stream_state)
            yield from super().read(logger, config, catalog, state)
        finally:
            self._reading = None
            context.close()


def _warn_unknown_states(
    logger: logging.Logger, state: list[Any], streams: Mapping[str, ExploreReportStream]
) -> None:
    for message in state:
        descriptor = getattr(getattr(message, "stream", None), "stream_descriptor", None)
        name = getattr(descriptor, "name", None)
        if name is not None and name not in streams:
            logger.warning(
                f"The state has a state for stream '{name}', which source-talkdesk-explore does "
                "not have (nor do the configured custom reports); it is ignored."
            )
