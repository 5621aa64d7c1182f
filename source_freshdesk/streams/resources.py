"""Every Freshdesk stream other than tickets and conversations, one small class per endpoint.

TicketFields lives with the other field definitions in admin.py, Contacts (with its blocked and
deleted views) in contacts.py; both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from source_freshdesk.estimates import EstimatedRows, PageProbes
from source_freshdesk.streams.admin import TicketFields
from source_freshdesk.streams.base import (
    ChildStream,
    FreshdeskStream,
    IncrementalStream,
    Record,
    ResourceGone,
)
from source_freshdesk.streams.contacts import Contacts
from source_freshdesk.streams.custom_fields import TypedCustomFields

__all__ = ["Contacts", "TicketFields"]  # the rest are used through the module

# -- incremental, filtered by the API ---------------------------------------------------------


class Companies(TypedCustomFields, IncrementalStream):
    endpoint = "companies"
    fields_endpoint = "company_fields"
    since_param = "updated_since"


class SatisfactionRatings(IncrementalStream):
    endpoint = "surveys/satisfaction_ratings"
    since_param = "created_since"  # ratings change after creation: the lookback re-reads them
    uses_lookback = True


class TimeEntries(EstimatedRows, IncrementalStream):
    endpoint = "time_entries"
    since_param = "executed_after"  # filters executed_at; updated_at moves later (running timers)
    uses_lookback = True
    row_count = PageProbes()  # no count or search for time entries


# -- incremental, filtered client-side on updated_at ------------------------------------------


class Agents(IncrementalStream):
    endpoint = "agents"


class BusinessHours(IncrementalStream):
    endpoint = "business_hours"

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        # Airbyte's connector renamed the nested key (3.0.0); catalogs built on it carry over.
        for record, server_time in super().fetch(stream_slice, lower_bound):
            renamed = {k: v for k, v in record.items() if k != "business_hours"}
            renamed["working_hours"] = record.get("business_hours")
            yield renamed, server_time


class CannedResponseFolders(IncrementalStream):
    endpoint = "canned_response_folders"


class CannedResponses(ChildStream, IncrementalStream):
    endpoint = "canned_response_folders/{parent_id}/responses"
    parent_stream = CannedResponseFolders
    parent_id_field = "folder_id"


class DiscussionCategories(IncrementalStream):
    endpoint = "discussions/categories"


class DiscussionForums(ChildStream):
    """Full refresh: forums carry no updated_at."""

    endpoint = "discussions/categories/{parent_id}/forums"
    parent_stream = DiscussionCategories
    parent_id_field = "forum_category_id"


class DiscussionTopics(ChildStream, IncrementalStream):
    endpoint = "discussions/forums/{parent_id}/topics"
    parent_stream = DiscussionForums
    parent_id_field = "forum_id"


class DiscussionComments(ChildStream, IncrementalStream):
    endpoint = "discussions/topics/{parent_id}/comments"
    parent_stream = DiscussionTopics
    parent_id_field = "topic_id"


class EmailConfigs(IncrementalStream):
    endpoint = "email_configs"


class Groups(IncrementalStream):
    endpoint = "groups"


class Products(IncrementalStream):
    endpoint = "products"


class Roles(IncrementalStream):
    endpoint = "roles"


class Skills(IncrementalStream):
    endpoint = "skills"
    admin_endpoint = "admin/skills"  # newer accounts answer the old route with 404
    gone_statuses = frozenset({404})

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        for endpoint in (self.endpoint, self.admin_endpoint):
            try:
                for page in self.pages(endpoint, self.request_filters(lower_bound)):
                    for record in page.records:
                        yield record, page.server_time
                return
            except ResourceGone:
                self.logger.info(f"GET {endpoint} answered 404; trying the next skills route.")
        self.logger.warning("Neither skills route exists on this account; no skills read.")


class SolutionCategories(IncrementalStream):
    endpoint = "solutions/categories"


class SolutionFolders(ChildStream, IncrementalStream):
    """Folders of every category, and their subfolders at any depth."""

    endpoint = "solutions/categories/{parent_id}/folders"
    parent_stream = SolutionCategories
    subfolders_endpoint = "solutions/folders/{parent_id}/subfolders"
    parent_id_field = "category_id"

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        for folder, server_time in super().fetch(stream_slice, lower_bound):
            yield folder, server_time
            yield from self._subfolders_of(folder)

    def _subfolders_of(self, root: Record) -> Iterator[tuple[Record, datetime | None]]:
        pending = [root]  # an explicit stack: folder trees can be deep
        visited = {root.get("id")}  # a folder listed under its own subtree must not loop
        while pending:
            folder = pending.pop()
            try:
                for page in self.pages(self.subfolders_endpoint.format(parent_id=folder["id"]), {}):
                    for subfolder in page.records:
                        if subfolder.get("id") in visited:
                            continue
                        visited.add(subfolder.get("id"))
                        if subfolder.get("category_id") is None:
                            subfolder = {**subfolder, "category_id": root.get("category_id")}
                        yield subfolder, page.server_time
                        pending.append(subfolder)
            except ResourceGone:
                self.stats.count_skipped_child()


class SolutionArticles(ChildStream, IncrementalStream):
    endpoint = "solutions/folders/{parent_id}/articles"
    parent_stream = SolutionFolders
    parent_id_field = "folder_id"


class Surveys(IncrementalStream):
    endpoint = "surveys"


# -- full refresh: no updated_at on these records ----------------------------------------------


class EmailMailboxes(FreshdeskStream):
    endpoint = "email/mailboxes"


class ScenarioAutomations(FreshdeskStream):
    endpoint = "scenario_automations"


class Settings(FreshdeskStream):
    endpoint = "settings/helpdesk"
    primary_key = "primary_language"
    paginated = False  # a single object, not a list


class SlaPolicies(FreshdeskStream):
    endpoint = "sla_policies"
