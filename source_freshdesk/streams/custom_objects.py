"""Custom objects (Enterprise): each schema, and the records of every schema (token paged).

Their stamps are epoch milliseconds (`created_time`, `updated_time`), unlike the rest of the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

import requests

from source_freshdesk.http_errors import json_body
from source_freshdesk.pagination import TokenPaging
from source_freshdesk.streams.base import ChildStream, IncrementalStream, Record
from source_freshdesk.streams.token_paged import TokenPaged


def epoch_millis_cursor(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)


class CustomObjectSchemas(IncrementalStream):
    """All schemas in one `{"schemas": [...]}` answer (no pagination), filtered client-side."""

    endpoint = "custom_objects/schemas"
    cursor_field = "updated_time"
    paginated = False

    def parse_response(self, response: requests.Response, **_: Any) -> Iterable[Record]:
        body = json_body(response)
        schemas = body.get("schemas") if isinstance(body, dict) else None
        return [schema for schema in schemas or [] if isinstance(schema, dict)]

    def cursor_value(self, record: Record) -> datetime | None:
        return epoch_millis_cursor(record.get(self.cursor_field))


class CustomObjectRecords(TokenPaged, ChildStream, IncrementalStream):
    """Records of every schema, filtered by the API on `updated_time[gte]`.

    The default order is by creation, so the cursor commits once every schema was read.
    """

    endpoint = "custom_objects/schemas/{parent_id}/records"
    primary_key = ["schema_id", "display_id"]  # display ids are per schema ("BKG-1")
    cursor_field = "updated_time"
    parent_stream = CustomObjectSchemas
    parent_id_field = "schema_id"
    token_paging = TokenPaging(
        records_key="records", link_path=("_links", "next", "href"), size_param="page_size"
    )

    def request_filters(self, lower_bound: datetime | None) -> dict[str, Any]:
        if lower_bound is None:
            return {}
        # The filter takes milliseconds: YYYY-MM-DDTHH:mm:ss.SSSZ.
        stamp = lower_bound.astimezone(timezone.utc)
        return {"updated_time[gte]": f"{stamp:%Y-%m-%dT%H:%M:%S}.{stamp.microsecond // 1000:03d}Z"}

    def cursor_value(self, record: Record) -> datetime | None:
        return epoch_millis_cursor(record.get(self.cursor_field))
