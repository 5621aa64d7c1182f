"""Conversations of the listed tickets, and (with archived_tickets selected) of archived ones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime
from typing import Any

from airbyte_cdk.models import AirbyteMessage
from airbyte_cdk.sources.types import StreamSlice

from connector_common.stats import StreamStats
from source_freshdesk.estimates import (
    ConversationsProgress,
    EstimateClient,
    SliceEstimates,
    search_total,
)
from source_freshdesk.state import EPOCH, format_datetime, parse_datetime
from source_freshdesk.streams.archived import ArchiveProbes, walk_started_now
from source_freshdesk.streams.base import (
    DEFAULT_VIEW,
    FreshdeskContext,
    IncrementalStream,
    Record,
    ResourceGone,
    StreamUnavailable,
)
from source_freshdesk.streams.tickets import TICKET_VIEWS, Tickets

ARCHIVE_KEY = "archived"  # the state's key for the archive probes, and the mark on their rows
ARCHIVED_IDS = "archived_ticket_ids"  # the slice key of a batch of archive probes


class Conversations(SliceEstimates, IncrementalStream):
    """Conversations of every ticket updated since the saved state, a slice per batch of tickets.

    The state is the parent's cursor (`ticket_updated_at`): tickets come in updated_at order, so
    once a batch and every batch before it finished, every conversation of every ticket up to the
    batch's last ticket was emitted. Batches finish out of order; the ledger keeps the checkpoint
    behind the oldest batch still in flight.

    Archived tickets are in no list, so their conversations are found like archived_tickets finds
    the tickets: ids missing from every view are probed through
    tickets/archived/{id}/conversations (404: not archived), and their rows carry
    `"archived": true`. Only when archived_tickets is selected too, since each probe costs a
    credit. An archived ticket never changes, so its conversations are read once, when its id is
    first probed; the probe progress sits under the state's `archived` key, beside (and never
    moving) ticket_updated_at.
    """

    endpoint = "tickets/{ticket_id}/conversations"
    archived_endpoint = "tickets/archived/{ticket_id}/conversations"
    sorted_by_cursor = True
    gone_statuses = frozenset({403, 404})
    state_key = "ticket_updated_at"  # the parent's cursor, see above
    # Small batches keep every worker busy to the end and checkpoints close together.
    tickets_per_slice = 20

    def __init__(
        self,
        context: FreshdeskContext,
        stats: StreamStats | None = None,
        read_archive: bool = False,
    ) -> None:
        super().__init__(context, stats)
        self.read_archive = read_archive
        # Only ids and cursors are needed from the parent: no includes, so 1 credit per page.
        self.tickets = Tickets(context, stats=self.stats, includes=())
        self.progress = ConversationsProgress(self.name)
        self.estimate_client = EstimateClient(self)

    # State: {"ticket_updated_at": ..., "archived": {"probed_up_to": ..., "walked_at": ...}}.
    @property
    def state(self) -> MutableMapping[str, Any]:
        state = dict(super().state)
        if self._archive.committed:
            state[ARCHIVE_KEY] = dict(self._archive.committed)
        return state

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        value = value or {}
        IncrementalStream.state.fset(self, value)  # type: ignore[attr-defined]
        self._archive = ArchiveProbes(value.get(ARCHIVE_KEY))

    def slices(self) -> Iterable[StreamSlice]:
        since = self._tracker.value or self.config.start_date or EPOCH
        # Before the walk below, which may list the default view for the archive probes too.
        walk_started = walk_started_now()
        # Tickets whose conversations this read lists are never also probed in the archive.
        listed: set[int] = set()
        # The tickets the walk below will list, for the estimate (1 credit).
        self.progress.expect_tickets(search_total(self.estimate_client, "tickets", since))
        # Each full batch is handed out once the next one has begun, so the walk is known to
        # have ended before its last batch is read, and that read can give the final estimate.
        held: StreamSlice | None = None
        batch: list[Record] = []
        for ticket in self.tickets.walk(DEFAULT_VIEW, since):
            if self.read_archive and isinstance(ticket.get("id"), int):
                listed.add(ticket["id"])
            if held is not None:
                yield held
                held = None
            batch.append(ticket)
            if len(batch) == self.tickets_per_slice:
                self.progress.tickets_walked(len(batch))
                held, batch = self._slice(batch), []
        self.progress.tickets_walked(len(batch))
        self.progress.walk_finished()
        if held is not None:
            yield held
        if batch:
            yield self._slice(batch)
        if self.read_archive:
            yield from self._archive_slices(listed, since, walk_started)

    @staticmethod
    def _slice(tickets: list[Record]) -> StreamSlice:
        cursors = [c for c in (parse_datetime(t.get("updated_at")) for t in tickets) if c]
        return StreamSlice(
            partition={"ticket_ids": [ticket.get("id") for ticket in tickets]},
            cursor_slice={"ticket_updated_at": format_datetime(max(cursors)) if cursors else None},
        )

    def _archive_slices(
        self, listed: set[int], listed_since: datetime, walk_started: datetime
    ) -> Iterator[StreamSlice]:
        # They come last and cover no ticket_updated_at (slice_cursor None), so however they
        # end, the parent cursor moves exactly as it would without them.
        probes = self._archive
        since = probes.walk_since()
        # The walk of the default view above, from `listed_since`, may already have listed it from
        # where this one would start (on a first sync, from the beginning): then only the deleted
        # and spam views are left.
        views: tuple[str, ...] = TICKET_VIEWS
        if listed_since <= since:
            views = tuple(view for view in TICKET_VIEWS if view != DEFAULT_VIEW)
        try:
            listed |= self.tickets.listed_ids(since, views)
        except StreamUnavailable as unavailable:
            self.skip(unavailable, part="the archived tickets' conversations of stream")
            return
        cap = self.config.archived_tickets_max_probes
        for chunk in probes.plan(listed, walk_started, cap, self.warn_archive):
            yield StreamSlice(partition={ARCHIVED_IDS: chunk}, cursor_slice={})

    def warn_archive(self, message: str) -> None:
        self.logger.warning(f"{self.name} of archived tickets: {message}")

    def slice_cursor(self, stream_slice: StreamSlice) -> datetime | None:
        return parse_datetime(stream_slice.cursor_slice.get("ticket_updated_at"))

    def record_emitted(self, record: Record, stream_slice: Mapping[str, Any] | None) -> None:
        # A conversation's own updated_at says nothing about the parent cursor: only finished
        # slices move it (finish_slice).
        self.stats.count_record()

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[Record]:
        # Every conversation of a visited ticket is emitted, old ones included: after an
        # interrupted sync the saved cursor is only where the walk stopped, so tickets past it
        # may hold conversations older than the cursor that no sync has emitted yet.
        if ARCHIVED_IDS in stream_slice:
            yield from self._archived_conversations(stream_slice[ARCHIVED_IDS])
        else:
            for ticket_id in stream_slice.get("ticket_ids", []):
                yield from self._conversations_of(ticket_id)
        self.finish_slice(stream_slice)

    def estimate_after(self, stream_slice: Mapping[str, Any], rows: int) -> AirbyteMessage | None:
        if ARCHIVED_IDS in stream_slice:
            self.progress.other_rows_read(rows)
            return None
        return self.progress.batch_read(len(stream_slice.get("ticket_ids", [])), rows)

    def _conversations_of(self, ticket_id: Any) -> Iterator[Record]:
        try:
            for fetched in self.pages(self.endpoint.format(ticket_id=ticket_id), {}):
                yield from fetched.records
        except ResourceGone:
            # Deleted or spammed since the tickets list was read.
            self.stats.count_skipped_child()

    def _archived_conversations(self, ticket_ids: list[int]) -> Iterator[Record]:
        probes = self._archive
        for ticket_id in ticket_ids:
            if probes.refused is not None:
                return  # another slice learnt the plan has no archive: spend no more credits
            try:
                for fetched in self.pages(self.archived_endpoint.format(ticket_id=ticket_id), {}):
                    for record in fetched.records:
                        yield {**record, ARCHIVE_KEY: True}
            except ResourceGone as gone:
                if gone.status == 404:
                    continue  # the id is no archived ticket
                # A 403: the plan has no Archive Tickets feature, or the key may not read it.
                unavailable = StreamUnavailable(f"Freshdesk answered 403 ({gone.detail})")
                probes.refuse(unavailable)
                self.skip(unavailable, part="the archived tickets' conversations of stream")
                return
        probes.finish_slice()

    def finish_read(self) -> None:
        self._archive.commit()
        super().finish_read()
