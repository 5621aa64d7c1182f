"""archived_tickets against the sandbox: ids missing from every ticket view are probed through
tickets/archived/{id}, once; later syncs probe only new gaps; a cap bounds the credits; plans
without the archive skip it."""

from __future__ import annotations

from typing import Any

from integration_tests.freshdesk.conftest import ids, sync

STREAM = ["archived_tickets"]
SMALL = {"ticket_count": 60, "contact_count": 20, "archived_ticket_count": 5}
PROBE_PATH = "/api/v2/tickets/archived/{id}"


def probes(sandbox: Any) -> int:
    return sandbox.stats()["by_path"].get(PROBE_PATH, 0)


def listed_gaps(sandbox: Any) -> int:
    listed = {t["id"] for t in sandbox.records("tickets")}
    return len(set(range(1, max(listed) + 1)) - listed)


def test_full_sync_reads_every_archived_ticket_probing_each_gap_once(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)

    output = sync(sandbox, STREAM)

    assert output.returncode == 0 and not output.errors()
    emitted = output.records("archived_tickets")
    assert sorted(ids(emitted)) == sorted(ids(sandbox.records("archived_tickets")))
    assert len(emitted) == 5 and all(t["archived"] for t in emitted)
    assert probes(sandbox) == listed_gaps(sandbox) == 5
    state = output.state_messages("archived_tickets")[-1]["stream"]["stream_state"]
    assert state["probed_up_to"] == max(sandbox.store.data.tickets)


def test_second_sync_probes_only_ids_above_the_saved_ones(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)
    first = sync(sandbox, STREAM)
    assert first.returncode == 0
    created = [sandbox.create_ticket(subject=f"new {n}") for n in range(3)]
    # The middle one drops out of the lists as if archived (ids are allocated in sequence).
    sandbox.store.data.tickets[created[1]["id"]].archived = True
    sandbox.store._changed()
    sandbox.reset_stats()

    second = sync(sandbox, STREAM, state=first.final_states())

    assert second.returncode == 0 and not second.errors()
    assert ids(second.records("archived_tickets")) == [created[1]["id"]]
    assert probes(sandbox) == 1


def test_the_cap_bounds_probes_and_the_next_sync_goes_on_where_it_stopped(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)
    capped = sync(sandbox, STREAM, archived_tickets_max_probes=2)
    assert capped.returncode == 0 and not capped.errors()
    assert probes(sandbox) == 2 and len(capped.records("archived_tickets")) == 2
    sandbox.reset_stats()

    rest = sync(sandbox, STREAM, state=capped.final_states())

    assert rest.returncode == 0 and not rest.errors()
    assert probes(sandbox) == 3
    both = ids(capped.records("archived_tickets")) + ids(rest.records("archived_tickets"))
    assert sorted(both) == sorted(ids(sandbox.records("archived_tickets")))


def test_a_plan_without_the_archive_skips_the_stream_after_one_probe(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL, disabled_features={"archive_tickets"})

    output = sync(sandbox, STREAM)

    assert output.returncode == 0 and not output.errors()
    assert output.records("archived_tickets") == []
    assert "require_feature" in output.summaries()["archived_tickets"]["skipped"]
    assert probes(sandbox) == 1
    # Nothing was probed, so nothing is remembered as probed.
    assert output.state_messages("archived_tickets")[-1]["stream"]["stream_state"] == {}
