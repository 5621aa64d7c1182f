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


# -- archived tickets' conversations, in the conversations stream ---------------------------------

BOTH = ["archived_tickets", "conversations"]
CONVERSATION_PROBE_PATH = "/api/v2/tickets/archived/{id}/conversations"


def conversation_probes(sandbox: Any) -> int:
    return sandbox.stats()["by_path"].get(CONVERSATION_PROBE_PATH, 0)


def archived_conversations(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r.get("archived")]


def conversations_state(output: Any) -> dict[str, Any]:
    return output.state_messages("conversations")[-1]["stream"]["stream_state"]


def newest_listed_ticket_update(sandbox: Any) -> str:
    return max(t["updated_at"] for t in sandbox.records("tickets"))


def test_archived_tickets_conversations_are_read_once_marked_then_only_newly_archived_ones(
    sandbox_with,
) -> None:
    sandbox = sandbox_with(**SMALL)
    truth = archived_conversations(sandbox.records("conversations"))
    assert truth, "the archived tickets have no conversations, so this test would prove nothing"

    first = sync(sandbox, BOTH)

    assert first.returncode == 0 and not first.errors()
    emitted = first.records("conversations")
    # Every conversation once: the listed tickets' ones unmarked, the archived ones marked.
    assert sorted(ids(emitted)) == sorted(ids(sandbox.records("conversations")))
    assert sorted(ids(archived_conversations(emitted))) == sorted(ids(truth))
    archived_ids = set(ids(sandbox.records("archived_tickets")))
    assert all(c["archived"] is True for c in emitted if c["ticket_id"] in archived_ids)
    assert all("archived" not in c for c in emitted if c["ticket_id"] not in archived_ids)
    assert conversation_probes(sandbox) == listed_gaps(sandbox)
    state = conversations_state(first)
    # The archived rows' tickets are older than the listed ones: the parent cursor ignores them.
    assert state["ticket_updated_at"] == newest_listed_ticket_update(sandbox)
    assert state["archived"]["probed_up_to"] == max(sandbox.store.data.tickets)

    created = [sandbox.create_ticket(subject=f"new {n}") for n in range(3)]
    reply = sandbox.add_conversation(created[1]["id"], body="<p>Closing this.</p>")
    sandbox.store.data.tickets[created[1]["id"]].archived = True
    sandbox.store._changed()
    sandbox.reset_stats()

    second = sync(sandbox, BOTH, state=first.final_states())

    assert second.returncode == 0 and not second.errors()
    assert ids(archived_conversations(second.records("conversations"))) == [reply["id"]]
    assert conversation_probes(sandbox) == 1
    state = conversations_state(second)
    assert state["ticket_updated_at"] == newest_listed_ticket_update(sandbox)
    assert state["archived"]["probed_up_to"] == created[-1]["id"]


def test_conversations_without_archived_tickets_probe_nothing(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)

    output = sync(sandbox, ["conversations"])

    assert output.returncode == 0 and not output.errors()
    assert conversation_probes(sandbox) == probes(sandbox) == 0
    listed = [c for c in sandbox.records("conversations") if not c.get("archived")]
    assert sorted(ids(output.records("conversations"))) == sorted(ids(listed))
    assert "archived" not in conversations_state(output)


def test_a_sync_failing_in_the_archive_commits_no_probes_and_the_next_reads_them_all(
    sandbox_with,
) -> None:
    sandbox = sandbox_with(**SMALL)
    truth = ids(archived_conversations(sandbox.records("conversations")))
    # A 400 is not retried. One worker reads conversations (read first) before archived_tickets
    # starts, so the first archive request, and the failure, are conversations' own.
    sandbox.inject_errors(path_prefix="/api/v2/tickets/archived/", statuses=[400])

    failed = sync(sandbox, BOTH, num_workers=1)

    failing = {e.get("stream_descriptor", {}).get("name") for e in failed.errors()}
    assert "conversations" in failing and "archived_tickets" not in failing
    assert "archived" not in conversations_state(failed)

    rerun = sync(sandbox, BOTH, state=failed.final_states())

    assert rerun.returncode == 0 and not rerun.errors()
    assert sorted(ids(archived_conversations(rerun.records("conversations")))) == sorted(truth)


def test_a_plan_without_the_archive_skips_it_after_one_probe_each_keeping_listed_conversations(
    sandbox_with,
) -> None:
    sandbox = sandbox_with(**SMALL, disabled_features={"archive_tickets"})

    output = sync(sandbox, BOTH)

    assert output.returncode == 0 and not output.errors()
    assert output.records("archived_tickets") == []
    summaries = output.summaries()
    assert "require_feature" in summaries["archived_tickets"]["skipped"]
    assert "require_feature" in summaries["conversations"]["skipped"]
    assert probes(sandbox) == conversation_probes(sandbox) == 1
    # Nothing was probed, so nothing is remembered as probed.
    assert output.state_messages("archived_tickets")[-1]["stream"]["stream_state"] == {}
    listed = [c for c in sandbox.records("conversations") if not c.get("archived")]
    assert sorted(ids(output.records("conversations"))) == sorted(ids(listed))
    state = conversations_state(output)
    assert "archived" not in state
    assert state["ticket_updated_at"] == newest_listed_ticket_update(sandbox)
