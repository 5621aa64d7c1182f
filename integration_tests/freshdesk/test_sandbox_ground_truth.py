"""records(stream) is exactly what walking the sandbox's API like a full sync returns, per stream."""

from __future__ import annotations

import pytest

from integration_tests.freshdesk_sandbox import (
    AIRBYTE_STREAM_NAMES,
    STREAM_NAMES,
    FreshdeskSandbox,
    SandboxSettings,
)
from integration_tests.freshdesk_sandbox.testing import session_for, walk

OLD = "2000-01-01T00:00:00Z"
TOP_LEVEL = {
    "agents": "agents",
    "business_hours": "business_hours",
    "canned_response_folders": "canned_response_folders",
    "companies": "companies",
    "discussion_categories": "discussions/categories",
    "email_configs": "email_configs",
    "email_mailboxes": "email/mailboxes",
    "groups": "groups",
    "products": "products",
    "roles": "roles",
    "satisfaction_ratings": "surveys/satisfaction_ratings",
    "scenario_automations": "scenario_automations",
    "skills": "admin/skills",
    "sla_policies": "sla_policies",
    "solution_categories": "solutions/categories",
    "surveys": "surveys",
    "time_entries": "time_entries",
}
WITHOUT_CURSOR = {
    "discussion_forums",
    "email_mailboxes",
    "settings",
    "sla_policies",
    "scenario_automations",
}


@pytest.fixture(scope="module")
def sandbox():
    settings = SandboxSettings(
        ticket_count=300,
        deleted_ticket_count=6,
        spam_ticket_count=4,
        contact_count=150,
        company_count=20,
        satisfaction_rating_count=70,
        time_entry_count=90,
    )
    with FreshdeskSandbox(settings) as running:
        yield running


class FullSync:
    """Reads every stream the way the connector's full sync must (parents before children)."""

    def __init__(self, sandbox: FreshdeskSandbox) -> None:
        self.base = f"{sandbox.base_url}/api/v2"
        self.session = session_for(sandbox)

    def list(self, path: str, **params) -> list[dict]:
        records, _ = walk(self.session, f"{self.base}/{path}", {"per_page": 100, **params})
        return records

    def children(self, parents: list[dict], template: str) -> list[dict]:
        return [r for parent in parents for r in self.list(template.format(id=parent["id"]))]

    def read(self, stream: str) -> list[dict]:
        if stream in TOP_LEVEL:
            return self.list(TOP_LEVEL[stream])
        if stream == "settings":
            return [self.session.get(f"{self.base}/settings/helpdesk").json()]
        if stream == "contacts":
            return [
                *self.list("contacts"),
                *self.list("contacts", state="blocked"),
                *self.list("contacts", state="deleted"),
            ]
        if stream == "ticket_fields":
            # An admin key's view: the public list, joined by id with the admin list's extra keys.
            admin = {f["id"]: f for f in self.list("admin/ticket_fields", include="section")}
            return [
                {**field, **{k: v for k, v in admin[field["id"]].items() if k not in field}}
                for field in self.list("ticket_fields")
            ]
        if stream == "tickets":
            params = {
                "updated_since": OLD,
                "order_by": "updated_at",
                "order_type": "asc",
                "include": "description,requester,stats",
            }
            return [
                *self.list("tickets", **params),
                *self.list("tickets", filter="deleted", **params),
                *self.list("tickets", filter="spam", **params),
            ]
        if stream == "conversations":
            tickets = self.list("tickets", updated_since=OLD)
            return self.children(tickets, "tickets/{id}/conversations")
        if stream == "canned_responses":
            return self.children(
                self.read("canned_response_folders"), "canned_response_folders/{id}/responses"
            )
        if stream == "discussion_forums":
            return self.children(
                self.read("discussion_categories"), "discussions/categories/{id}/forums"
            )
        if stream == "discussion_topics":
            return self.children(self.read("discussion_forums"), "discussions/forums/{id}/topics")
        if stream == "discussion_comments":
            return self.children(self.read("discussion_topics"), "discussions/topics/{id}/comments")
        if stream == "solution_folders":
            folders = self.children(
                self.read("solution_categories"), "solutions/categories/{id}/folders"
            )
            frontier = folders
            while frontier:
                frontier = self.children(frontier, "solutions/folders/{id}/subfolders")
                folders += frontier
            return folders
        if stream == "solution_articles":
            return self.children(self.read("solution_folders"), "solutions/folders/{id}/articles")
        raise AssertionError(f"no reader for {stream}")


def test_records_answers_for_the_28_airbyte_streams_and_every_added_one(sandbox):
    assert len(AIRBYTE_STREAM_NAMES) == 28
    assert set(AIRBYTE_STREAM_NAMES) < set(STREAM_NAMES)
    for stream in STREAM_NAMES:
        assert isinstance(sandbox.records(stream), list)
    with pytest.raises(KeyError):
        sandbox.records("nope")


# The added streams have envelopes and joins of their own; test_new_streams*.py reads those.
@pytest.mark.parametrize("stream", AIRBYTE_STREAM_NAMES)
def test_full_sync_over_http_returns_exactly_the_ground_truth(sandbox, stream):
    truth = sandbox.records(stream)
    assert truth, f"{stream} has no seeded records"
    synced = FullSync(sandbox).read(stream)
    key = "primary_language" if stream == "settings" else "id"
    assert sorted(synced, key=lambda r: r[key]) == sorted(truth, key=lambda r: r[key])


@pytest.mark.parametrize("stream", sorted(set(AIRBYTE_STREAM_NAMES) - WITHOUT_CURSOR))
def test_streams_with_a_cursor_carry_created_at_and_updated_at(sandbox, stream):
    for record in sandbox.records(stream):
        assert isinstance(record["created_at"], str) and isinstance(record["updated_at"], str)


def test_ground_truth_counts_follow_the_settings(sandbox):
    assert len(sandbox.records("tickets")) == 310
    assert len(sandbox.records("contacts")) == 150 + 15 + 20  # listed, blocked, deleted
    assert len(sandbox.records("companies")) == 20
    assert len(sandbox.records("satisfaction_ratings")) == 70
    assert len(sandbox.records("time_entries")) == 90
    assert len(sandbox.records("agents")) == 25
    assert len(sandbox.records("settings")) == 1


def test_records_are_deep_copies(sandbox):
    first = sandbox.records("tickets")
    first[0]["custom_fields"]["cf_vip"] = "corrupted"
    first[0]["subject"] = "corrupted"
    again = sandbox.records("tickets")[0]
    assert again["subject"] != "corrupted"
    assert again["custom_fields"]["cf_vip"] != "corrupted"


def test_same_seed_gives_the_same_account():
    settings = dict(ticket_count=40, contact_count=30, company_count=5, seed=7)
    with FreshdeskSandbox(SandboxSettings(**settings)) as one:
        first = one.records("contacts")
    with FreshdeskSandbox(SandboxSettings(**settings, now=one.settings.now)) as two:
        assert two.records("contacts") == first
