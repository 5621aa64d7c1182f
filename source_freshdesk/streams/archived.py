"""Archived tickets: closed tickets that left every list after months without activity.

No list reaches them, but ticket ids are allocated in sequence: the ids missing from what the
`/tickets` views return are the candidates, each read through `tickets/archived/{id}` (1 credit;
404 when the id is no archived ticket). The state remembers how far ids were probed and when the
views were walked, so the next sync walks only tickets updated since and probes only new gaps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime, timedelta, timezone
from typing import Any

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.types import StreamSlice

from connector_common.stats import StreamStats
from source_freshdesk.state import format_datetime, parse_datetime
from source_freshdesk.streams.base import (
    FreshdeskContext,
    IncrementalStream,
    Record,
    ResourceGone,
    StreamUnavailable,
)
from source_freshdesk.streams.tickets import TICKET_VIEWS, Tickets

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
PROBES_PER_SLICE = 25
WALK_MARGIN = timedelta(hours=1)


class ProbeProgress:
    """What this read will commit once every probe slice finished, and whether the plan refused."""

    def __init__(self, committed: Mapping[str, Any]) -> None:
        self._lock = threading.Lock()
        self.committed: dict[str, Any] = dict(committed)
        self.target: dict[str, Any] | None = None
        self.open_slices = 0
        self.refused: StreamUnavailable | None = None

    def plan(self, target: dict[str, Any], slices: int) -> None:
        with self._lock:
            self.target, self.open_slices = target, slices

    def finish_slice(self) -> None:
        with self._lock:
            self.open_slices -= 1

    def refuse(self, unavailable: StreamUnavailable) -> None:
        with self._lock:
            self.refused = self.refused or unavailable

    def commit(self) -> None:
        with self._lock:
            if self.target is not None and self.open_slices == 0 and self.refused is None:
                self.committed = self.target


class ArchivedTickets(IncrementalStream):
    endpoint = "tickets/archived/{ticket_id}"
    # The state is probe progress, not a record cursor; `id` is what it counts up.
    cursor_field = "id"
    paginated = False
    gone_statuses = frozenset({404})  # the id is no archived ticket (never was, or deleted)

    def __init__(self, context: FreshdeskContext, stats: StreamStats | None = None) -> None:
        super().__init__(context, stats)
        # Only ids are needed from the views: no includes, so 1 credit per 100 tickets.
        self.tickets = Tickets(context, stats=self.stats, includes=())

    # State: {"probed_up_to": <highest id covered>, "walked_at": <when the views were walked>}.
    @property
    def state(self) -> MutableMapping[str, Any]:
        return dict(self._progress.committed)

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        value = value or {}
        committed = {k: value[k] for k in ("probed_up_to", "walked_at") if value.get(k) is not None}
        self._progress = ProbeProgress(committed)

    def stream_slices(self, **_: Any) -> Iterable[StreamSlice]:
        return self.slices()

    def slices(self) -> Iterable[StreamSlice]:
        progress = self._progress
        probed_up_to = int(progress.committed.get("probed_up_to") or 0)
        walked_at = parse_datetime(progress.committed.get("walked_at"))
        # Tickets above probed_up_to were created after the last walk began, so a walk since
        # then lists them all; the first sync walks everything.
        since = walked_at if walked_at and probed_up_to else EPOCH
        listed: set[int] = set()
        # Our clock, an hour early: a ticket created while we walk must fall after it on the
        # API's clock too, whatever the skew between the two.
        walk_started = datetime.now(timezone.utc) - WALK_MARGIN
        try:
            for view in TICKET_VIEWS:
                for ticket in self.tickets.walk(view, since):
                    if isinstance(ticket.get("id"), int):
                        listed.add(ticket["id"])
        except StreamUnavailable as unavailable:
            self.skip(unavailable)
            return
        top = max(listed, default=probed_up_to)
        candidates = [i for i in range(probed_up_to + 1, top + 1) if i not in listed]
        cap = self.config.archived_tickets_max_probes
        capped = len(candidates) > cap
        if capped:
            self.logger.warning(
                f"archived_tickets: {len(candidates)} ids are missing from the ticket lists; "
                f"probing the lowest {cap} (archived_tickets_max_probes), the next sync goes on."
            )
            candidates = candidates[:cap]
        target = {
            "probed_up_to": candidates[-1] if capped and candidates else max(top, probed_up_to),
            # A capped sync keeps the old walk time: the ids it left are older than this walk.
            "walked_at": progress.committed.get("walked_at")
            if capped
            else format_datetime(walk_started),
        }
        chunks = [
            candidates[i : i + PROBES_PER_SLICE]
            for i in range(0, len(candidates), PROBES_PER_SLICE)
        ]
        progress.plan({k: v for k, v in target.items() if v is not None}, len(chunks))
        for chunk in chunks:
            yield StreamSlice(partition={"ticket_ids": chunk}, cursor_slice={})

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Record]:
        progress = self._progress
        for ticket_id in (stream_slice or {}).get("ticket_ids", []):
            if progress.refused is not None:
                return  # another slice learnt the plan has no archive: spend no more credits
            try:
                yield from self._archived(ticket_id)
            except StreamUnavailable as unavailable:
                progress.refuse(unavailable)
                self.skip(unavailable)
                return
        progress.finish_slice()

    def _archived(self, ticket_id: int) -> Iterator[Record]:
        try:
            page = self.fetch_page(self.endpoint.format(ticket_id=ticket_id), {})
        except ResourceGone:
            return
        for record in page.records:
            yield {**record, "archived": True}

    def record_emitted(self, record: Record, stream_slice: Mapping[str, Any] | None) -> None:
        self.stats.count_record()

    def finish_read(self) -> None:
        self._progress.commit()
        self.logger.info(self.stats.summary())
