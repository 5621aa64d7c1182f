"""Non-ticket resources of the Freshdesk sandbox: filters, trees, payload shapes and formats."""

from __future__ import annotations

import re

import pytest

from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.freshdesk_sandbox.testing import session_for, walk

Z_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
IST_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$")


@pytest.fixture(scope="module")
def sandbox():
    settings = SandboxSettings(
        ticket_count=200,
        contact_count=120,
        blocked_contact_count=5,
        deleted_contact_count=4,
        company_count=15,
        satisfaction_rating_count=80,
        time_entry_count=120,
    )
    with FreshdeskSandbox(settings) as running:
        yield running


def read(sandbox, path: str, **params) -> list[dict]:
    records, _ = walk(
        session_for(sandbox), f"{sandbox.base_url}/api/v2/{path}", {"per_page": 100, **params}
    )
    return records


def test_contacts_default_list_is_alphabetical_and_hides_blocked_and_deleted(sandbox):
    contacts = read(sandbox, "contacts")
    assert len(contacts) == 120
    keys = [(c["name"], c["id"]) for c in contacts]
    assert keys == sorted(keys)
    assert not any(c.get("deleted") for c in contacts)


@pytest.mark.parametrize(("state", "count"), [("blocked", 5), ("deleted", 4)])
def test_contacts_state_filter_shows_hidden_contacts(sandbox, state, count):
    contacts = read(sandbox, "contacts", state=state)
    assert len(contacts) == count
    if state == "deleted":
        assert all(c["deleted"] is True for c in contacts)


def test_contacts_verified_and_unverified_partition_the_default_list(sandbox):
    verified = read(sandbox, "contacts", state="verified")
    unverified = read(sandbox, "contacts", state="unverified")
    assert len(verified) + len(unverified) == 120
    assert all(c["active"] for c in verified) and not any(c["active"] for c in unverified)


def test_contacts_accept_both_since_spellings_inclusively(sandbox):
    pivot = sorted(c["updated_at"] for c in sandbox.store.listed_contacts())[60]
    modern = read(sandbox, "contacts", updated_since=pivot)
    legacy = read(sandbox, "contacts", _updated_since=pivot)
    assert modern == legacy
    assert min(c["updated_at"] for c in modern) == pivot
    assert len(modern) == sum(
        1 for c in sandbox.store.listed_contacts() if c["updated_at"] >= pivot
    )


def test_companies_filter_by_updated_since_and_hold_an_id_beyond_2_pow_53(sandbox):
    companies = sandbox.records("companies")
    assert any(c["id"] > 2**53 for c in companies)
    assert any(c["custom_fields"] == {} for c in companies)
    pivot = sorted(c["updated_at"] for c in companies)[5]
    assert {c["id"] for c in read(sandbox, "companies", updated_since=pivot)} == {
        c["id"] for c in companies if c["updated_at"] >= pivot
    }


def test_satisfaction_ratings_filter_on_created_since_only(sandbox):
    ratings = sandbox.records("satisfaction_ratings")
    pivot = sorted(r["created_at"] for r in ratings)[40]
    filtered = read(sandbox, "surveys/satisfaction_ratings", created_since=pivot)
    assert {r["id"] for r in filtered} == {r["id"] for r in ratings if r["created_at"] >= pivot}
    rejected = session_for(sandbox).get(
        f"{sandbox.base_url}/api/v2/surveys/satisfaction_ratings", params={"updated_since": pivot}
    )
    assert rejected.status_code == 400


def test_some_ratings_were_edited_long_after_creation_and_are_keyed_by_question(sandbox):
    ratings = sandbox.records("satisfaction_ratings")
    assert any(r["updated_at"][:10] > r["created_at"][:10] for r in ratings)
    assert all("default_question" in r["ratings"] for r in ratings)
    assert any("question_43000012345" in r["ratings"] for r in ratings)
    values = {v for r in ratings for v in r["ratings"].values()}
    assert values & {103, -103} and values & {1, 2, 3}


def test_time_entries_filter_on_executed_at(sandbox):
    entries = sandbox.records("time_entries")
    stamps = sorted(e["executed_at"] for e in entries)
    after, before = stamps[20], stamps[80]
    filtered = read(sandbox, "time_entries", executed_after=after, executed_before=before)
    assert {e["id"] for e in filtered} == {
        e["id"] for e in entries if after <= e["executed_at"] <= before
    }
    assert any(e["timer_running"] for e in entries)
    assert any(e["updated_at"] > e["executed_at"] for e in entries)


def test_ticket_time_entries_are_the_tickets_own(sandbox):
    entry = sandbox.records("time_entries")[0]
    own = read(sandbox, f"tickets/{entry['ticket_id']}/time_entries")
    assert entry in own and all(e["ticket_id"] == entry["ticket_id"] for e in own)


@pytest.mark.parametrize(
    "stream", ["groups", "agents", "canned_response_folders", "canned_responses"]
)
def test_some_resources_carry_plus_0530_offsets(sandbox, stream):
    for record in sandbox.records(stream):
        assert IST_STAMP.match(record["created_at"]) and IST_STAMP.match(record["updated_at"])


@pytest.mark.parametrize(
    "stream", ["tickets", "conversations", "contacts", "companies", "time_entries", "products"]
)
def test_other_resources_use_z_timestamps(sandbox, stream):
    for record in sandbox.records(stream)[:200]:
        assert Z_STAMP.match(record["created_at"]) and Z_STAMP.match(record["updated_at"])


def test_settings_helpdesk_is_a_single_object(sandbox):
    response = session_for(sandbox).get(f"{sandbox.base_url}/api/v2/settings/helpdesk")
    assert isinstance(response.json(), dict)
    assert "Link" not in response.headers
    assert sandbox.records("settings") == [response.json()]


def test_business_hours_keep_the_api_key_name(sandbox):
    for record in sandbox.records("business_hours"):
        assert "business_hours" in record and "working_hours" not in record


def test_ticket_fields_choices_come_in_several_shapes(sandbox):
    shapes = {
        type(f["choices"]).__name__ for f in sandbox.records("ticket_fields") if "choices" in f
    }
    assert shapes == {"list", "dict"}
    status = next(f for f in sandbox.records("ticket_fields") if f["name"] == "status")
    assert status["choices"]["2"] == ["Open", "Being Processed"]
    nested = next(f for f in sandbox.records("ticket_fields") if f["type"] == "nested_field")
    assert isinstance(next(iter(nested["choices"].values())), dict)


def test_solution_articles_can_live_only_in_subfolders(sandbox):
    folders = sandbox.records("solution_folders")
    articles = sandbox.records("solution_articles")
    top_level = {f["id"] for f in folders if f["parent_folder_id"] is None}
    sub = [f for f in folders if f["parent_folder_id"] is not None]
    assert sub and all(f["category_id"] for f in folders)
    assert any(a["folder_id"] not in top_level for a in articles)
    hub = next(
        f
        for f in folders
        if f["parent_folder_id"] is None and f["sub_folders_count"] and not f["articles_count"]
    )
    assert read(sandbox, f"solutions/folders/{hub['id']}/articles") == []
    children = read(sandbox, f"solutions/folders/{hub['id']}/subfolders")
    assert children and all(c["parent_folder_id"] == hub["id"] for c in children)
    assert read(sandbox, f"solutions/folders/{children[0]['id']}/articles")


def test_category_folder_list_shows_only_top_level_folders(sandbox):
    category = sandbox.records("solution_categories")[0]
    folders = read(sandbox, f"solutions/categories/{category['id']}/folders")
    assert folders and all(f["parent_folder_id"] is None for f in folders)


def test_trees_include_an_empty_parent(sandbox):
    categories = sandbox.records("discussion_categories")
    forums = sandbox.records("discussion_forums")
    empty = [c for c in categories if not any(f["forum_category_id"] == c["id"] for f in forums)]
    assert empty
    assert read(sandbox, f"discussions/categories/{empty[0]['id']}/forums") == []


def test_unknown_parent_ids_are_404(sandbox):
    response = session_for(sandbox).get(f"{sandbox.base_url}/api/v2/solutions/folders/1/articles")
    assert response.status_code == 404
