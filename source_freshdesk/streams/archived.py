"""Archived tickets: closed tickets that left every list after months without activity.

No list reaches them, but ticket ids are allocated in sequence: the ids missing from what the
`/tickets` views return are the candidates, each read through `tickets/archived/{id}` (1 credit;
404 when the id is no archived ticket). The state remembers how far ids were probed and when the
views were walked, so the next sync walks only tickets updated since and probes only new gaps.
Their conversations go to the `conversations` stream, which probes the same way (conversations.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime, timedelta, timezone
from typing import Any

from airbyte_cdk.sources.types import StreamSlice

from connector_common.stats import StreamStats
from source_freshdesk.state import EPOCH, format_datetime, parse_datetime
from source_freshdesk.streams.base import (
    FreshdeskContext,
    IncrementalStream,
    Record,
    ResourceGone,
    StreamUnavailable,
)
from source_freshdesk.streams.tickets import Tickets

PROBES_PER_SLICE = 25
WALK_MARGIN = timedelta(hours=1)


class ArchiveProbes:
    """Which ticket ids one read probes in the archive, and the progress it commits at the end.

    State: {"probed_up_to": <highest id covered>, "walked_at": <when the views were walked>}.
    archived_tickets probes tickets/archived/{id}, conversations (when archived_tickets is
    selected too) probes tickets/archived/{id}/conversations; each keeps its own progress, so
    either can fall behind or be selected later without the other losing anything.

    The progress commits only once every probe slice finished and the plan never refused: a sync
    killed midway probes the same ids again next time (re-emitting, never losing, their rows).
    Thread-safe: probe slices run on many workers.
    """

    def __init__(self, saved: Mapping[str, Any] | None) -> None:
        saved = saved if isinstance(saved, Mapping) else {}
        self._lock = threading.Lock()
        self.committed: dict[str, Any] = {
            key: saved[key] for key in ("probed_up_to", "walked_at") if saved.get(key) is not None
        }
        self._target: dict[str, Any] | None = None
        self._open_slices = 0
        self.refused: StreamUnavailable | None = None

    def walk_since(self) -> datetime:
        """Where the walk of the ticket views starts: tickets above probed_up_to were created
        after the last walk began, so a walk since then lists them all; the first walks all."""
        walked_at = parse_datetime(self.committed.get("walked_at"))
        return walked_at if walked_at and self.committed.get("probed_up_to") else EPOCH

    def plan(
        self, listed: set[int], walk_started: datetime, cap: int, warn: Callable[[str], None]
    ) -> list[list[int]]:
        """The ids missing from `listed` above probed_up_to, at most `cap`, in probe slices."""
        probed_up_to = int(self.committed.get("probed_up_to") or 0)
        top = max(listed, default=probed_up_to)
        candidates = [i for i in range(probed_up_to + 1, top + 1) if i not in listed]
        capped = len(candidates) > cap
        if capped:
            warn(
                f"{len(candidates)} ids are missing from the ticket lists; probing the lowest "
                f"{cap} (archived_tickets_max_probes), the next sync goes on."
            )
            candidates = candidates[:cap]
        target = {
            "probed_up_to": candidates[-1] if capped and candidates else max(top, probed_up_to),
            # A capped sync keeps the old walk time: the ids it left are older than this walk.
            "walked_at": self.committed.get("walked_at")
            if capped
            else format_datetime(walk_started),
        }
        chunks = [
            candidates[i : i + PROBES_PER_SLICE]
            for i in range(0, len(candidates), PROBES_PER_SLICE)
        ]
        with self._lock:
            self._target = {k: v for k, v in target.items() if v is not None}
            self._open_slices = len(chunks)
        return chunks

    def finish_slice(self) -> None:
        with self._lock:
            self._open_slices -= 1

    def refuse(self, unavailable: StreamUnavailable) -> None:
        with self._lock:
            self.refused = self.refused or unavailable

    def commit(self) -> None:
        with self._lock:
            if self._target is not None and self._open_slices == 0 and self.refused is None:
                self.committed = self._target


def walk_started_now() -> datetime:
    """When a walk of the views starts, by our clock an hour early: a ticket created while we walk
    must fall after it on the API's clock too, whatever the skew between the two."""
    return datetime.now(timezone.utc) - WALK_MARGIN


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

    @property
    def state(self) -> MutableMapping[str, Any]:
        return dict(self._probes.committed)

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._probes = ArchiveProbes(value)

    def stream_slices(self, **_: Any) -> Iterable[StreamSlice]:
        return self.slices()

    def slices(self) -> Iterable[StreamSlice]:
        probes = self._probes
        walk_started = walk_started_now()
        try:
            listed = self.tickets.listed_ids(probes.walk_since())
        except StreamUnavailable as unavailable:
            self.skip(unavailable)
            return
        cap = self.config.archived_tickets_max_probes
        for chunk in probes.plan(listed, walk_started, cap, self.warn):
            yield StreamSlice(partition={"ticket_ids": chunk}, cursor_slice={})

    def warn(self, message: str) -> None:
        self.logger.warning(f"{self.name}: {message}")

    def read_slice(self, stream_slice: Mapping[str, Any]) -> Iterable[Record]:
        probes = self._probes
        for ticket_id in stream_slice.get("ticket_ids", []):
            if probes.refused is not None:
                return  # another slice learnt the plan has no archive: spend no more credits
            try:
                yield from self._archived(ticket_id)
            except StreamUnavailable as unavailable:
                probes.refuse(unavailable)
                self.skip(unavailable)
                return
        probes.finish_slice()

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
        self._probes.commit()
        self.logger.info(self.stats.summary())
