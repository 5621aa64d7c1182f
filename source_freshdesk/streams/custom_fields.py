"""Typed custom fields: the account's field definitions give `custom_fields` a property per field.

Tickets, contacts and companies carry `custom_fields`, keyed by each custom field's `name`. The
shipped schemas leave it an open object; where the definitions can be read, the schema gains one
typed property per custom field (unknown keys still allowed), so records are coerced to those
types and destinations get typed columns. Where they cannot be read (403, plan), the shipped
schema stays, with a log line.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from connector_common.stats import StreamStats
from source_freshdesk.streams.base import SUMMARY_COUNTERS, FreshdeskStream

STRING = {"type": ["null", "string"]}
# Freshdesk field type -> the JSON schema of its value in a record. Types not listed (or not yet
# seen) stay untyped: their values pass through as they come.
CUSTOM_FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "custom_text": STRING,
    "custom_paragraph": STRING,
    "custom_dropdown": STRING,
    "custom_url": STRING,
    "custom_phone_number": STRING,
    "custom_lookup": STRING,  # a custom object record's display id or primary value
    "nested_field": STRING,  # every level is a key of its own, each holding a choice
    "custom_number": {"type": ["null", "integer"]},
    # Decimals come as numbers or as strings; "number" turns both into a JSON number.
    "custom_decimal": {"type": ["null", "number"]},
    "custom_checkbox": {"type": ["null", "boolean"]},
    # YYYY-MM-DD, or a midnight date-time on some accounts: kept as the string it is.
    "custom_date": STRING,
    "custom_date_time": {"type": ["null", "string"], "format": "date-time"},
    "custom_multi_select_dropdown": {"type": ["null", "array"], "items": STRING},
}


def custom_field_properties(definitions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One property per custom field (and per nested level), keyed by its `name`."""
    properties: dict[str, Any] = {}
    for definition in definitions:
        name, kind = definition.get("name"), definition.get("type")
        if definition.get("default") or not isinstance(name, str) or not isinstance(kind, str):
            continue  # default fields are top-level attributes, not custom_fields keys
        typed = CUSTOM_FIELD_SCHEMAS.get(kind)
        if typed is None:
            continue
        properties[name] = copy.deepcopy(typed)
        levels = definition.get("nested_ticket_fields") or definition.get("dependent_fields")
        for level in levels if isinstance(levels, list) else []:
            if isinstance(level, Mapping) and isinstance(level.get("name"), str):
                properties[level["name"]] = copy.deepcopy(STRING)
    return properties


def with_typed_custom_fields(
    schema: Mapping[str, Any], definitions: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    typed = copy.deepcopy(dict(schema))
    properties = custom_field_properties(definitions)
    if properties:
        typed["properties"]["custom_fields"] = {
            "type": ["null", "object"],
            "additionalProperties": True,
            "properties": properties,
        }
    return typed


class FieldDefinitions(FreshdeskStream):
    """A field definitions list (ticket, contact or company fields), read for a schema."""


class TypedCustomFields(FreshdeskStream):
    """A stream whose `custom_fields` are typed from the definitions at `fields_endpoint`."""

    fields_endpoint: str

    @cache  # noqa: B019 - one schema per stream object, as the CDK caches it
    def get_json_schema(self) -> Mapping[str, Any]:
        schema = super().get_json_schema()
        # Read by a stream object of its own, so these requests stay out of this one's summary.
        reader = FieldDefinitions(
            self.context, StreamStats(f"{self.name}:{self.fields_endpoint}", shown=SUMMARY_COUNTERS)
        )
        try:
            definitions = [
                record for page in reader.pages(self.fields_endpoint, {}) for record in page.records
            ]
        except Exception as error:  # any failure keeps the shipped schema, never fails discover
            self.logger.info(
                f"{self.name}: the custom field definitions ({self.fields_endpoint}) could not be "
                f"read ({error}); custom_fields stays an untyped object."
            )
            return schema
        return with_typed_custom_fields(schema, definitions)
