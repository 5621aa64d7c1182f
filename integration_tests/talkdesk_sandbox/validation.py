"""Validation of a create-job request body, with the rejection causes Talkdesk documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .timestamps import parse_api_time, resolve_timezone

MAX_TIMESPAN = timedelta(days=31)
MAX_NAME_LENGTH = 256
REPORT_FORMATS = ("csv", "json", "json_bulk")
SERVED_FORMATS = ("json",)


@dataclass(frozen=True)
class JobRequest:
    name: str | None
    timespan: dict  # as sent, echoed back in the job body
    start: datetime  # UTC
    end: datetime  # UTC
    timezone: str
    format: str


@dataclass(frozen=True)
class FieldError:
    name: str
    description: str

    def as_json(self) -> dict:
        return {"name": self.name, "description": self.description}


def validate_job_request(request: dict, now: datetime) -> JobRequest | FieldError:
    """The resolved request, or the first field Talkdesk would reject."""
    name = request.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME_LENGTH):
        return FieldError("name", f"must be a string of at most {MAX_NAME_LENGTH} characters")
    report_format = request.get("format", "json")
    if report_format not in REPORT_FORMATS:
        return FieldError("format", f"must be one of {', '.join(REPORT_FORMATS)}")
    if report_format not in SERVED_FORMATS:
        return FieldError("format", "the sandbox only serves json reports")
    zone_name = request.get("timezone", "UTC")
    zone = resolve_timezone(zone_name) if isinstance(zone_name, str) else None
    if zone is None:
        return FieldError("timezone", "must be an IANA timezone name")
    timespan = request.get("timespan")
    if not isinstance(timespan, dict) or "from" not in timespan or "to" not in timespan:
        return FieldError("timespan", "timespan.from and timespan.to are mandatory")
    start = parse_api_time(timespan["from"], zone)
    if start is None:
        return FieldError("timespan.from", "must be an ISO-8601 datetime")
    end = parse_api_time(timespan["to"], zone)
    if end is None:
        return FieldError("timespan.to", "must be an ISO-8601 datetime")
    if end <= start:
        return FieldError("timespan.to", "must be after timespan.from")
    if end - start > MAX_TIMESPAN:
        return FieldError("timespan", "must not be longer than 31 days")
    if end > now:
        return FieldError("timespan.to", "must not be in the future")
    return JobRequest(name, timespan, start, end, zone_name, report_format)
