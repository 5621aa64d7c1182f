"""Endpoints beyond Airbyte's 28 streams: field metadata, ticket forms, the account, automation
rules and the admin ticket fields, each with its documented envelope and access rule."""

from __future__ import annotations

import re
from typing import Any

from .routes import _P, ApiError, Call, Route, ValidationFailed, _r, field_error
from .routes_tokens import token_routes
from .seed_activities import export_answer, file_token
from .seed_admin import AUTOMATION_TYPES

MAX_PER_PAGE = 100


def _fields(stream: str) -> Any:
    def handler(call: Call) -> list[dict[str, Any]]:
        return call.store.list_of(stream)

    return handler


def _ticket_forms(call: Call) -> list[dict[str, Any]]:
    includes = call.includes(("portals",))
    call.fail_if_errors()
    # Only the view by id carries the form's fields; portals only when asked for.
    return [
        {k: v for k, v in form.items() if k != "fields" and (k != "portals" or includes)}
        for form in call.store.list_of("ticket_forms")
    ]


def _ticket_form(call: Call) -> dict[str, Any]:
    form = call.store.record("ticket_forms", call.ids[0])
    if form is None:
        raise ApiError(404)
    return form


def _account(call: Call) -> dict[str, Any]:
    return call.store.list_of("account")[0]


def _automation_rules(call: Call) -> dict[str, Any]:
    """The rules of one type in the {"rules": [...], "meta": {...}} envelope.

    The server pages it itself (no Link header): callers stop on a short page or on meta.count.
    """
    type_id = call.ids[0]
    if type_id not in AUTOMATION_TYPES:
        raise ApiError(404)
    page = call.integer("page") or 1
    per_page = min(call.integer("per_page") or 30, MAX_PER_PAGE)
    call.fail_if_errors()
    rules = [
        r for r in call.store.list_of("automation_rules") if r["automation_type_id"] == type_id
    ]
    start = (page - 1) * per_page
    return {
        "rules": rules[start : start + per_page],
        "meta": {"count": len(rules), "cascading_rules": False},
    }


def _admin_ticket_fields(call: Call) -> list[dict[str, Any]]:
    includes = call.includes(("section",))
    call.fail_if_errors()
    return [
        {k: v for k, v in field.items() if k != "sections" or includes}
        for field in call.store.list_of("admin_ticket_fields")
    ]


def _activities_export(call: Call) -> dict[str, Any]:
    day = call.query.get("created_at", "")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise ValidationFailed(
            [field_error("created_at", "It should be in the 'YYYY-MM-DD' format")]
        )
    store = call.store
    if not store.activities_ready(day):
        raise ApiError(404, {"code": "not_found", "message": "The export is not ready yet"})
    # Expired files are still listed; their download answers 404.
    token = file_token(day, store.settings.seed)
    url = f"{store.file_base_url}/_files/activities/{token}.json?X-Amz-Signature={token[::-1]}"
    return export_answer(day, url, day in store.data.activity_files)


def more_routes() -> list[Route]:
    return [
        # The lists are open to agents allowed to create contacts / companies, not only admins.
        _r("contact_fields", _fields("contact_fields")),
        _r("company_fields", _fields("company_fields")),
        _r("ticket-forms", _ticket_forms, params=_P({"include"}), admin_only=True),
        _r("ticket-forms/{id}", _ticket_form, paginated=False, admin_only=True),
        _r("account", _account, paginated=False, admin_only=True),
        _r(
            "automations/{id}/rules",
            _automation_rules,
            params=_P({"page", "per_page"}),
            paginated=False,
            admin_only=True,
        ),
        _r("admin/ticket_fields", _admin_ticket_fields, params=_P({"include"}), admin_only=True),
        _r(
            "export/ticket_activities",
            _activities_export,
            params=_P({"created_at"}),
            paginated=False,
            admin_only=True,
            feature="activities_export",
        ),
        *token_routes(),
    ]
