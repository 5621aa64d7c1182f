"""The Filter (search) API: /search/tickets and /search/contacts with a `query` expression.

As documented: the query is wrapped in double quotes and at most 512 characters; clauses are
`field:value`, `field:>'YYYY-MM-DD'` (on or after that day) and `field:<'YYYY-MM-DD'` (on or
before it), joined by AND / OR (AND binds tighter; parentheses are not modelled). The answer is
`{"results": [...], "total": N}`: 30 results a page and at most 10 pages (page 11 is a 400),
while `total` counts every match, beyond the 300 the pages can reach. Archived tickets, deleted
and spam tickets and deleted contacts are not indexed, and a record changed within
`search_index_lag_seconds` of the server clock is not yet findable (the index lags a few minutes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .clock import to_z
from .routes import _P, Call, Route, _r, field_error
from .store import serialize_ticket

SEARCH_PAGE_SIZE = 30
SEARCH_MAX_PAGES = 10
MAX_QUERY_LENGTH = 512
DATE_FIELDS = frozenset({"created_at", "updated_at"})
TICKET_INT_FIELDS = frozenset({"status", "priority", "group_id", "requester_id", "company_id"})
CONTACT_INT_FIELDS = frozenset({"company_id"})
_CLAUSE = re.compile(r"^(?P<field>[a-z_]+):(?P<op>[<>]?)(?P<value>'[^']*'|\S+)$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Predicate = Callable[[dict[str, Any]], bool]


def search_routes() -> list[Route]:
    return [
        _r("search/tickets", _search_tickets, params=_P({"query", "page"}), paginated=False),
        _r("search/contacts", _search_contacts, params=_P({"query", "page"}), paginated=False),
    ]


def _search_tickets(call: Call) -> dict[str, Any]:
    matches = _parse(call, TICKET_INT_FIELDS)
    page = _page(call)
    call.fail_if_errors()
    store = call.store
    # updated_since at the epoch: every ticket of the default list, without its 30-day window.
    rows = store.tickets(filter_name=None, since=0, order_by="created_at", order_type="desc")
    indexed = _indexed(call)
    found = [r for r in rows if indexed(r.base) and matches(r.base)]
    shown = found[(page - 1) * SEARCH_PAGE_SIZE : page * SEARCH_PAGE_SIZE]
    results = [
        serialize_ticket(r, frozenset(), store.company_name(r.base["company_id"])) for r in shown
    ]
    return {"results": results, "total": len(found)}


def _search_contacts(call: Call) -> dict[str, Any]:
    matches = _parse(call, CONTACT_INT_FIELDS)
    page = _page(call)
    call.fail_if_errors()
    store = call.store
    rows = [
        *store.contacts(state=None, since=None),
        *store.contacts(state="blocked", since=None),
    ]
    indexed = _indexed(call)
    found = [c for c in rows if indexed(c) and matches(c)]
    found.sort(key=lambda c: c["id"])
    shown = found[(page - 1) * SEARCH_PAGE_SIZE : page * SEARCH_PAGE_SIZE]
    return {"results": [dict(c) for c in shown], "total": len(found)}


def _indexed(call: Call) -> Predicate:
    """Whether the index has caught up with a record's last change."""
    lag = call.store.settings.search_index_lag_seconds
    if not lag:
        # Mutations may stamp a second or two ahead of the clock; without a lag all are found.
        return lambda _record: True
    before = to_z(int(call.store.clock.now() - lag))
    return lambda record: record["updated_at"] <= before


def _page(call: Call) -> int:
    raw = call.query.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= SEARCH_MAX_PAGES:
        call.errors.append(
            field_error(
                "page",
                f"It should be a Positive Integer less than or equal to {SEARCH_MAX_PAGES}",
            )
        )
        return 1
    return int(raw)


def _parse(call: Call, int_fields: frozenset[str]) -> Predicate:
    """The query as a predicate on one record; errors go to the call's validation errors."""
    raw = call.query.get("query")
    if raw is None:
        call.errors.append(field_error("query", "It should not be blank", "missing_field"))
        return _never
    if len(raw) > MAX_QUERY_LENGTH:
        call.errors.append(
            field_error("query", f"It should not exceed {MAX_QUERY_LENGTH} characters")
        )
        return _never
    if len(raw) < 2 or not (raw.startswith('"') and raw.endswith('"')):
        call.errors.append(field_error("query", "It should be enclosed in double quotes"))
        return _never
    try:
        alternatives = [
            [_clause(c.strip(), int_fields) for c in part.split(" AND ")]
            for part in raw[1:-1].split(" OR ")
        ]
    except ValueError as bad:
        call.errors.append(field_error("query", str(bad)))
        return _never
    return lambda record: any(all(test(record) for test in tests) for tests in alternatives)


def _never(_record: dict[str, Any]) -> bool:
    return False


def _clause(text: str, int_fields: frozenset[str]) -> Predicate:
    found = _CLAUSE.match(text)
    if found is None:
        raise ValueError(f"Invalid query term '{text}'")
    name, op, value = found["field"], found["op"], found["value"].strip("'")
    if name in DATE_FIELDS:
        if not _DAY.match(value):
            raise ValueError(f"'{name}' should be a date in the 'YYYY-MM-DD' format")
        first, last = f"{value}T00:00:00Z", f"{value}T23:59:59Z"
        if op == ">":
            return lambda record: record[name] >= first
        if op == "<":
            return lambda record: record[name] <= last
        return lambda record: first <= record[name] <= last
    if name in int_fields:
        if op or not value.isdigit():
            raise ValueError(f"'{name}' should be an integer")
        number = int(value)
        return lambda record: record.get(name) == number
    raise ValueError(f"'{name}' is not a searchable field")
