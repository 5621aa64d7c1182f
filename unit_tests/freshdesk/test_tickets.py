"""The ticket walk: keyset pages, the 300-page cap, views with their own cursors, conversations."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode

from source_freshdesk.pagination import MAX_TICKET_PAGES
from unit_tests.freshdesk.conftest import (
    BASE,
    final_state,
    make_config,
    record,
    records_of,
    requests_to,
    run_read,
)

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
PAGE_CAP_BODY = {
    "description": "Validation failed",
    "errors": [
        {
            "field": "page",
            "message": "You cannot access tickets beyond the 300th page. Please provide a smaller page number.",
            "code": "invalid_value",
        }
    ],
}


def stamp(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket(ticket_id: int, second: int, **fields: Any) -> dict[str, Any]:
    return record(ticket_id, stamp(second), requester_id=fields.pop("requester_id", 1), **fields)


def fake_tickets_api(api, tickets: list[dict[str, Any]], per_page_cap: int = 100) -> None:
    """A /tickets that filters and sorts like Freshdesk, including the 300-page cap."""

    def respond(request, context):
        q = {k: v[0] for k, v in request.qs.items()}
        view = q.get("filter")
        rows = [t for t in tickets if t.get("view") == view]
        if "updated_since" in q:
            since = q["updated_since"].upper()
            rows = [t for t in rows if t["updated_at"] >= since]
        if "requester_id" in q:
            rows = [t for t in rows if str(t["requester_id"]) == q["requester_id"]]
        rows.sort(key=lambda t: (t["updated_at"], t["id"]))
        page, per_page = int(q.get("page", 1)), min(int(q.get("per_page", 30)), per_page_cap)
        if page > MAX_TICKET_PAGES:
            context.status_code = 400
            return json.dumps(PAGE_CAP_BODY)
        chunk = rows[(page - 1) * per_page : page * per_page]
        if page * per_page < len(rows):
            context.headers["Link"] = f'<{BASE}tickets?page={page + 1}>; rel="next"'
        return json.dumps([{k: v for k, v in t.items() if k != "view"} for t in chunk])

    api.get(f"{BASE}tickets", text=respond)


def test_keyset_walk_emits_each_ticket_once_and_restarts_from_the_last_updated_at(api) -> None:
    tickets = [ticket(i, second=i // 3) for i in range(1, 251)]  # 3 tickets per second
    fake_tickets_api(api, tickets)

    output = run_read(["tickets"])

    ids = [r["id"] for r in records_of(output, "tickets")]
    assert sorted(ids) == list(range(1, 251)) and len(ids) == len(set(ids))
    default_view = [h.qs for h in requests_to(api, "tickets") if "filter" not in h.qs]
    assert default_view[0]["updated_since"] == ["1970-01-01t00:00:00z"]
    assert default_view[1]["updated_since"] == [stamp(99 // 3).lower()] and default_view[1][
        "page"
    ] == ["1"]
    ticket_lists = requests_to(api, "tickets")
    assert {h.qs["include"][0] for h in ticket_lists} == {"description,requester,stats"}
    assert {h.qs["order_by"][0] for h in ticket_lists} == {"updated_at"}


def test_first_sync_sends_start_date_and_deleted_and_spam_views_get_their_own_cursors(api) -> None:
    tickets = [
        ticket(1, 10),
        ticket(2, 20, view="deleted", deleted=True),
        ticket(3, 30, view="spam", spam=True),
    ]
    fake_tickets_api(api, tickets)

    output = run_read(["tickets"], config=make_config(start_date="2024-01-01T00:00:05Z"))

    assert sorted(r["id"] for r in records_of(output, "tickets")) == [1, 2, 3]
    assert final_state(output, "tickets") == {
        "updated_at": stamp(10),
        "deleted": {"updated_at": stamp(20)},
        "spam": {"updated_at": stamp(30)},
    }
    assert all(h.qs["updated_since"] == [stamp(5).lower()] for h in requests_to(api, "tickets"))


def test_airbyte_state_carries_over_and_the_saved_second_is_reread(api) -> None:
    tickets = [ticket(1, 10), ticket(2, 20), ticket(3, 20), ticket(4, 30)]
    fake_tickets_api(api, tickets)

    output = run_read(["tickets"], state={"tickets": {"updated_at": stamp(20)}})

    default_ids = [r["id"] for r in records_of(output, "tickets")]
    assert default_ids == [2, 3, 4]  # at-least-once at the boundary, nothing older


def test_more_than_300_pages_sharing_one_second_are_read_per_requester(api) -> None:
    # 301 full pages of tickets in one second (page size forced to 1 to keep the test small).
    # Requester 99 is not listable any more (e.g. purged); it shows up on tickets read before the cap.
    block = [ticket(i, 50, requester_id=99 if i % 50 == 0 else i % 7) for i in range(1, 400)]
    later = [ticket(1000, 60)]
    fake_tickets_api(api, block + later, per_page_cap=1)
    api.get(
        f"{BASE}contacts",
        text=lambda req, ctx: json.dumps(
            [{"id": n} for n in range(7)] if not req.qs.get("state") else []
        ),
    )
    api.get(f"{BASE}agents", status_code=403, json={"code": "access_denied", "message": "no"})

    output = run_read(["tickets"])

    ids = [r["id"] for r in records_of(output, "tickets")]
    assert sorted(ids) == list(range(1, 400)) + [1000]
    assert len(ids) == len(set(ids))


def test_conversations_visit_only_tickets_updated_since_state_and_skip_vanished_tickets(
    api,
) -> None:
    fake_tickets_api(api, [ticket(1, 10), ticket(2, 20), ticket(3, 30)])
    api.get(f"{BASE}tickets/2/conversations", json=[record(21, stamp(19)), record(22, stamp(25))])
    api.get(f"{BASE}tickets/3/conversations", status_code=403, json={"code": "access_denied"})

    output = run_read(["conversations"], state={"conversations": {"ticket_updated_at": stamp(20)}})

    assert [r["id"] for r in records_of(output, "conversations")] == [21, 22]
    assert not any("/tickets/1/" in h.path for h in api.request_history)
    assert final_state(output, "conversations") == {"ticket_updated_at": stamp(30)}
    ticket_lists = [h for h in api.request_history if h.path.endswith("/tickets")]
    assert all("include" not in h.qs for h in ticket_lists)  # parent walk costs 1 credit a page


@pytest.mark.parametrize("sync_mode", [SyncMode.full_refresh, SyncMode.incremental])
def test_ticket_state_checkpoints_every_page(api, sync_mode: SyncMode) -> None:
    fake_tickets_api(api, [ticket(i, i) for i in range(1, 251)])

    output = run_read(["tickets"], sync_mode=sync_mode)

    cursors = [
        s.state.stream.stream_state.__dict__.get("updated_at") for s in output.state_messages
    ]
    # Other views finishing alongside may checkpoint in between; every page checkpoints anyway.
    assert stamp(100) in cursors and stamp(200) in cursors
    assert cursors == sorted(cursors, key=lambda c: c or "")  # never backwards
