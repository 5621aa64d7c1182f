"""Ticket list semantics of the Freshdesk sandbox: window, filters, ordering, includes, children."""

from __future__ import annotations

import datetime as dt

import pytest

from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.freshdesk_sandbox.data import BIG_COMPANY_ID
from integration_tests.freshdesk_sandbox.testing import session_for, walk

NOW = dt.datetime(2026, 1, 15, 12, 0, 0, tzinfo=dt.timezone.utc)
SINCE = "2000-01-01T00:00:00Z"
ORDER_FIELDS = ["created_at", "updated_at", "due_by", "status"]
REQUESTER_KEYS = {"email", "id", "mobile", "name", "phone"}
STATS_KEYS = {
    "agent_responded_at",
    "requester_responded_at",
    "first_responded_at",
    "status_updated_at",
    "reopened_at",
    "resolved_at",
    "closed_at",
    "pending_since",
}


def ticket_settings(**overrides) -> SandboxSettings:
    defaults = dict(
        now=NOW,
        ticket_count=400,
        deleted_ticket_count=12,
        spam_ticket_count=7,
        identical_updated_at_tickets=150,
        archived_ticket_count=5,
        contact_count=80,
        company_count=12,
        time_entry_count=60,
        satisfaction_rating_count=30,
    )
    defaults.update(overrides)
    return SandboxSettings(**defaults)


@pytest.fixture(scope="module")
def sandbox():
    with FreshdeskSandbox(ticket_settings()) as running:
        yield running


@pytest.fixture(scope="module")
def truth(sandbox):
    return sandbox.records("tickets")


@pytest.fixture()
def session(sandbox):
    return session_for(sandbox)


def visible(truth):
    return [t for t in truth if not t.get("deleted") and not t["spam"]]


def list_all(sandbox, session, **params):
    records, _ = walk(session, f"{sandbox.base_url}/api/v2/tickets", {"per_page": 100, **params})
    return records


def test_without_updated_since_only_tickets_created_in_last_30_days_newest_first(
    sandbox, session, truth
):
    cutoff = (NOW - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    expected = [t for t in visible(truth) if t["created_at"] >= cutoff]
    records = list_all(sandbox, session)
    assert 0 < len(records) < len(visible(truth))
    assert {r["id"] for r in records} == {t["id"] for t in expected}
    created = [r["created_at"] for r in records]
    assert created == sorted(created, reverse=True)


def test_updated_since_is_inclusive(sandbox, session, truth):
    pivot = sorted(visible(truth), key=lambda t: t["updated_at"])[len(truth) // 2]
    records = list_all(
        sandbox, session, updated_since=pivot["updated_at"], order_by="updated_at", order_type="asc"
    )
    assert records[0]["updated_at"] == pivot["updated_at"]
    assert pivot["id"] in {r["id"] for r in records}
    assert len(records) == sum(1 for t in visible(truth) if t["updated_at"] >= pivot["updated_at"])


def test_updated_since_without_order_params_sorts_created_at_desc(sandbox, session):
    records = list_all(sandbox, session, updated_since=SINCE)
    created = [r["created_at"] for r in records]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("order_type", ["asc", "desc"])
@pytest.mark.parametrize("order_by", ORDER_FIELDS)
def test_order_by_and_order_type_break_ties_by_id_ascending(
    sandbox, session, truth, order_by, order_type
):
    records = list_all(
        sandbox, session, updated_since=SINCE, order_by=order_by, order_type=order_type
    )
    assert len(records) == len(visible(truth))
    for earlier, later in zip(records, records[1:], strict=False):
        if earlier[order_by] == later[order_by]:
            assert earlier["id"] < later["id"]
        elif order_type == "asc":
            assert earlier[order_by] < later[order_by]
        else:
            assert earlier[order_by] > later[order_by]


def test_identical_updated_at_block_spans_page_boundaries(sandbox, session):
    records = list_all(
        sandbox, session, updated_since=SINCE, order_by="updated_at", order_type="asc"
    )
    by_stamp: dict[str, int] = {}
    for record in records:
        by_stamp[record["updated_at"]] = by_stamp.get(record["updated_at"], 0) + 1
    assert max(by_stamp.values()) >= 150


@pytest.mark.parametrize(("filter_name", "count"), [("deleted", 12), ("spam", 7)])
def test_deleted_and_spam_only_appear_with_their_filter(sandbox, session, filter_name, count):
    records = list_all(
        sandbox,
        session,
        filter=filter_name,
        updated_since=SINCE,
        order_by="updated_at",
        order_type="asc",
    )
    assert len(records) == count
    flag = "deleted" if filter_name == "deleted" else "spam"
    assert all(r.get(flag) is True for r in records)
    default_ids = {r["id"] for r in list_all(sandbox, session, updated_since=SINCE)}
    assert default_ids.isdisjoint(r["id"] for r in records)
    stamps = [r["updated_at"] for r in records]
    assert stamps == sorted(stamps)


def test_without_include_description_requester_and_stats_are_absent(sandbox, session):
    record = session.get(f"{sandbox.base_url}/api/v2/tickets").json()[0]
    assert not {"description", "description_text", "requester", "stats"} & record.keys()


@pytest.mark.parametrize(
    ("include", "credits"),
    [(None, 1), ("stats", 3), ("description,requester", 5), ("description,requester,stats", 7)],
)
def test_each_include_adds_its_fields_and_two_credits(sandbox, session, include, credits):
    params = {"updated_since": SINCE}
    if include:
        params["include"] = include
    response = session.get(f"{sandbox.base_url}/api/v2/tickets", params=params)
    assert response.headers["X-RateLimit-Used-CurrentRequest"] == str(credits)
    records = response.json()
    parts = set(include.split(",")) if include else set()
    assert all(
        ("description" in r and "description_text" in r) == ("description" in parts)
        for r in records
    )
    assert all(("stats" in r) == ("stats" in parts) for r in records)
    if "requester" in parts:
        assert all(
            r["requester"] is None or r["requester"].keys() == REQUESTER_KEYS for r in records
        )
    if "stats" in parts:
        assert all(r["stats"].keys() == STATS_KEYS for r in records)


def test_unknown_include_is_rejected(sandbox, session):
    response = session.get(f"{sandbox.base_url}/api/v2/tickets", params={"include": "everything"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "include"


@pytest.mark.parametrize(
    "equivalent",
    ["2025-06-01T05:30:00+05:30", "2025-06-01T05:30:00+0530", "2025-06-01T00:00:00Z", "2025-06-01"],
)
def test_documented_date_formats_mean_the_same_instant(sandbox, session, truth, equivalent):
    records = list_all(sandbox, session, updated_since=equivalent)
    assert len(records) == sum(
        1 for t in visible(truth) if t["updated_at"] >= "2025-06-01T00:00:00Z"
    )


def test_invalid_updated_since_is_a_400(sandbox, session):
    response = session.get(
        f"{sandbox.base_url}/api/v2/tickets", params={"updated_since": "yesterday"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "updated_since"


def test_requester_and_company_filters(sandbox, session, truth):
    requester_id = visible(truth)[0]["requester_id"]
    by_requester = list_all(sandbox, session, updated_since=SINCE, requester_id=requester_id)
    assert by_requester and all(r["requester_id"] == requester_id for r in by_requester)
    by_company = list_all(sandbox, session, updated_since=SINCE, company_id=BIG_COMPANY_ID)
    assert by_company and all(r["company_id"] == BIG_COMPANY_ID for r in by_company)


def test_conversations_of_deleted_or_spam_tickets_are_forbidden_and_time_entries_404(
    sandbox, session, truth
):
    for hidden in (t for t in truth if t.get("deleted") or t["spam"]):
        conversations = session.get(
            f"{sandbox.base_url}/api/v2/tickets/{hidden['id']}/conversations"
        )
        assert conversations.status_code == 403
        assert conversations.json()["code"] == "access_denied"
        entries = session.get(f"{sandbox.base_url}/api/v2/tickets/{hidden['id']}/time_entries")
        assert entries.status_code == 404


def test_conversations_paginate_beyond_30_on_busy_tickets(sandbox, session):
    conversations = sandbox.records("conversations")
    per_ticket: dict[int, int] = {}
    for conversation in conversations:
        per_ticket[conversation["ticket_id"]] = per_ticket.get(conversation["ticket_id"], 0) + 1
    busy = max(per_ticket, key=per_ticket.get)
    assert per_ticket[busy] > 30
    records, responses = walk(session, f"{sandbox.base_url}/api/v2/tickets/{busy}/conversations")
    assert len(responses) == 2
    assert [r["id"] for r in records] == [c["id"] for c in conversations if c["ticket_id"] == busy]


def test_unknown_ticket_is_404(sandbox, session):
    assert session.get(f"{sandbox.base_url}/api/v2/tickets/999999/conversations").status_code == 404
    assert session.get(f"{sandbox.base_url}/api/v2/tickets/999999").status_code == 404


def test_ticket_view_carries_description_and_included_conversations(sandbox, session, truth):
    ticket_id = visible(truth)[-1]["id"]
    response = session.get(
        f"{sandbox.base_url}/api/v2/tickets/{ticket_id}", params={"include": "conversations"}
    )
    record = response.json()
    assert "description" in record and len(record["conversations"]) <= 10
    assert response.headers["X-RateLimit-Used-CurrentRequest"] == "3"


def test_null_requesters_still_name_a_contact_listed_under_state_deleted(sandbox, session, truth):
    listed = {
        c["id"]
        for state in (None, "blocked", "deleted")
        for c in walk(
            session,
            f"{sandbox.base_url}/api/v2/contacts",
            {"per_page": 100, **({"state": state} if state else {})},
        )[0]
    }
    assert all(t["requester_id"] in listed for t in truth)
    deleted = {
        c["id"]
        for c in walk(session, f"{sandbox.base_url}/api/v2/contacts", {"state": "deleted"})[0]
    }
    orphans = [t for t in truth if t["requester"] is None]
    assert orphans and all(t["requester_id"] in deleted for t in orphans)


def test_payloads_are_realistic(sandbox, session, truth):
    assert any(t["company_id"] == BIG_COMPANY_ID for t in truth)
    assert any(isinstance(t["custom_fields"]["cf_bank964807"], bool) for t in truth)
    assert any(len(t["description"].encode()) > 150_000 for t in truth)
    assert any(ord(ch) > 0xFFFF for t in truth for ch in t["subject"])  # emoji
    for ticket in truth:
        assert ticket["created_at"].endswith("Z") and ticket["updated_at"] >= ticket["created_at"]
    raw = session.get(
        f"{sandbox.base_url}/api/v2/tickets",
        params={"updated_since": SINCE, "company_id": BIG_COMPANY_ID, "per_page": 1},
    )
    assert f'"company_id":{BIG_COMPANY_ID}' in raw.text


def test_archived_tickets_leave_every_list_but_stay_readable_on_the_archive_route(
    sandbox, session, truth
):
    listed = {t["id"] for t in truth}
    archived = sorted(set(range(1, max(listed) + 1)) - listed)
    assert len(archived) == 5
    everything = {
        r["id"]
        for flt in (None, "deleted", "spam")
        for r in list_all(sandbox, session, updated_since=SINCE, **({"filter": flt} if flt else {}))
    }
    assert everything == listed
    ticket_id = archived[0]
    assert session.get(f"{sandbox.base_url}/api/v2/tickets/{ticket_id}").status_code == 404
    view = session.get(f"{sandbox.base_url}/api/v2/tickets/archived/{ticket_id}")
    assert view.status_code == 200 and view.json()["status"] == 5
    conversations = session.get(
        f"{sandbox.base_url}/api/v2/tickets/archived/{ticket_id}/conversations"
    )
    assert conversations.status_code == 200
    assert (
        session.get(f"{sandbox.base_url}/api/v2/tickets/archived/{listed.pop()}").status_code == 404
    )
