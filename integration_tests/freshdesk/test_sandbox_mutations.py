"""Mutations between syncs: every change moves updated_at strictly forward and shows in the API."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.freshdesk_sandbox.clock import parse_api_datetime
from integration_tests.freshdesk_sandbox.testing import session_for, walk

NOW = dt.datetime(2026, 1, 15, 12, 0, 0, tzinfo=dt.timezone.utc)


@pytest.fixture()
def sandbox():
    settings = SandboxSettings(
        now=NOW,
        ticket_count=120,
        deleted_ticket_count=3,
        spam_ticket_count=2,
        contact_count=60,
        company_count=8,
        satisfaction_rating_count=40,
        time_entry_count=40,
    )
    with FreshdeskSandbox(settings) as running:
        yield running


def latest(records: list[dict]) -> int:
    return max(parse_api_datetime(r["updated_at"]) for r in records)


def visible_ticket(sandbox) -> dict:
    return next(t for t in sandbox.records("tickets") if not t.get("deleted") and not t["spam"])


def list_ids(sandbox, path: str, **params) -> set[int]:
    records, _ = walk(
        session_for(sandbox), f"{sandbox.base_url}/api/v2/{path}", {"per_page": 100, **params}
    )
    return {r["id"] for r in records}


def test_update_ticket_moves_updated_at_past_every_ticket(sandbox):
    before = latest(sandbox.records("tickets"))
    ticket = visible_ticket(sandbox)
    updated = sandbox.update_ticket(ticket["id"], status=5, subject="Changed ✓")
    assert parse_api_datetime(updated["updated_at"]) > before
    assert updated["created_at"] == ticket["created_at"]
    since = updated["updated_at"]
    assert list_ids(sandbox, "tickets", updated_since=since) == {ticket["id"]}
    truth = next(t for t in sandbox.records("tickets") if t["id"] == ticket["id"])
    assert truth["subject"] == "Changed ✓" and truth["status"] == 5


def test_consecutive_mutations_get_strictly_increasing_stamps(sandbox):
    ticket = visible_ticket(sandbox)
    stamps = [sandbox.update_ticket(ticket["id"], priority=p)["updated_at"] for p in (1, 2, 3)]
    assert stamps == sorted(set(stamps))


def test_explicit_updated_at_is_honoured_for_same_second_scenarios(sandbox):
    ticket = visible_ticket(sandbox)
    stamp = sandbox.records("tickets")[-1]["updated_at"]
    assert sandbox.update_ticket(ticket["id"], updated_at=stamp)["updated_at"] == stamp


def test_create_ticket_appears_in_the_default_30_day_list(sandbox):
    count = len(sandbox.records("tickets"))
    created = sandbox.create_ticket(subject="Brand new")
    assert created["id"] > count
    assert created["created_at"] == created["updated_at"]
    assert created["id"] in list_ids(sandbox, "tickets")
    assert len(sandbox.records("tickets")) == count + 1


def test_add_conversation_bumps_the_ticket_and_shows_in_the_child_list(sandbox):
    ticket = visible_ticket(sandbox)
    before = latest(sandbox.records("tickets"))
    conversation = sandbox.add_conversation(ticket["id"], body="<div>late reply</div>")
    assert parse_api_datetime(conversation["updated_at"]) > before
    truth = next(t for t in sandbox.records("tickets") if t["id"] == ticket["id"])
    assert truth["updated_at"] == conversation["updated_at"]
    assert conversation["id"] in list_ids(sandbox, f"tickets/{ticket['id']}/conversations")
    assert conversation["id"] in {c["id"] for c in sandbox.records("conversations")}


@pytest.mark.parametrize(("action", "flag"), [("delete_ticket", "deleted"), ("mark_spam", "spam")])
def test_deleting_or_spamming_moves_the_ticket_to_its_filter(sandbox, action, flag):
    ticket = visible_ticket(sandbox)
    result = getattr(sandbox, action)(ticket["id"])
    assert result[flag] is True
    old = "2000-01-01T00:00:00Z"
    assert ticket["id"] not in list_ids(sandbox, "tickets", updated_since=old)
    assert ticket["id"] in list_ids(
        sandbox, "tickets", updated_since=result["updated_at"], filter=flag
    )
    response = session_for(sandbox).get(
        f"{sandbox.base_url}/api/v2/tickets/{ticket['id']}/conversations"
    )
    assert response.status_code == 403
    assert ticket["id"] not in {c["ticket_id"] for c in sandbox.records("conversations")}


def test_update_contact_is_seen_by_both_since_spellings(sandbox):
    contacts = sandbox.store.listed_contacts()
    updated = sandbox.update_contact(contacts[0]["id"], job_title="CTO")
    assert parse_api_datetime(updated["updated_at"]) > latest(contacts)
    for name in ("updated_since", "_updated_since"):
        assert list_ids(sandbox, "contacts", **{name: updated["updated_at"]}) == {updated["id"]}


def test_blocking_a_contact_hides_it_from_the_default_list(sandbox):
    contact = sandbox.store.listed_contacts()[0]
    sandbox.update_contact(contact["id"], state="blocked")
    assert contact["id"] not in list_ids(sandbox, "contacts")
    assert contact["id"] in list_ids(sandbox, "contacts", state="blocked")
    assert contact["id"] not in {c["id"] for c in sandbox.store.listed_contacts()}


def test_update_company_is_seen_by_updated_since(sandbox):
    companies = sandbox.records("companies")
    updated = sandbox.update_company(companies[3]["id"], note="renewed")
    assert parse_api_datetime(updated["updated_at"]) > latest(companies)
    assert list_ids(sandbox, "companies", updated_since=updated["updated_at"]) == {updated["id"]}


def test_rating_update_moves_updated_at_but_not_created_at(sandbox):
    ratings = sandbox.records("satisfaction_ratings")
    rating = ratings[0]
    updated = sandbox.update_satisfaction_rating(rating["id"], feedback="changed my mind")
    assert updated["created_at"] == rating["created_at"]
    assert parse_api_datetime(updated["updated_at"]) > latest(ratings)
    # created_since cannot see the edit: only a lookback window would.
    recent = list_ids(sandbox, "surveys/satisfaction_ratings", created_since=updated["updated_at"])
    assert rating["id"] not in recent


def test_update_time_entry(sandbox):
    entries = sandbox.records("time_entries")
    updated = sandbox.update_time_entry(entries[1]["id"], note="more work", timer_running=False)
    assert parse_api_datetime(updated["updated_at"]) > latest(entries)
    assert updated["executed_at"] == entries[1]["executed_at"]


def test_update_record_keeps_the_resources_offset_format(sandbox):
    groups = sandbox.records("groups")
    updated = sandbox.update_record("groups", groups[0]["id"], name="Renamed")
    assert updated["updated_at"].endswith("+05:30")
    assert parse_api_datetime(updated["updated_at"]) > latest(groups)
    assert sandbox.records("groups")[0]["name"] == "Renamed"


def test_records_without_a_cursor_can_still_change(sandbox):
    # Scenario automations carry no timestamps at all (SLA policies do, though not as a cursor).
    scenario = sandbox.records("scenario_automations")[0]
    updated = sandbox.update_record("scenario_automations", scenario["id"], name="Gold")
    assert updated["name"] == "Gold" and "updated_at" not in updated


def test_mutating_an_unknown_record_raises_key_error(sandbox):
    with pytest.raises(KeyError):
        sandbox.update_ticket(10**9, status=2)
    with pytest.raises(KeyError):
        sandbox.update_record("companies", 1, name="x")


def test_ticket_updated_mid_walk_moves_to_the_end_of_an_updated_at_walk(sandbox):
    old = "2000-01-01T00:00:00Z"
    params = {"updated_since": old, "order_by": "updated_at", "order_type": "asc", "per_page": 30}
    first_page = session_for(sandbox).get(f"{sandbox.base_url}/api/v2/tickets", params=params)
    moved = first_page.json()[3]["id"]
    sandbox.schedule_mutation(
        "update_ticket",
        after_requests=1,
        path_prefix="/api/v2/tickets",
        ticket_id=moved,
        subject="x",
    )
    records, _ = walk(session_for(sandbox), f"{sandbox.base_url}/api/v2/tickets", params)
    seen = [r["id"] for r in records]
    assert seen.count(moved) == 2 and seen[-1] == moved
    assert records[-1]["subject"] == "x"
    assert sandbox.scheduled_errors == []


def test_contact_renamed_mid_walk_shifts_an_unread_contact_onto_a_read_page(sandbox):
    contacts = sandbox.store.listed_contacts()
    late = contacts[-1]  # alphabetically last
    sandbox.schedule_mutation(
        "update_contact",
        after_requests=1,
        path_prefix="/api/v2/contacts",
        contact_id=late["id"],
        name="AAAA first now",
    )
    records, _ = walk(session_for(sandbox), f"{sandbox.base_url}/api/v2/contacts", {"per_page": 20})
    unique = {r["id"] for r in records}
    # Offset pagination over a non-cursor order loses one contact when a row jumps backwards.
    assert len(unique) == len(contacts) - 1


def test_scheduled_mutation_can_be_set_over_http(sandbox):
    ticket = visible_ticket(sandbox)
    control = requests.post(
        f"{sandbox.base_url}/_sandbox/schedule_mutation",
        json={"mutation": "mark_spam", "after_requests": 2, "ticket_id": ticket["id"]},
        timeout=5,
    )
    assert control.status_code == 200
    session = session_for(sandbox)
    for _ in range(2):
        assert session.get(f"{sandbox.base_url}/api/v2/products").status_code == 200
    spam = next(t for t in sandbox.records("tickets") if t["id"] == ticket["id"])
    assert spam["spam"] is True
    with pytest.raises(ValueError):
        sandbox.schedule_mutation("drop_database")


def test_updating_a_ticket_leaves_its_existing_conversations_unchanged(sandbox):
    conversations = sandbox.records("conversations")
    ticket_id = conversations[0]["ticket_id"]
    before = [c for c in conversations if c["ticket_id"] == ticket_id]
    sandbox.update_ticket(ticket_id, status=4)
    served, _ = walk(
        session_for(sandbox), f"{sandbox.base_url}/api/v2/tickets/{ticket_id}/conversations"
    )
    assert served == before
    assert [c for c in sandbox.records("conversations") if c["ticket_id"] == ticket_id] == before
