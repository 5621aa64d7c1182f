"""Contacts with their blocked and deleted views against the sandbox, each view with its own cursor,
so a contact being blocked or deleted reaches the destination."""

from __future__ import annotations

from integration_tests.freshdesk.conftest import ids, sync

SMALL = {"ticket_count": 30, "contact_count": 60, "blocked_contact_count": 4}


def test_full_sync_reads_listed_blocked_and_deleted_contacts_once_each(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)

    output = sync(sandbox, ["contacts"])

    assert output.returncode == 0 and not output.errors()
    emitted = ids(output.records("contacts"))
    assert len(emitted) == len(set(emitted))
    assert sorted(emitted) == sorted(ids(sandbox.records("contacts")))
    deleted = [c for c in output.records("contacts") if c.get("deleted")]
    assert len(deleted) == sandbox.settings.deleted_contact_count
    state = output.state_messages("contacts")[-1]["stream"]["stream_state"]
    assert {"updated_at", "blocked", "deleted"} <= state.keys()
    assert set(state["deleted"]) == {"updated_at"}


def test_a_contact_deleted_or_blocked_between_syncs_comes_through_its_view(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)
    first = sync(sandbox, ["contacts"])
    assert first.returncode == 0
    listed = sandbox.store.listed_contacts()
    deleted = sandbox.update_contact(listed[0]["id"], state="deleted")
    blocked = sandbox.update_contact(listed[1]["id"], state="blocked")

    second = sync(sandbox, ["contacts"], state=first.final_states())

    assert second.returncode == 0 and not second.errors()
    by_id = {c["id"]: c for c in second.records("contacts")}
    assert by_id[deleted["id"]].get("deleted") is True
    assert blocked["id"] in by_id
    # Only the changed contacts and those sharing a saved cursor's second come again.
    assert len(by_id) < len(first.records("contacts")) // 4
