"""Account configuration streams: field definitions, ticket forms, the account and automation rules.

Each is small (tens to hundreds of records), so these read everything and filter on `updated_at`
client-side: none of these endpoints has a server-side filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import requests
from airbyte_cdk.sources.types import StreamSlice

from source_freshdesk.http_errors import json_body
from source_freshdesk.pagination import PAGE_SIZE
from source_freshdesk.streams.base import (
    FreshdeskStream,
    IncrementalStream,
    Record,
    ResourceGone,
    StreamUnavailable,
)

# automation_type_id -> the rule_type column: the three rule sets the API serves.
AUTOMATION_RULE_TYPES = {1: "ticket_creation", 3: "time_triggers", 4: "ticket_updates"}
# Webhook actions carry these credentials in clear text; a value under them is replaced by MASK.
SECRET_ACTION_KEYS = frozenset({"api_key", "password"})
SECRET_ACTION_OBJECTS = frozenset({"custom_headers"})
MASK = "**********"
# Keys only the admin ticket fields list has; the public list keeps `choices`, which the admin
# list leaves out.
ADMIN_TICKET_FIELD_KEYS = (
    "is_fsm",
    "field_update_in_progress",
    "has_section",
    "archived",
    "section_mappings",
    "dependent_fields",
    "sections",
)


class ContactFields(IncrementalStream):
    endpoint = "contact_fields"


class CompanyFields(IncrementalStream):
    endpoint = "company_fields"


class TicketFields(IncrementalStream):
    """The public list (with `choices`), joined with the admin list where the key is an admin.

    The admin list adds FSM flags, dependent fields and sections; an agent key gets the public
    list alone, as before.
    """

    endpoint = "ticket_fields"
    admin_endpoint = "admin/ticket_fields"

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        public = list(super().fetch(stream_slice, lower_bound))
        admin = self._admin_view()
        for record, server_time in public:
            extra = admin.get(record.get("id"), {})
            yield (
                {**record, **{k: extra[k] for k in ADMIN_TICKET_FIELD_KEYS if k in extra}},
                server_time,
            )

    def _admin_view(self) -> dict[Any, Record]:
        try:
            return {
                record.get("id"): record
                for page in self.pages(self.admin_endpoint, {"include": "section"})
                for record in page.records
            }
        except StreamUnavailable as unavailable:
            self.logger.info(
                f"ticket_fields: the admin view is not available to this key ({unavailable}); "
                "reading the public list only."
            )
            return {}


class TicketForms(IncrementalStream):
    """Each form with its fields: the list leaves fields out, so every form is also viewed by id."""

    endpoint = "ticket-forms"
    gone_statuses = frozenset({404})  # a form deleted between the list and its view

    def list_params(self) -> dict[str, Any]:
        return {"include": "portals"}

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        for form, server_time in super().fetch(stream_slice, lower_bound):
            try:
                view = self.fetch_page(f"{self.endpoint}/{form['id']}", {}).records
            except ResourceGone:
                self.stats.count_skipped_child()
                continue
            fields = view[0].get("fields") if view else None
            fields = [normalized_form_field(f) for f in fields or [] if isinstance(f, Mapping)]
            yield {**form, "fields": fields}, server_time


def normalized_form_field(field: Mapping[str, Any]) -> Record:
    """A form's field as /ticket_fields shapes it.

    The form view stamps fields as "2022-05-25 10:43:01" (no T, no zone; taken as UTC like every
    other stamp of the API) and sends portal_cc as the string "false", a boolean elsewhere.
    """
    out = dict(field)
    for key in ("created_at", "updated_at"):
        value = out.get(key)
        if isinstance(value, str) and len(value) == 19 and value[10] == " ":
            out[key] = f"{value[:10]}T{value[11:]}Z"
    if isinstance(out.get("portal_cc"), str):
        out["portal_cc"] = out["portal_cc"].strip().lower() == "true"
    return out


class Account(FreshdeskStream):
    """One object and no id or timestamps: keyed by account_id, read in full every time."""

    endpoint = "account"
    primary_key = "account_id"
    paginated = False


class AutomationRules(IncrementalStream):
    """Rules of the three automation types, one slice each, with webhook credentials masked."""

    endpoint = "automations/{automation_type_id}/rules"

    def slices(self) -> Iterable[StreamSlice]:
        for type_id, rule_type in AUTOMATION_RULE_TYPES.items():
            yield StreamSlice(
                partition={"automation_type_id": type_id, "rule_type": rule_type}, cursor_slice={}
            )

    def parse_response(self, response: requests.Response, **_: Any) -> Iterable[Record]:
        body = json_body(response)
        rules = body.get("rules") if isinstance(body, Mapping) else None
        return [rule for rule in rules or [] if isinstance(rule, Mapping)]

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        type_id, rule_type = stream_slice["automation_type_id"], stream_slice["rule_type"]
        path = self.endpoint.format(automation_type_id=type_id)
        # The envelope's meta.count, not a Link header, tells how many rules there are, so pages
        # are walked by number until a short page. A full page with no rule not seen before means
        # the API ignores `page` (or loops): going on would never end, so the walk stops there.
        # No page count can cut a real account short this way; the ids kept are the rules of one
        # type (hundreds at most).
        seen: set[Any] = set()
        page_number = 1
        while True:
            page = self.fetch_page(path, {"page": page_number, "per_page": PAGE_SIZE})
            fresh = [rule for rule in page.records if rule.get("id") not in seen]
            for rule in fresh:
                seen.add(rule.get("id"))
                masked = {**mask_secrets(rule), "rule_type": rule_type}
                masked.setdefault("automation_type_id", type_id)
                yield masked, page.server_time
            if len(page.records) < PAGE_SIZE:
                return
            if not fresh:
                self.logger.warning(
                    f"{self.name}: page {page_number} of {path} repeats rules already read; "
                    f"stopping this rule type after {len(seen)} rules (the API ignored `page`)."
                )
                return
            page_number += 1


def mask_secrets(value: Any, parent_key: str = "") -> Any:
    """The rule with every webhook credential value replaced by MASK (keys kept, so a
    destination still sees that a credential is set)."""
    if isinstance(value, Mapping):
        return {
            key: (
                MASK
                if child not in (None, "")
                and (key in SECRET_ACTION_KEYS or parent_key in SECRET_ACTION_OBJECTS)
                and not isinstance(child, Mapping | list)
                else mask_secrets(child, key)
            )
            for key, child in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item, parent_key) for item in value]
    return value
