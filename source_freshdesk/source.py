"""The Freshdesk source: configuration in, 40 streams out, read concurrently under one rate budget."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, MutableMapping
from queue import Queue
from typing import Any

import requests
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteStream,
    Status,
    SyncMode,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.concurrent_source.concurrent_source import ConcurrentSource
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.message import InMemoryMessageRepository, MessageRepository
from airbyte_cdk.sources.message.concurrent_repository import ConcurrentMessageRepository
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.sources.streams.call_rate import LimiterSession
from airbyte_cdk.sources.streams.concurrent.abstract_stream import AbstractStream
from airbyte_cdk.sources.streams.concurrent.adapters import StreamPartitionGenerator
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor, CursorField
from airbyte_cdk.sources.streams.concurrent.default_stream import DefaultStream
from airbyte_cdk.sources.streams.concurrent.helpers import get_primary_key_from_stream
from airbyte_cdk.sources.utils.slice_logger import DebugSliceLogger
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.input_files import (
    package_connection_specification,
    read_catalog_file,
    read_config_file,
    read_state_file,
)
from connector_common.stream_names import known_catalog_streams, warn_unknown_stream_states
from source_freshdesk.auth import api_key_authenticator
from source_freshdesk.checkpoints import FullRefreshCheckpoints, StreamCheckpoints
from source_freshdesk.config import FreshdeskConfig
from source_freshdesk.connection_check import check_connection
from source_freshdesk.file_transfer import FilePartitionGenerator, FileTransferStream
from source_freshdesk.rate_limit import FreshdeskAPIBudget
from source_freshdesk.streams import activities, admin, archived, csat, custom_objects
from source_freshdesk.streams import resources as r
from source_freshdesk.streams.attachments import TicketAttachments
from source_freshdesk.streams.base import FreshdeskContext, FreshdeskStream, IncrementalStream
from source_freshdesk.streams.conversations import Conversations
from source_freshdesk.streams.tickets import Tickets

# Records waiting for the main thread to write them; workers block (back-pressure) beyond this.
QUEUE_SIZE = 10_000
# Streams whose slice generators run at once. Each holds a worker while it hands out slices (the
# conversations generator walks every ticket), so the rest of the workers read slices.
MAX_SLICE_GENERATORS = 3
# The longest streams start first, so the short ones fill the gaps around them.
READ_FIRST = ("conversations", "tickets", "contacts", "companies")


SOURCE_NAME = "source-freshdesk"
# What the shared file reader needs to know about this source (connector_common/input_files.py).
_SPEC = package_connection_specification("source_freshdesk")


class SourceFreshdesk(AbstractSource):
    # The three input files are read through the shared path: a broken file is a config_error
    # that names the file and the problem.
    @classmethod
    def read_config(cls, config_path: str) -> MutableMapping[str, Any]:
        return read_config_file(config_path, _SPEC)

    @classmethod
    def read_state(cls, state_path: str) -> list[AirbyteStateMessage]:
        return read_state_file(state_path)

    @classmethod
    def read_catalog(cls, catalog_path: str) -> ConfiguredAirbyteCatalog:
        return read_catalog_file(catalog_path)

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        # The CDK's own check turns a raised config_error into a FAILED status but lets any other
        # failure (a transient or system error, e.g. Freshdesk answering 5xx) end the command with
        # a trace and exit code 1. Here each one is a FAILED status with its message, which is
        # what the platform's connection test shows the user.
        try:
            self.check_connection(logger, config)
        except AirbyteTracedException as failure:
            logger.error(f"Check failed: {failure.message}")
            return AirbyteConnectionStatus(status=Status.FAILED, message=failure.message)
        return AirbyteConnectionStatus(status=Status.SUCCEEDED)

    def check_connection(
        self, logger: logging.Logger, config: Mapping[str, Any]
    ) -> tuple[bool, Any]:
        """Raises the failure (connection_check.py says what each one means); never returns False."""
        check_connection(FreshdeskConfig.from_mapping(config))
        return True, None

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        return list(self.endpoint_streams(FreshdeskConfig.from_mapping(config)))

    def endpoint_streams(
        self, settings: FreshdeskConfig, read_archive: bool = False
    ) -> list[FreshdeskStream]:
        """Every stream; `read_archive` (archived_tickets is selected) lets conversations probe
        the archive for archived tickets' conversations too, a credit per probe."""
        budget = FreshdeskAPIBudget(settings.requests_per_minute, settings.subscription_tier)
        context = FreshdeskContext(
            config=settings,
            budget=budget,
            authenticator=api_key_authenticator(settings.api_key),
            session=shared_session(budget, settings.num_workers, settings.base_url),
        )
        context.session.auth = context.authenticator
        return [
            r.Agents(context),
            r.BusinessHours(context),
            r.CannedResponseFolders(context),
            r.CannedResponses(context),
            r.Companies(context),
            r.Contacts(context),
            Conversations(context, read_archive=read_archive),
            r.DiscussionCategories(context),
            r.DiscussionComments(context),
            r.DiscussionForums(context),
            r.DiscussionTopics(context),
            r.EmailConfigs(context),
            r.EmailMailboxes(context),
            r.Groups(context),
            r.Products(context),
            r.Roles(context),
            r.SatisfactionRatings(context),
            r.ScenarioAutomations(context),
            r.Settings(context),
            r.Skills(context),
            r.SlaPolicies(context),
            r.SolutionArticles(context),
            r.SolutionCategories(context),
            r.SolutionFolders(context),
            r.Surveys(context),
            r.TicketFields(context),
            Tickets(context),
            TicketAttachments(context),
            r.TimeEntries(context),
            admin.Account(context),
            admin.AutomationRules(context),
            admin.CompanyFields(context),
            admin.ContactFields(context),
            admin.TicketForms(context),
            csat.CsatSurveyResponses(context),
            csat.CsatSurveys(context),
            custom_objects.CustomObjectRecords(context),
            custom_objects.CustomObjectSchemas(context),
            activities.TicketActivities(context),
            archived.ArchivedTickets(context),
        ]

    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: list[AirbyteStateMessage] | None = None,
    ) -> Iterator[AirbyteMessage]:
        """Every selected stream on the CDK's concurrent engine, sharing one pool of workers.

        Built here rather than in the constructor because each stream's cursor depends on its
        configured sync mode and saved state, which arrive with the read.
        """
        settings = FreshdeskConfig.from_mapping(config)
        queue: Queue[Any] = Queue(maxsize=QUEUE_SIZE)
        messages = ConcurrentMessageRepository(queue, InMemoryMessageRepository())
        state_manager = ConnectorStateManager(state)
        read_archive = any(c.stream.name == "archived_tickets" for c in catalog.streams)
        available = {
            stream.name: stream for stream in self.endpoint_streams(settings, read_archive)
        }
        warn_unknown_stream_states(logger, state, available, SOURCE_NAME)
        selected: list[AbstractStream] = [
            concurrent_stream(
                available[configured.stream.name], configured, state_manager, messages, logger
            )
            for configured in sorted(
                known_catalog_streams(logger, catalog, available, SOURCE_NAME), key=_read_order
            )
        ]
        engine = ConcurrentSource.create(
            num_workers=settings.num_workers,
            initial_number_of_partitions_to_generate=max(
                1, min(MAX_SLICE_GENERATORS, settings.num_workers - 1)
            ),
            logger=logger,
            slice_logger=DebugSliceLogger(),
            message_repository=messages,
            queue=queue,
        )
        yield from engine.read(selected)


def shared_session(
    budget: FreshdeskAPIBudget, workers: int, base_url: str | None = None
) -> requests.Session:
    """One session for every stream: the budget applies to each request it sends, and its pool
    keeps a connection per worker open (requests' default of 10 would drop and reopen them).

    With `base_url`, the environment's proxy and CA settings (HTTPS_PROXY, NO_PROXY,
    REQUESTS_CA_BUNDLE, ...) are read once, for the one host every request of the session goes
    to, and the session stops reading the environment itself: the CDK's HttpClient asks the
    session to merge them for every request, which walks os.environ and the no_proxy rules each
    time, about a fifth of the connector's CPU per request (profiled on the conversations
    benchmark). The settings are the same ones requests would have merged per request."""
    session = LimiterSession(api_budget=budget)
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=workers + 2)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if base_url:
        settings = session.merge_environment_settings(base_url, {}, None, None, None)
        session.proxies = dict(settings["proxies"] or {})
        session.verify = settings["verify"]
        session.cert = settings["cert"]
        # Also turns off ~/.netrc lookups, which never applied: the session always carries auth.
        session.trust_env = False
    return session


def concurrent_stream(
    stream: FreshdeskStream,
    configured: ConfiguredAirbyteStream,
    state_manager: ConnectorStateManager,
    messages: MessageRepository,
    logger: logging.Logger,
) -> DefaultStream:
    """The engine's view of one stream: its slices become partitions read on any worker.

    A stream with a cursor checkpoints in both sync modes, as it did on the CDK's sequential
    path; only an incremental sync starts from the saved state.
    """
    incremental = configured.sync_mode == SyncMode.incremental
    saved: MutableMapping[str, Any] | None = None
    cursor: Cursor
    if isinstance(stream, IncrementalStream):
        if incremental:
            saved = state_manager.get_stream_state(stream.name, stream.namespace)
        cursor = StreamCheckpoints(stream, saved, state_manager, messages)
    else:
        cursor = FullRefreshCheckpoints(stream, messages)
    cursor_field = stream.cursor_field if isinstance(stream, IncrementalStream) else None
    mode = SyncMode.incremental if incremental else SyncMode.full_refresh
    cursor_fields = [cursor_field] if isinstance(cursor_field, str) else None
    # Files go out when the user turned them on, unless the catalog says this destination
    # takes none (`include_files: false`; older platforms leave it unset).
    files = (
        isinstance(stream, FileTransferStream)
        and stream.transfers_files
        and configured.include_files is not False
    )
    partition_generator = (
        FilePartitionGenerator(stream, mode, cursor_fields, saved)
        if isinstance(stream, FileTransferStream) and files
        else StreamPartitionGenerator(stream, messages, mode, cursor_fields, saved)
    )
    return DefaultStream(
        partition_generator=partition_generator,
        name=stream.name,
        namespace=stream.namespace,
        json_schema=stream.get_json_schema,
        primary_key=get_primary_key_from_stream(stream.primary_key),
        cursor_field=CursorField(cursor_field) if isinstance(cursor_field, str) else None,
        logger=logger,
        cursor=cursor,
        supports_file_transfer=files,
    )


def _read_order(configured: ConfiguredAirbyteStream) -> tuple[int, str]:
    name = configured.stream.name
    return (READ_FIRST.index(name) if name in READ_FIRST else len(READ_FIRST), name)
