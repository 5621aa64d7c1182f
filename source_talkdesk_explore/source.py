"""The Talkdesk Explore source: check, streams, and a read that runs jobs ahead for all streams."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    FailureType,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.stats import StreamStats

from .auth import REQUIRED_SCOPES, TokenProvider
from .config import parse_config
from .errors import config_error
from .http_errors import RetryPolicy
from .state import per_stream_state_messages
from .streams import STREAM_CLASSES, Calls, ExploreReportStream
from .sync_context import SyncContext

# A job id that cannot exist: asking for it proves host, region and read scope without creating
# a job (which would take one of the account's 15 report slots).
_PROBE_JOB_ID = str(uuid.UUID(int=0))


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

    @classmethod
    def read_state(cls, state_path: str) -> list[AirbyteStateMessage]:
        """Also accept 0.1.0's legacy state file, so its connections continue where they were."""
        if not state_path:
            return []
        messages = per_stream_state_messages(_read_json(state_path))
        return [AirbyteStateMessageSerializer.load(message) for message in messages or []]

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
                    continue
                stream_state = state_manager.get_stream_state(
                    configured.stream.name, configured.stream.namespace
                )
                stream.prepare(configured.sync_mode, stream_state)
            yield from super().read(logger, config, catalog, state)
        finally:
            self._reading = None
            context.close()


def _read_json(path: str) -> Any:
    text = Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"Could not read json file {path}: {error}. Please ensure that it is a valid JSON."
        ) from None
