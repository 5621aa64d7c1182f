"""The Talkdesk Explore source: check, streams, and a read that runs jobs ahead for all streams."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    FailureType,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.sources.utils.casing import camel_to_snake
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.input_files import (
    package_connection_specification,
    read_catalog_file,
    read_config_file,
    read_state_file,
)
from connector_common.state_values import cursor_cleaner
from connector_common.stats import StreamStats

from .auth import REQUIRED_SCOPES, TokenProvider
from .config import parse_config
from .datetimes import parse_datetime
from .errors import config_error
from .http_errors import RetryPolicy
from .streams import STREAM_CLASSES, Calls, ExploreReportStream
from .sync_context import SyncContext

# A job id that cannot exist: asking for it proves host, region and read scope without creating
# a job (which would take one of the account's 15 report slots).
_PROBE_JOB_ID = str(uuid.UUID(int=0))

# What the shared file reader needs to know about this source: its spec, and each stream's
# cursor keys (the current one and those older versions wrote).
_SPEC = package_connection_specification("source_talkdesk_explore")
_CURSOR_KEYS: dict[str, tuple[str, ...]] = {
    camel_to_snake(stream.__name__): (stream.cursor_field, *stream.legacy_state_keys)
    for stream in STREAM_CLASSES
}
# Naive values are read as UTC here: only whether a value is a date-time at all is decided
# before the config's timezone is known, and the streams read it in that timezone later.
_CLEAN = cursor_cleaner(lambda stream: _CURSOR_KEYS[stream], parse_datetime)


class SourceTalkdeskExplore(AbstractSource):
    def __init__(self) -> None:
        super().__init__()
        # Set only during read(): the CDK's own streams() call must get the instances whose jobs
        # the scheduler already runs.
        self._reading: list[ExploreReportStream] | None = None

    def check_connection(
        self, logger: logging.Logger, config: Mapping[str, Any]
    ) -> tuple[bool, Any]:
        cfg = parse_config(config)
        stats = StreamStats("check")
        tokens = TokenProvider(cfg.token_url, cfg.client_id, cfg.client_secret)
        scopes = tokens.granted_scopes(stats)
        if scopes is None:
            logger.warning("The token response lists no scopes; cannot verify them up front.")
        else:
            missing = [scope for scope in REQUIRED_SCOPES if scope not in scopes]
            if missing:
                raise config_error(
                    f"The Talkdesk API client lacks the scope(s) {', '.join(missing)}. Grant "
                    "data-reports:read and data-reports:write to the client (new scopes take a few "
                    "minutes to apply)."
                )
        # check must answer within seconds: few retries, no long 429 waits.
        policy = RetryPolicy(transient_attempts=2, rate_limit_max_wait_s=30)
        context = SyncContext(cfg, tokens=tokens, policy=policy)
        probe = Calls(context)
        try:
            with probe.send("GET", probe.url(f"data/reports/calls/jobs/{_PROBE_JOB_ID}")) as answer:
                status = answer.status_code
        except AirbyteTracedException as error:
            if error.failure_type == FailureType.config_error:
                raise
            # check reports a verdict, not a crash: a failing API host is something to look at.
            raise config_error(
                f"The Explore API at {cfg.api_url} is not usable: {error.message}"
            ) from None
        finally:
            context.close()
        if status == 403:
            raise config_error(
                f"The Explore API at {cfg.api_url} refused the token (HTTP 403): the API client "
                "needs the data-reports:read scope."
            )
        if status not in (200, 404) and not 300 <= status < 400:
            raise config_error(
                f"The Explore API at {cfg.api_url} answered HTTP {status} to a job lookup; check "
                "that 'region' / 'api_url' point at the Talkdesk Explore API."
            )
        return True, None

    # The three input files are read through the shared path (connector_common/input_files.py):
    # a broken file is a config_error that names the file and the problem, 0.1.0's legacy state
    # is converted, and a saved cursor that cannot be used is warned about and dropped.
    @classmethod
    def read_config(cls, config_path: str) -> MutableMapping[str, Any]:
        return read_config_file(config_path, _SPEC)

    @classmethod
    def read_state(cls, state_path: str) -> list[AirbyteStateMessage]:
        return read_state_file(
            state_path, source="source-talkdesk-explore", known_streams=_CURSOR_KEYS, clean=_CLEAN
        )

    @classmethod
    def read_catalog(cls, catalog_path: str) -> ConfiguredAirbyteCatalog:
        return read_catalog_file(catalog_path)

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        if self._reading is not None:
            return list(self._reading)
        context = SyncContext(parse_config(config))
        return [stream_class(context) for stream_class in STREAM_CLASSES]

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[Any] | None = None,
    ) -> Iterator[AirbyteMessage]:
        streams: list[ExploreReportStream] = self.streams(config)  # type: ignore[assignment]
        context = streams[0].context
        by_name = {stream.name: stream for stream in streams}
        state_manager = ConnectorStateManager(state=state)
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
