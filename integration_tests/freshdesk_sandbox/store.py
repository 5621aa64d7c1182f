"""The account's data behind a lock: list queries, ground truth and mutations between syncs."""

from __future__ import annotations

import bisect
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from .attachments import AttachmentLinks, conversation_file_rows, signed_conversations
from .clock import ServerClock, parse_api_datetime, to_ist, to_z
from .data import (
    DAY,
    RECENT_WINDOW_DAYS,
    Dataset,
    Record,
    TicketRow,
    build_dataset,
    conversations_for,
)
from .seed_activities import RETENTION_DAYS, day_of, file_token
from .seed_admin import admin_ticket_field_view
from .settings import SandboxSettings

# The include set a full sync of the tickets stream asks for; ground truth is shaped by it.
SYNC_TICKET_INCLUDES = frozenset({"description", "requester", "stats"})
# Resources the real API serialises with a +05:30 offset instead of Z.
IST_STREAMS = frozenset({"groups", "agents", "canned_response_folders", "canned_responses"})
# The 28 Airbyte stream names, then the ones source-freshdesk adds; records() answers for each.
AIRBYTE_STREAM_NAMES = (
    "agents",
    "business_hours",
    "canned_response_folders",
    "canned_responses",
    "companies",
    "contacts",
    "conversations",
    "discussion_categories",
    "discussion_comments",
    "discussion_forums",
    "discussion_topics",
    "email_configs",
    "email_mailboxes",
    "groups",
    "products",
    "roles",
    "satisfaction_ratings",
    "scenario_automations",
    "settings",
    "skills",
    "sla_policies",
    "solution_articles",
    "solution_categories",
    "solution_folders",
    "surveys",
    "ticket_fields",
    "tickets",
    "time_entries",
)
NEW_STREAM_NAMES = (
    "account",
    "archived_tickets",
    "automation_rules",
    "company_fields",
    "contact_fields",
    "csat_survey_responses",
    "csat_surveys",
    "custom_object_records",
    "custom_object_schemas",
    "ticket_activities",
    "ticket_attachments",
    "ticket_forms",
)
STREAM_NAMES = AIRBYTE_STREAM_NAMES + NEW_STREAM_NAMES
# The field that identifies a ground-truth record where it is not `id`.
RECORD_KEYS = {
    "settings": "primary_language",
    "account": "account_id",
    "custom_object_records": "display_id",
    "ticket_activities": "performed_at",  # distinct in the seeded files
}
TICKET_ORDER_FIELDS = ("created_at", "due_by", "updated_at", "status")


class UnknownRecord(KeyError):
    """Raised by mutations and lookups for an id the account does not hold."""


def _deep_copy(value: Any) -> Any:
    # JSON round-trip: faster than copy.deepcopy for big record lists and keeps ints exact.
    return json.loads(json.dumps(value))


def serialize_ticket(row: TicketRow, includes: frozenset[str], company_name: str | None) -> Record:
    record = dict(row.base)
    if "description" in includes:
        record["description"] = row.description
        record["description_text"] = row.description_text
    if "requester" in includes:
        record["requester"] = dict(row.requester) if row.requester else None
    if "stats" in includes:
        record["stats"] = dict(row.stats)
    if "company" in includes:
        company_id = row.base["company_id"]
        record["company"] = {"id": company_id, "name": company_name} if company_id else None
    return record


class Store:
    def __init__(self, settings: SandboxSettings, clock: ServerClock) -> None:
        self.settings = settings
        self.clock = clock
        self.lock = threading.RLock()
        self.data: Dataset = build_dataset(settings, clock.start_epoch)
        self._cache: dict[tuple, list] = {}
        self._by_id = {
            name: {record["id"]: record for record in records if "id" in record}
            for name, records in self.data.lists.items()
        }
        self._by_id["contacts"] = {c["id"]: c for c in self.data.contacts}
        self._next_conversation_id = 43_900_000_000
        # Where the export's signed file URLs point: another host of this server (set at start).
        self.file_base_url = "http://localhost"
        # Export polls per day, for the "not ready" answers of the ticket activities export.
        self._activity_polls: dict[str, int] = {}
        self.attachment_links = AttachmentLinks(
            settings.seed, settings.attachment_link_lifetime_s, clock.now
        )

    # ---- lookups -------------------------------------------------------------------------------
    def company_name(self, company_id: int | None) -> str | None:
        company = self._by_id["companies"].get(company_id)
        return company["name"] if company else None

    def ticket(self, ticket_id: int) -> TicketRow | None:
        return self.data.tickets.get(ticket_id)

    def record(self, stream: str, record_id: int) -> Record | None:
        return self._by_id.get(stream, {}).get(record_id)

    def list_of(self, stream: str) -> list[Record]:
        return self.data.lists[stream]

    def children(self, stream: str, key: str, parent_id: int) -> list[Record]:
        return [r for r in self.data.lists[stream] if r.get(key) == parent_id]

    def conversations(self, ticket_id: int) -> list[Record]:
        with self.lock:
            cached = self.data.conversations.get(ticket_id)
            if cached is None:
                row = self.data.tickets[ticket_id]
                cached = conversations_for(row, self.settings.seed)
                self.data.conversations[ticket_id] = cached
            return cached

    # ---- list queries --------------------------------------------------------------------------
    def _cached(self, key: tuple, compute: Callable[[], list]) -> list:
        with self.lock:
            hit = self._cache.get(key)
            if hit is None:
                if len(self._cache) > 64:
                    self._cache.clear()
                hit = compute()
                self._cache[key] = hit
            return hit

    def tickets(
        self,
        *,
        filter_name: str | None,
        since: int | None,
        order_by: str,
        order_type: str,
        requester_id: int | None = None,
        company_id: int | None = None,
        email: str | None = None,
        unique_external_id: str | None = None,
    ) -> list[TicketRow]:
        # Without updated_since the API only shows tickets created in the last 30 days.
        created_cutoff = (
            to_z(self.clock.now() - RECENT_WINDOW_DAYS * DAY) if since is None else None
        )
        since_z = to_z(since) if since is not None else None
        # Cached without `since`: a keyset walk asks for a new one on every page, and filtering and
        # sorting the whole account per page made the sandbox the slowest part of every benchmark.
        key = (
            "tickets",
            filter_name,
            created_cutoff,
            order_by,
            order_type,
            requester_id,
            company_id,
            email,
            unique_external_id,
        )

        def compute() -> list[TicketRow]:
            requester_ids: set[int] | None = None
            if email is not None or unique_external_id is not None:
                requester_ids = {
                    c["id"]
                    for c in self.data.contacts
                    if (email is None or c["email"] == email)
                    and (
                        unique_external_id is None or c["unique_external_id"] == unique_external_id
                    )
                }
            rows = []
            for row in self.data.tickets.values():
                base = row.base
                if filter_name in ("deleted", "spam"):
                    if row.hidden_by != filter_name:
                        continue
                elif row.hidden_by is not None:
                    continue
                if filter_name == "new_and_my_open" and base["status"] != 2:
                    continue
                if filter_name == "watching":
                    continue  # the API key's agent watches nothing
                if created_cutoff is not None and base["created_at"] < created_cutoff:
                    continue
                if requester_id is not None and base["requester_id"] != requester_id:
                    continue
                if company_id is not None and base["company_id"] != company_id:
                    continue
                if requester_ids is not None and base["requester_id"] not in requester_ids:
                    continue
                rows.append(row)
            # Ties on the sort field keep id ascending: sort by id first, then stably by field.
            rows.sort(key=lambda r: r.base["id"])
            rows.sort(key=lambda r: r.base[order_by], reverse=order_type == "desc")
            return rows

        ordered = self._cached(key, compute)
        if since_z is None:
            return ordered
        if order_by != "updated_at":
            return [row for row in ordered if row.base["updated_at"] >= since_z]
        # Sorted on updated_at, the tickets updated since form one run at an end of the list.
        if order_type == "desc":
            end = bisect.bisect_left(ordered, True, key=lambda r: r.base["updated_at"] < since_z)
            return ordered[:end]
        start = bisect.bisect_left(ordered, since_z, key=lambda r: r.base["updated_at"])
        return ordered[start:]

    def listed_contacts(self) -> list[Record]:
        """The default contacts list: verified and unverified, without blocked or deleted ones."""
        return _deep_copy(self.contacts(state=None, since=None))

    def contacts(
        self,
        *,
        state: str | None,
        since: int | None,
        email: str | None = None,
        mobile: str | None = None,
        phone: str | None = None,
        company_id: int | None = None,
        unique_external_id: str | None = None,
    ) -> list[Record]:
        since_z = to_z(since) if since is not None else None
        key = ("contacts", state, since_z, email, mobile, phone, company_id, unique_external_id)

        def compute() -> list[Record]:
            states = {state} if state else {"verified", "unverified"}
            out = [
                c
                for c in self.data.contacts
                if self.data.contact_state[c["id"]] in states
                and (since_z is None or c["updated_at"] >= since_z)
                and (email is None or c["email"] == email)
                and (mobile is None or c["mobile"] == mobile)
                and (phone is None or c["phone"] == phone)
                and (company_id is None or c["company_id"] == company_id)
                and (unique_external_id is None or c["unique_external_id"] == unique_external_id)
            ]
            out.sort(key=lambda c: (c["name"], c["id"]))
            return out

        return self._cached(key, compute)

    # ---- ground truth --------------------------------------------------------------------------
    def records(self, stream: str) -> list[Record]:
        with self.lock:
            if stream == "tickets":
                rows = sorted(
                    (r for r in self.data.tickets.values() if not r.archived), key=lambda r: r.id
                )
                out = [
                    serialize_ticket(
                        r, SYNC_TICKET_INCLUDES, self.company_name(r.base["company_id"])
                    )
                    for r in rows
                ]
            elif stream == "conversations":
                return self._conversation_records()
            elif stream == "contacts":
                # The default list (verified, unverified) plus the blocked and deleted views.
                out = [
                    c
                    for state in (None, "blocked", "deleted")
                    for c in self.contacts(state=state, since=None)
                ]
            elif stream == "settings":
                out = [self.data.settings_object]
            elif stream == "ticket_fields":
                out = self.admin_ticket_field_views()
            elif stream == "archived_tickets":
                out = self.archived_ticket_views()
            elif stream == "ticket_activities":
                out = self.readable_activities()
            elif stream == "ticket_attachments":
                # As a sync with the default settings reads them: the conversations' files only.
                listed = (c for c in self._conversation_records() if not c.get("archived"))
                out = list(conversation_file_rows(listed))
            elif stream in self.data.lists:
                out = self.data.lists[stream]
            else:
                raise KeyError(f"unknown stream {stream!r}; expected one of {STREAM_NAMES}")
            return _deep_copy(out)

    def admin_ticket_field_views(self) -> list[Record]:
        """ticket_fields as an admin key reads them: the public list joined with the admin list."""
        admin = {f["id"]: f for f in self.data.lists["admin_ticket_fields"]}
        return [
            admin_ticket_field_view(f, admin.get(f["id"], {}), with_sections=True)
            for f in self.data.lists["ticket_fields"]
        ]

    def archived_ticket_views(self) -> list[Record]:
        """Every archived ticket as tickets/archived/{id} serves it."""
        rows = sorted((r for r in self.data.tickets.values() if r.archived), key=lambda r: r.id)
        return [
            {
                **serialize_ticket(
                    r, frozenset({"description"}), self.company_name(r.base["company_id"])
                ),
                "attachments": [],
                "archived": True,
            }
            for r in rows
        ]

    def activities_file(self, day: str) -> Record | None:
        """The day's export file while it is kept (30 days), None when expired or never made."""
        if day < self.activities_retention_start():
            return None
        return self.data.activity_files.get(day)

    def activities_file_for_token(self, token: str) -> Record | None:
        for day in self.data.activity_files:
            if file_token(day, self.settings.seed) == token:
                return self.activities_file(day)
        return None

    def activities_retention_start(self) -> str:
        return day_of(self.clock.now() - RETENTION_DAYS * DAY)

    def activities_ready(self, day: str) -> bool:
        """Today's file is never ready; a past day after settings.activities_not_ready_answers."""
        with self.lock:
            if day >= day_of(self.clock.now()):
                return False
            seen = self._activity_polls.get(day, 0)
            self._activity_polls[day] = seen + 1
            return seen >= self.settings.activities_not_ready_answers

    def readable_activities(self) -> list[Record]:
        """Every activity of the files a sync can still read, shaped as the connector emits them."""
        out = []
        for day in sorted(self.data.activity_files):
            if self.activities_file(day) is None or day >= day_of(self.clock.now()):
                continue
            for row in self.data.activity_files[day]["activities_data"]:
                stamp = time.strptime(row["performed_at"], "%d-%m-%Y %H:%M:%S +0000")
                performed_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp)
                out.append({**row, "performed_at": performed_at, "export_date": day})
        return out

    def _conversation_records(self) -> list[Record]:
        """What a sync with archived_tickets selected reads: the conversations of the default
        list's tickets, and of archived ones marked as the connector marks them (the API does not
        mark them). Without archived_tickets a sync reads the unmarked ones only."""
        out: list[Record] = []
        for row in sorted(self.data.tickets.values(), key=lambda r: r.id):
            if row.hidden_by not in (None, "archived"):
                continue
            cached = self.data.conversations.get(row.id)
            if cached is not None:
                rows = _deep_copy(cached)
            else:
                # Fresh objects, nothing to copy; the same the API would materialise, because a
                # ticket's conversations are materialised before any mutation changes its stamps.
                rows = conversations_for(row, self.settings.seed)
            if row.archived:
                rows = [{**conversation, "archived": True} for conversation in rows]
            out.extend(signed_conversations(self.attachment_links, self.file_base_url, rows))
        return out

    # ---- mutations -----------------------------------------------------------------------------
    def _bump_stamp(self, stream: str) -> int:
        """A server time strictly later than every existing updated_at of the stream."""
        if stream == "tickets":
            latest = max((r.base["updated_at"] for r in self.data.tickets.values()), default=None)
        elif stream == "contacts":
            latest = max((c["updated_at"] for c in self.data.contacts), default=None)
        else:
            latest = max(
                (r["updated_at"] for r in self.data.lists.get(stream, []) if r.get("updated_at")),
                default=None,
            )
        now = self.clock.now()
        if latest is None:
            return now
        # Automation rules stamp milliseconds ("...:27.201Z"); whole seconds are enough here.
        whole_seconds = re.sub(r"\.\d+(?=Z|[+-]\d{2}:?\d{2}$)", "", latest)
        return max(now, parse_api_datetime(whole_seconds) + 1)

    def _changed(self) -> None:
        self._cache.clear()

    def _stamp_text(self, stream: str, epoch: int) -> str:
        return to_ist(epoch) if stream in IST_STREAMS else to_z(epoch)

    def _serialize_ticket_truth(self, row: TicketRow) -> Record:
        company = self.company_name(row.base["company_id"])
        return _deep_copy(serialize_ticket(row, SYNC_TICKET_INCLUDES, company))

    def _apply_ticket_fields(self, row: TicketRow, fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            if name in ("description", "description_text"):
                setattr(row, name, value)
            elif name == "stats":
                row.stats.update(value)
            elif name == "requester":
                row.requester = value
            else:
                row.base[name] = value

    def update_ticket(self, ticket_id: int, **fields: Any) -> Record:
        with self.lock:
            row = self.data.tickets.get(ticket_id)
            if row is None:
                raise UnknownRecord(ticket_id)
            # Seeded conversations derive from the ticket's stamps: pin them before they move.
            self.conversations(ticket_id)
            stamp = to_z(self._bump_stamp("tickets"))
            self._apply_ticket_fields(row, fields)
            if "updated_at" not in fields:
                row.base["updated_at"] = stamp
            self._changed()
            return self._serialize_ticket_truth(row)

    def create_ticket(self, **fields: Any) -> Record:
        with self.lock:
            stamp = to_z(self._bump_stamp("tickets"))
            template = self.data.tickets[min(self.data.tickets)] if self.data.tickets else None
            new_id = max(self.data.tickets, default=0) + 1
            requester = self.contacts(state=None, since=None)[:1]
            base: Record = {
                "cc_emails": [],
                "fwd_emails": [],
                "reply_cc_emails": [],
                "ticket_cc_emails": [],
                "fr_escalated": False,
                "spam": False,
                "email_config_id": None,
                "group_id": None,
                "priority": 1,
                "requester_id": requester[0]["id"] if requester else None,
                "responder_id": None,
                "source": 2,
                "company_id": requester[0]["company_id"] if requester else None,
                "status": 2,
                "subject": f"New ticket {new_id} ✉",
                "association_type": None,
                "support_email": None,
                "to_emails": None,
                "product_id": None,
                "id": new_id,
                "type": None,
                "due_by": to_z(parse_api_datetime(stamp) + 3 * DAY),
                "fr_due_by": to_z(parse_api_datetime(stamp) + DAY),
                "is_escalated": False,
                "custom_fields": dict.fromkeys(template.base["custom_fields"]) if template else {},
                "created_at": stamp,
                "updated_at": stamp,
                "associated_tickets_count": None,
                "tags": [],
                "nr_due_by": None,
                "nr_escalated": False,
            }
            requester_obj = (
                {k: requester[0][k] for k in ("email", "id", "mobile", "name", "phone")}
                if requester
                else None
            )
            stats = dict.fromkeys(template.stats if template else ())
            stats["status_updated_at"] = stamp
            row = TicketRow(
                base,
                "<div>Created between syncs</div>",
                "Created between syncs",
                stats,
                requester_obj,
                ordinal=len(self.data.tickets) + 1_000_000,
            )
            self.data.tickets[new_id] = row
            # A new ticket starts with no conversations (not seeded ones).
            self.data.conversations[new_id] = []
            self._apply_ticket_fields(row, fields)
            self._changed()
            return self._serialize_ticket_truth(row)

    def add_conversation(self, ticket_id: int, **fields: Any) -> Record:
        with self.lock:
            row = self.data.tickets.get(ticket_id)
            if row is None:
                raise UnknownRecord(ticket_id)
            # Every conversation's updated_at <= its ticket's, so the tickets' bump is later than all.
            stamp = to_z(self._bump_stamp("tickets"))
            conversations = self.conversations(ticket_id)
            self._next_conversation_id += 1
            body = fields.pop("body", "<div>Added between syncs ✓</div>")
            record: Record = {
                "body": body,
                "body_text": body,
                "id": self._next_conversation_id,
                "incoming": False,
                "private": True,
                "user_id": row.base["responder_id"],
                "support_email": None,
                "source": 2,
                "category": 2,
                "to_emails": [],
                "from_email": None,
                "cc_emails": [],
                "bcc_emails": [],
                "email_failure_count": None,
                "outgoing_failures": None,
                "thread_id": None,
                "thread_message_id": None,
                "created_at": stamp,
                "updated_at": stamp,
                "last_edited_at": None,
                "last_edited_user_id": None,
                "attachments": [],
                "automation_id": None,
                "automation_type_id": None,
                "auto_response": False,
                "ticket_id": ticket_id,
                "source_additional_info": None,
            }
            record.update(fields)
            conversations.append(record)
            row.base["updated_at"] = stamp
            self._changed()
            return _deep_copy(record)

    def delete_ticket(self, ticket_id: int) -> Record:
        return self.update_ticket(ticket_id, deleted=True)

    def mark_spam(self, ticket_id: int) -> Record:
        return self.update_ticket(ticket_id, spam=True)

    def update_contact(self, contact_id: int, **fields: Any) -> Record:
        with self.lock:
            contact = self._by_id["contacts"].get(contact_id)
            if contact is None:
                raise UnknownRecord(contact_id)
            stamp = to_z(self._bump_stamp("contacts"))
            state = fields.pop("state", None)
            if state is not None:
                self.data.contact_state[contact_id] = state
                contact["active"] = state == "verified"
                if state == "deleted":
                    contact["deleted"] = True
                else:
                    contact.pop("deleted", None)
            contact.update(fields)
            if "updated_at" not in fields:
                contact["updated_at"] = stamp
            self._changed()
            return _deep_copy(contact)

    def update_record(self, stream: str, record_id: int, **fields: Any) -> Record:
        if stream == "tickets":
            return self.update_ticket(record_id, **fields)
        if stream == "contacts":
            return self.update_contact(record_id, **fields)
        with self.lock:
            record = self._by_id.get(stream, {}).get(record_id)
            if record is None:
                raise UnknownRecord((stream, record_id))
            has_cursor = "updated_at" in record
            stamp = self._bump_stamp(stream) if has_cursor else None
            record.update(fields)
            if has_cursor and "updated_at" not in fields:
                record["updated_at"] = self._stamp_text(stream, stamp)
            self._changed()
            return _deep_copy(record)
