"""The /api/v2 endpoints: which path, which query params, who may call it, and what it returns.

Handlers return a list (the server paginates it) or a dict (a single object) and raise ApiError for
documented error answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .attachments import signed_conversations, signed_ticket_files
from .clock import parse_api_datetime, to_z
from .store import TICKET_ORDER_FIELDS, Store, serialize_ticket

TICKET_FILTERS = ("new_and_my_open", "watching", "spam", "deleted")
TICKET_LIST_INCLUDES = ("description", "requester", "stats", "company")
TICKET_VIEW_INCLUDES = ("conversations", "requester", "company", "stats")
CONTACT_STATES = ("blocked", "deleted", "unverified", "verified")
FEATURE_LABELS = {
    "surveys": "Surveys",
    "timesheets": "Timesheets",
    "skills": "Skill Based Round Robin",
    "discussions": "Forums",
    "csat": "Customer Satisfaction Surveys",
    "custom_objects": "Custom Objects",
    "activities_export": "Scheduled Ticket Activities Export",
    "archive_tickets": "Archive Tickets",
}

ACCESS_DENIED = {
    "code": "access_denied",
    "message": "You are not authorized to perform this action.",
}
INVALID_CREDENTIALS = {
    "code": "invalid_credentials",
    "message": "You have to be logged in to perform this action.",
}
ACCOUNT_SUSPENDED = {
    "code": "account_suspended",
    "message": "Your account has been suspended.",
}


def require_feature_body(feature: str) -> dict[str, str]:
    label = FEATURE_LABELS.get(feature, feature.title())
    return {
        "code": "require_feature",
        "message": f"The {label} feature(s) is/are not supported in your plan. "
        "Please upgrade your account to use it.",
    }


def page_limit_body(max_pages: int) -> dict[str, Any]:
    return {
        "description": "Validation failed",
        "errors": [
            {
                "field": "page",
                "message": f"You cannot access tickets beyond the {_ordinal(max_pages)} page. "
                "Please provide a smaller page number.",
                "code": "invalid_value",
            }
        ],
    }


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class ApiError(Exception):
    def __init__(self, status: int, body: Any = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class ValidationFailed(ApiError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(400, {"description": "Validation failed", "errors": errors})


def field_error(name: str, message: str, code: str = "invalid_value") -> dict[str, str]:
    return {"field": name, "message": message, "code": code}


@dataclass
class Call:
    """One parsed request as handlers see it."""

    store: Store
    ids: tuple[int, ...]
    query: dict[str, str]
    errors: list[dict[str, str]] = field(default_factory=list)

    def fail_if_errors(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    def date(self, name: str) -> int | None:
        value = self.query.get(name)
        if value is None:
            return None
        try:
            return parse_api_datetime(value)
        except ValueError:
            self.errors.append(
                field_error(name, "It should be in the 'YYYY-MM-DDTHH:MM:SSZ' format")
            )
            return None

    def integer(self, name: str) -> int | None:
        value = self.query.get(name)
        if value is None:
            return None
        if not value.isdigit():
            self.errors.append(
                field_error(name, "It should be a/an Positive Integer", "datatype_mismatch")
            )
            return None
        return int(value)

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.query.get(name)
        if value is None:
            return default
        if value not in allowed:
            self.errors.append(
                field_error(name, f"It should be one of these values: '{','.join(allowed)}'")
            )
            return default
        return value

    def includes(self, allowed: tuple[str, ...]) -> frozenset[str]:
        value = self.query.get("include")
        if value is None:
            return frozenset()
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not parts or any(p not in allowed for p in parts):
            self.errors.append(
                field_error("include", f"It should be one of these values: '{','.join(allowed)}'")
            )
            return frozenset()
        return frozenset(parts)


Handler = Callable[[Call], "list[dict[str, Any]] | dict[str, Any]"]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    handler: Handler
    params: frozenset[str] = frozenset()
    paginated: bool = True
    admin_only: bool = False
    # What a non-admin key gets (custom objects answer in their own error envelope).
    denied_body: Any = field(default_factory=lambda: ACCESS_DENIED)
    feature: str | None = None
    sub_budget: str | None = None  # "tickets_list" / "contacts_list"
    page_capped: bool = False  # /tickets refuses pages beyond settings.max_ticket_pages
    cost: Callable[[dict[str, str]], int] = lambda query: 1


# ---- handlers ------------------------------------------------------------------------------------
def _ticket_list(call: Call) -> list[dict[str, Any]]:
    includes = call.includes(TICKET_LIST_INCLUDES)
    filter_name = call.choice("filter", TICKET_FILTERS)
    since = call.date("updated_since")
    order_by = call.choice("order_by", TICKET_ORDER_FIELDS, "created_at")
    order_type = call.choice("order_type", ("asc", "desc"), "desc")
    requester_id = call.integer("requester_id")
    company_id = call.integer("company_id")
    call.fail_if_errors()
    store = call.store
    rows = store.tickets(
        filter_name=filter_name,
        since=since,
        order_by=order_by or "created_at",
        order_type=order_type or "desc",
        requester_id=requester_id,
        company_id=company_id,
        email=call.query.get("email"),
        unique_external_id=call.query.get("unique_external_id"),
    )
    return LazyTickets(rows, includes, store)


class LazyTickets(list):
    """Serialises only the page actually returned (a 31,000-ticket list is sliced to 100)."""

    def __init__(self, rows: list, includes: frozenset[str], store: Store) -> None:
        super().__init__(rows)
        self._includes = includes
        self._store = store

    def render(self, rows: list) -> list[dict[str, Any]]:
        return [
            serialize_ticket(r, self._includes, self._store.company_name(r.base["company_id"]))
            for r in rows
        ]


def _ticket_list_cost(query: dict[str, str]) -> int:
    # Each include on the tickets list costs 2 extra credits (docs: include=stats -> 3).
    parts = {p.strip() for p in query.get("include", "").split(",") if p.strip()}
    return 1 + 2 * len(parts & set(TICKET_LIST_INCLUDES))


def _ticket_view_cost(query: dict[str, str]) -> int:
    parts = {p.strip() for p in query.get("include", "").split(",") if p.strip()}
    return 1 + sum(2 if p == "conversations" else 1 for p in parts & set(TICKET_VIEW_INCLUDES))


def _ticket_or_404(call: Call):
    row = call.store.ticket(call.ids[0])
    if row is None:
        raise ApiError(404)
    return row


def _ticket_view(call: Call, archived: bool = False) -> dict[str, Any]:
    includes = call.includes(TICKET_VIEW_INCLUDES)
    call.fail_if_errors()
    row = _ticket_or_404(call)
    if row.archived != archived:
        raise ApiError(404)
    store = call.store
    record = serialize_ticket(
        row, includes | {"description"}, store.company_name(row.base["company_id"])
    )
    record["attachments"] = []
    if archived:
        record["archived"] = True
    else:
        record.update(
            signed_ticket_files(
                store.attachment_links,
                store.file_base_url,
                row,
                store.settings.seed,
                store.settings.large_attachment_bytes,
            )
        )
    if "conversations" in includes:
        record["conversations"] = list(store.conversations(row.id)[:10])
    return record


def _conversations(call: Call) -> list[dict[str, Any]]:
    row = _ticket_or_404(call)
    if row.archived:
        raise ApiError(404)
    if row.hidden_by is not None:
        raise ApiError(403, ACCESS_DENIED)
    store = call.store
    return signed_conversations(
        store.attachment_links, store.file_base_url, store.conversations(row.id)
    )


def _archived_view(call: Call) -> dict[str, Any]:
    return _ticket_view(call, archived=True)


def _archived_conversations(call: Call) -> list[dict[str, Any]]:
    row = _ticket_or_404(call)
    if not row.archived:
        raise ApiError(404)
    store = call.store
    return signed_conversations(
        store.attachment_links, store.file_base_url, store.conversations(row.id)
    )


def _ticket_time_entries(call: Call) -> list[dict[str, Any]]:
    row = _ticket_or_404(call)
    if row.hidden_by is not None:
        raise ApiError(404)
    return call.store.children("time_entries", "ticket_id", row.id)


def _ticket_ratings(call: Call) -> list[dict[str, Any]]:
    row = _ticket_or_404(call)
    return call.store.children("satisfaction_ratings", "ticket_id", row.id)


def _contacts(call: Call) -> list[dict[str, Any]]:
    state = call.choice("state", CONTACT_STATES)
    # Both spellings are accepted; the underscored one is the older documented name.
    since = call.date("updated_since")
    legacy_since = call.date("_updated_since")
    company_id = call.integer("company_id")
    call.fail_if_errors()
    return call.store.contacts(
        state=state,
        since=since if since is not None else legacy_since,
        email=call.query.get("email"),
        mobile=call.query.get("mobile"),
        phone=call.query.get("phone"),
        company_id=company_id,
        unique_external_id=call.query.get("unique_external_id"),
    )


def _view(stream: str) -> Handler:
    def handler(call: Call) -> dict[str, Any]:
        record = call.store.record(stream, call.ids[0])
        if record is None:
            raise ApiError(404)
        return record

    return handler


def _companies(call: Call) -> list[dict[str, Any]]:
    since = call.date("updated_since")
    call.fail_if_errors()
    companies = call.store.list_of("companies")
    if since is None:
        return companies
    since_z = to_z(since)
    return [c for c in companies if c["updated_at"] >= since_z]


def _ratings(call: Call) -> list[dict[str, Any]]:
    since = call.date("created_since")
    user_id = call.integer("user_id")
    call.fail_if_errors()
    since_z = to_z(since) if since is not None else None
    return [
        r
        for r in call.store.list_of("satisfaction_ratings")
        if (since_z is None or r["created_at"] >= since_z)
        and (user_id is None or r["user_id"] == user_id)
    ]


def _time_entries(call: Call) -> list[dict[str, Any]]:
    after = call.date("executed_after")
    before = call.date("executed_before")
    company_id = call.integer("company_id")
    agent_id = call.integer("agent_id")
    billable = call.choice("billable", ("true", "false"))
    call.fail_if_errors()
    after_z = to_z(after) if after is not None else None
    before_z = to_z(before) if before is not None else None
    return [
        e
        for e in call.store.list_of("time_entries")
        if (after_z is None or e["executed_at"] >= after_z)
        and (before_z is None or e["executed_at"] <= before_z)
        and (company_id is None or e["company_id"] == company_id)
        and (agent_id is None or e["agent_id"] == agent_id)
        and (billable is None or e["billable"] == (billable == "true"))
    ]


def _agents(call: Call) -> list[dict[str, Any]]:
    state = call.choice("state", ("fulltime", "occasional"))
    call.fail_if_errors()
    agents = call.store.list_of("agents")
    email = call.query.get("email")
    return [
        a
        for a in agents
        if (state is None or a["occasional"] == (state == "occasional"))
        and (email is None or a["contact"]["email"] == email)
    ]


def _surveys(call: Call) -> list[dict[str, Any]]:
    state = call.choice("state", ("active",))
    call.fail_if_errors()
    surveys = call.store.list_of("surveys")
    return [s for s in surveys if state is None or s["active"]]


def _ticket_fields(call: Call) -> list[dict[str, Any]]:
    kind = call.query.get("type")
    return [f for f in call.store.list_of("ticket_fields") if kind is None or f["type"] == kind]


def _all(stream: str) -> Handler:
    return lambda call: call.store.list_of(stream)


def _children(stream: str, key: str, parent_stream: str, **extra: Any) -> Handler:
    def handler(call: Call) -> list[dict[str, Any]]:
        parent_id = call.ids[0]
        if call.store.record(parent_stream, parent_id) is None:
            raise ApiError(404)
        return [
            r
            for r in call.store.children(stream, key, parent_id)
            if all(r.get(k) == v for k, v in extra.items())
        ]

    return handler


def _settings(call: Call) -> dict[str, Any]:
    return call.store.data.settings_object


# ---- the table -----------------------------------------------------------------------------------
def _r(path: str, handler: Handler, **options: Any) -> Route:
    regex = "^/api/v2/" + re.escape(path).replace(r"\{id\}", r"(\d+)") + "$"
    return Route(re.compile(regex), handler, **options)


_P = frozenset


def build_routes(legacy_skills_route_404: bool) -> list[Route]:
    routes = [
        _r(
            "tickets",
            _ticket_list,
            params=_P(
                {
                    "filter",
                    "requester_id",
                    "email",
                    "unique_external_id",
                    "company_id",
                    "updated_since",
                    "order_by",
                    "order_type",
                    "include",
                }
            ),
            sub_budget="tickets_list",
            page_capped=True,
            cost=_ticket_list_cost,
        ),
        _r(
            "tickets/{id}",
            _ticket_view,
            params=_P({"include"}),
            paginated=False,
            cost=_ticket_view_cost,
        ),
        _r("tickets/{id}/conversations", _conversations),
        _r(
            "tickets/archived/{id}",
            _archived_view,
            params=_P({"include"}),
            paginated=False,
            cost=_ticket_view_cost,
            feature="archive_tickets",
        ),
        _r(
            "tickets/archived/{id}/conversations",
            _archived_conversations,
            feature="archive_tickets",
        ),
        _r("tickets/{id}/time_entries", _ticket_time_entries, feature="timesheets"),
        _r("tickets/{id}/satisfaction_ratings", _ticket_ratings, feature="surveys"),
        _r(
            "contacts",
            _contacts,
            params=_P(
                {
                    "email",
                    "mobile",
                    "phone",
                    "company_id",
                    "state",
                    "updated_since",
                    "_updated_since",
                    "unique_external_id",
                }
            ),
            sub_budget="contacts_list",
        ),
        _r("contacts/{id}", _view("contacts"), paginated=False),
        _r("companies", _companies, params=_P({"updated_since"})),
        _r("companies/{id}", _view("companies"), paginated=False),
        _r(
            "agents",
            _agents,
            params=_P({"email", "mobile", "phone", "state"}),
            admin_only=True,
        ),
        _r("agents/{id}", _view("agents"), paginated=False, admin_only=True),
        _r("business_hours", _all("business_hours"), admin_only=True),
        _r("canned_response_folders", _all("canned_response_folders")),
        _r(
            "canned_response_folders/{id}/responses",
            _children("canned_responses", "folder_id", "canned_response_folders"),
        ),
        _r("discussions/categories", _all("discussion_categories"), feature="discussions"),
        _r(
            "discussions/categories/{id}/forums",
            _children("discussion_forums", "forum_category_id", "discussion_categories"),
            feature="discussions",
        ),
        _r(
            "discussions/forums/{id}/topics",
            _children("discussion_topics", "forum_id", "discussion_forums"),
            feature="discussions",
        ),
        _r(
            "discussions/topics/{id}/comments",
            _children("discussion_comments", "topic_id", "discussion_topics"),
            feature="discussions",
        ),
        _r("email_configs", _all("email_configs")),
        _r("email/mailboxes", _all("email_mailboxes"), admin_only=True),
        _r("groups", _all("groups"), admin_only=True),
        _r("admin/groups", _all("groups"), admin_only=True),
        _r("products", _all("products")),
        _r("roles", _all("roles"), admin_only=True),
        _r(
            "surveys/satisfaction_ratings",
            _ratings,
            params=_P({"created_since", "user_id"}),
            feature="surveys",
        ),
        _r("surveys", _surveys, params=_P({"state"}), feature="surveys"),
        _r("scenario_automations", _all("scenario_automations")),
        _r("settings/helpdesk", _settings, paginated=False),
        _r("admin/skills", _all("skills"), admin_only=True, feature="skills"),
        _r("sla_policies", _all("sla_policies"), admin_only=True),
        _r("solutions/categories", _all("solution_categories")),
        _r(
            "solutions/categories/{id}/folders",
            _children(
                "solution_folders", "category_id", "solution_categories", parent_folder_id=None
            ),
        ),
        _r(
            "solutions/folders/{id}/subfolders",
            _children("solution_folders", "parent_folder_id", "solution_folders"),
        ),
        _r(
            "solutions/folders/{id}/articles",
            _children("solution_articles", "folder_id", "solution_folders"),
        ),
        _r("ticket_fields", _ticket_fields, params=_P({"type"})),
        _r(
            "time_entries",
            _time_entries,
            params=_P({"company_id", "agent_id", "executed_after", "executed_before", "billable"}),
            feature="timesheets",
        ),
    ]
    # The endpoints beyond Airbyte's 28 streams live in their own module, which builds on this one.
    from .routes_more import more_routes
    from .routes_search import search_routes

    routes += more_routes() + search_routes()
    if not legacy_skills_route_404:
        routes.append(_r("skills", _all("skills"), admin_only=True, feature="skills"))
    return routes
