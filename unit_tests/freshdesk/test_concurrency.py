"""Concurrent reads: slices finishing out of order, checkpoints that never run ahead of records."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from source_freshdesk import SourceFreshdesk
from source_freshdesk.config import FreshdeskConfig
from source_freshdesk.state import SliceLedger
from source_freshdesk.streams.conversations import Conversations
from unit_tests.freshdesk.conftest import (
    BASE,
    final_state,
    make_config,
    record,
    records_of,
    run_read,
)
from unit_tests.freshdesk.test_tickets import fake_tickets_api, stamp, ticket

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_ledger_checkpoints_only_the_finished_prefix_when_slices_finish_out_of_order() -> None:
    ledger = SliceLedger()
    first, second, third = (ledger.open(at(n)) for n in (10, 20, 30))
    ledger.close_handing_out()

    assert ledger.finish(third) is None  # 1 and 2 still in flight: nothing may be covered
    assert ledger.finish(first) == at(10)
    assert ledger.finish(second) == at(30)  # closing the gap releases the whole prefix
    assert ledger.complete


def test_ledger_is_incomplete_until_the_generator_ran_to_its_end() -> None:
    ledger = SliceLedger()
    ledger.finish(ledger.open())
    assert not ledger.complete  # more slices may still come
    ledger.close_handing_out()
    assert ledger.complete


def test_ledger_is_incomplete_while_any_slice_is_unfinished() -> None:
    ledger = SliceLedger()
    ledger.open()
    ledger.finish(ledger.open())
    ledger.close_handing_out()
    assert not ledger.complete


@pytest.mark.parametrize("name", ["companies", "tickets"])
def test_a_stream_refuses_a_new_state_once_its_slices_are_handed_out(name: str) -> None:
    # A state set mid-read would drop the in-flight slices from the ledger, so a checkpoint
    # could cover one of them; the starting state goes in before the read (StreamCheckpoints).
    settings = FreshdeskConfig.from_mapping(make_config())
    stream = {s.name: s for s in SourceFreshdesk().endpoint_streams(settings)}[name]
    stream.state = {"updated_at": "2024-01-01T00:00:00Z"}
    next(iter(stream.stream_slices()))
    with pytest.raises(RuntimeError, match="state was set after the read handed out slices"):
        stream.state = {}


def test_ledger_numbers_slices_uniquely_across_threads() -> None:
    ledger = SliceLedger()
    numbers: list[int] = []
    lock = threading.Lock()

    def open_many() -> None:
        for _ in range(500):
            number = ledger.open()
            with lock:
                numbers.append(number)

    threads = [threading.Thread(target=open_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(2000))


def test_conversations_checkpoint_stays_behind_a_slow_early_slice(
    api, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = [ticket(n, n) for n in range(1, 101)]
    fake_tickets_api(api, tickets)
    api.get(
        requests_matcher("conversations"),
        json=lambda request, context: [record(ticket_of(request) * 10, stamp(ticket_of(request)))],
    )
    # The hold-up sits in the stream, not in the mocked API: requests-mock answers one request at
    # a time under a global lock, so a callback that waited would stall every worker.
    later_slice_written = threading.Event()
    read_slice = Conversations.read_slice

    def first_slice_waits_for_the_second(
        stream: Conversations, stream_slice: Mapping[str, Any]
    ) -> Iterator[Any]:
        for conversation in read_slice(stream, stream_slice):
            ticket_id = conversation["id"] // 10
            if ticket_id == 20:  # the first slice's last ticket, however busy the machine
                later_slice_written.wait(timeout=30)
            yield conversation
            if ticket_id == 21:  # resumed only once the record was handed on
                later_slice_written.set()

    monkeypatch.setattr(Conversations, "read_slice", first_slice_waits_for_the_second)

    output = run_read(["conversations"], config=make_config(num_workers=6))

    emitted_before: dict[int, set[int]] = {}
    seen: set[int] = set()
    for message in output.records_and_state_messages:  # in the order they were written
        if message.record is not None:
            seen.add(message.record.data["id"] // 10)
        elif message.state is not None:
            cursor = message.state.stream.stream_state.__dict__.get("ticket_updated_at")
            if cursor:
                covered = (datetime.fromisoformat(cursor.replace("Z", "+00:00")) - T0).seconds
                emitted_before[covered] = set(seen)
    order = [r["id"] // 10 for r in records_of(output, "conversations")]
    assert order.index(21) < order.index(20)  # later slices really did finish first
    # Every checkpoint covers only tickets whose conversations were already written.
    for covered, written in emitted_before.items():
        assert set(range(1, covered + 1)) <= written
    assert sorted(r["id"] // 10 for r in records_of(output, "conversations")) == list(range(1, 101))
    assert final_state(output, "conversations") == {"ticket_updated_at": stamp(100)}


def ticket_of(request: Any) -> int:
    return int(request.path.split("/")[-2])


def requests_matcher(child: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(BASE)}tickets/\d+/{child}")
