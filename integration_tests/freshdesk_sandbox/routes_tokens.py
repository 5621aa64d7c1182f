"""Token-paged endpoints: the newer CSAT surveys API and custom objects.

CSAT pages by `next_token` in `{"data": [...], "paging": {"next": "<full URL>"}}`; custom objects
by `next_token` in `{"records": [...], "_links": {"next": {"href": "<relative URL>"}}}`. Tokens are
opaque to callers.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from .clock import parse_api_datetime
from .routes import _P, ApiError, Call, Route, ValidationFailed, _r, field_error

CSAT_STATES = ("ACTIVE", "DRAFT", "PAUSE", "IN_PROGRESS")
# The custom objects API answers errors in its own envelope, not the v2 {code, message}.
PERMISSION_NOT_ALLOWED = {
    "error_type": "PERMISSION_NOT_ALLOWED",
    "message": "You are not allowed to access custom objects.",
    "errors": [],
}
RECORD_FILTERS = ("updated_time", "created_time")
RECORD_FILTER_OPS = ("", "[gt]", "[lt]", "[gte]", "[lte]")
# The CSAT links point at the account's own public host, never at the address a client used.
CSAT_LINK_BASE = "https://sandbox.freshdesk.com/api/v2"
UUID = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode(token: str, name: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        kind, offset = base64.urlsafe_b64decode(padded).decode().split(":")
        if kind == "offset" and offset.isdigit():
            return int(offset)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ValidationFailed([field_error(name, "Invalid token")])


def _token_page(
    call: Call, items: list[dict[str, Any]], size_param: str, default_size: int
) -> tuple[list[dict[str, Any]], str | None]:
    size = call.integer(size_param) or default_size
    if size > 100:
        call.errors.append(field_error(size_param, "It should be less than or equal to 100"))
    call.fail_if_errors()
    token = call.query.get("next_token")
    start = _decode(token, "next_token") if token else 0
    chunk = items[start : start + size]
    return chunk, _encode(start + size) if start + size < len(items) else None


def _csat_surveys(call: Call) -> dict[str, Any]:
    state = call.choice("state", CSAT_STATES)
    surveys = [
        s for s in call.store.list_of("csat_surveys") if state is None or s["state"] == state
    ]
    chunk, token = _token_page(call, surveys, "per_page", 30)
    return {
        "data": chunk,
        "paging": {
            "next": f"{CSAT_LINK_BASE}/customer-satisfaction/surveys?next_token={token}"
            if token
            else None,
            "previous": None,
        },
    }


def _csat_responses(call: Call) -> dict[str, Any]:
    survey_id = call.ids[0]
    if not any(s["id"] == survey_id for s in call.store.list_of("csat_surveys")):
        raise ApiError(404, {"code": "not_found", "message": "Survey not found"})
    responses = [
        r for r in call.store.list_of("csat_survey_responses") if r["survey_id"] == survey_id
    ]
    if not responses:
        # A survey nobody answered yet is a 404 too.
        raise ApiError(404, {"code": "not_found", "message": "No responses found"})
    chunk, token = _token_page(call, responses, "per_page", 30)
    path = f"customer-satisfaction/surveys/{survey_id}/responses"
    return {
        "data": chunk,
        "paging": {"next": f"{CSAT_LINK_BASE}/{path}?next_token={token}" if token else None},
    }


def _custom_object_schemas(call: Call) -> dict[str, Any]:
    return {"schemas": call.store.list_of("custom_object_schemas")}


def _custom_object_records(call: Call) -> dict[str, Any]:
    schema_id = call.ids[0]
    if call.store.record("custom_object_schemas", schema_id) is None:
        raise ApiError(
            404,
            {"error_type": "RESOURCE_NOT_FOUND", "message": "Schema not found", "errors": []},
        )
    conditions = []
    for name, value in call.query.items():
        match = re.fullmatch(r"(updated_time|created_time)(\[(?:gt|lt|gte|lte)\])?", name)
        if not match:
            continue
        try:
            # Filters take YYYY-MM-DDTHH:mm:ss.SSSZ; stamps are epoch milliseconds.
            whole, _, millis = value.removesuffix("Z").partition(".")
            bound = parse_api_datetime(whole + "Z") * 1000 + int(millis or 0)
        except ValueError:
            call.errors.append(field_error(name, "It should be in YYYY-MM-DDTHH:mm:ss.SSSZ"))
            continue
        conditions.append((match.group(1), match.group(2) or "", bound))
    records = [
        {k: v for k, v in r.items() if k != "schema_id"}
        for r in call.store.list_of("custom_object_records")
        if r["schema_id"] == schema_id and all(_holds(r[f], op, b) for f, op, b in conditions)
    ]
    chunk, token = _token_page(call, records, "page_size", 20)
    base = f"/schemas/{schema_id}/records?page_size={call.query.get('page_size', 20)}"
    return {
        "records": chunk,
        # Relative to /api/v2/custom_objects; the last page has no next link.
        "_links": {
            "self": {"href": base},
            **({"next": {"href": f"{base}&prev_token=&next_token={token}"}} if token else {}),
            "count": {"href": f"/schemas/{schema_id}/records/count"},
        },
    }


def _holds(value: int, op: str, bound: int) -> bool:
    return {
        "": value == bound,
        "[gt]": value > bound,
        "[lt]": value < bound,
        "[gte]": value >= bound,
        "[lte]": value <= bound,
    }[op]


def _uuid_route(path: str, handler: Any, **options: Any) -> Route:
    regex = "^/api/v2/" + re.escape(path).replace(r"\{uuid\}", UUID) + "$"
    return Route(re.compile(regex), handler, **options)


def token_routes() -> list[Route]:
    filters = {f"{f}{op}" for f in RECORD_FILTERS for op in RECORD_FILTER_OPS}
    return [
        _r(
            "customer-satisfaction/surveys",
            _csat_surveys,
            params=_P({"state", "per_page", "next_token", "prev_token"}),
            paginated=False,
            feature="csat",
        ),
        _uuid_route(
            "customer-satisfaction/surveys/{uuid}/responses",
            _csat_responses,
            params=_P({"per_page", "next_token", "prev_token"}),
            paginated=False,
            feature="csat",
        ),
        _r(
            "custom_objects/schemas",
            _custom_object_schemas,
            paginated=False,
            admin_only=True,
            denied_body=PERMISSION_NOT_ALLOWED,
            feature="custom_objects",
        ),
        _r(
            "custom_objects/schemas/{id}/records",
            _custom_object_records,
            params=_P({"page_size", "next_token", "prev_token", "sort_by", *filters}),
            paginated=False,
            admin_only=True,
            denied_body=PERMISSION_NOT_ALLOWED,
            feature="custom_objects",
        ),
    ]
