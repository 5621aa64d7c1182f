"""Custom reports: any Explore report type a user names, with the shipped streams' job cycle.

Each `custom_reports` entry becomes a stream class of its own, so it reads like the shipped ones
(report, key, cursor). Its schema declares only the cursor and the key: the report's other
columns are not known here and are let through as they come.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from source_talkdesk_explore.config import CustomReport
from source_talkdesk_explore.streams.base import ExploreReportStream

# A report's key columns: ids are strings in every documented report, numbers are allowed.
_KEY_TYPES = ["null", "string", "integer", "number"]


class CustomReportStream(ExploreReportStream):
    stream_name: str
    key_columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.stream_name

    @cache  # noqa: B019 - one schema per stream object, as the CDK caches it
    def get_json_schema(self) -> Mapping[str, Any]:
        properties: dict[str, Any] = {key: {"type": _KEY_TYPES} for key in self.key_columns}
        properties[self.cursor_field] = {"type": ["null", "string"]}
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": True,
            "properties": properties,
        }


def custom_report_class(report: CustomReport) -> type[CustomReportStream]:
    """The stream class of one configured custom report."""
    return type(
        f"CustomReport_{report.name}",
        (CustomReportStream,),
        {
            "stream_name": report.name,
            "report_type": report.report_type,
            "cursor_field": report.cursor_field,
            "key_columns": report.primary_key,
            "primary_key": [[key] for key in report.primary_key] or None,
        },
    )
