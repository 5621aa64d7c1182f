"""Connector configuration: parsing, 0.1.0 key compatibility, region URLs and the loopback rule."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connector_common.datetimes import parse_datetime, to_zone, utc_now
from connector_common.errors import config_error, invalid_configuration
from connector_common.hosts import is_loopback_host
from connector_common.input_files import package_schema_names
from connector_common.state_values import MAX_CURSOR_AHEAD
from connector_common.timeouts import DEFAULT_REQUEST_TIMEOUT_S, RequestTimeoutSeconds

# Explore API hosts per region, the spec's `region` enum (a test holds the two equal). The token
# host embeds the account name, so it always comes from `auth_url`.
REGION_API_URLS: dict[str, str] = {
    "us": "https://api.talkdeskapp.com",
    "eu": "https://api.talkdeskapp.eu",
    "ca": "https://api.talkdeskappca.com",
    "au": "https://api.mytalkdesk.au",
    "uk": "https://api.talkdeskapp.co.uk",
}
DEFAULT_REGION = "us"
# Seconds to reach any Talkdesk host (token, Explore API, storage); the read part of every
# timeout is `request_timeout_seconds`.
HOST_CONNECT_TIMEOUT_S = 10

# Talkdesk rejects a job whose span exceeds 31 days.
MAX_WINDOW_DAYS = 31
# The account-wide quota of simultaneous report jobs, shared with every other tool.
ACCOUNT_JOB_QUOTA = 15
# A stream name: what destinations turn into a table name.
_STREAM_NAME = re.compile(r"^[A-Za-z0-9_]+$")
# A report type slug: a path segment of `data/reports/{type}/jobs`.
_REPORT_TYPE = re.compile(r"^[a-z0-9_]+$")


class CustomReport(BaseModel):
    """A report type the source does not ship, synced as a stream of its own."""

    model_config = ConfigDict(frozen=True)

    name: str
    report_type: str
    # The report's own time column: what Talkdesk selects a job's rows by.
    cursor_field: str
    primary_key: tuple[str, ...] = ()


class TalkdeskConfig(BaseModel):
    """Validated settings; built only through `from_mapping` so every error is a config_error."""

    model_config = ConfigDict(frozen=True)

    start_date: datetime
    timezone: str = "UTC"
    token_url: str
    api_url: str
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1, repr=False)
    # One of REGION_API_URLS, checked by from_mapping, which needs its URL first.
    region: str = DEFAULT_REGION
    window_in_days: int = Field(default=7, ge=1, le=MAX_WINDOW_DAYS)
    # None: each stream's own lag (how late its report's rows become complete).
    freshness_lag_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    lookback_minutes: int = Field(default=0, ge=0, le=31 * 24 * 60)
    max_concurrent_jobs: int = Field(default=5, ge=1, le=ACCOUNT_JOB_QUOTA)
    job_timeout_minutes: int = Field(default=60, ge=1, le=24 * 60)
    max_job_attempts: int = Field(default=3, ge=1, le=10)
    # The read part of every request's timeout: API calls, token calls and storage downloads.
    request_timeout_seconds: RequestTimeoutSeconds = DEFAULT_REQUEST_TIMEOUT_S
    custom_reports: tuple[CustomReport, ...] = ()

    @property
    def zone(self) -> tzinfo:
        return to_zone(self.timezone)

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_in_days)

    @property
    def freshness_lag(self) -> timedelta | None:
        if self.freshness_lag_minutes is None:
            return None
        return timedelta(minutes=self.freshness_lag_minutes)

    @property
    def lookback(self) -> timedelta:
        return timedelta(minutes=self.lookback_minutes)

    @property
    def job_timeout(self) -> timedelta:
        return timedelta(minutes=self.job_timeout_minutes)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> TalkdeskConfig:
        """Turn the user's config (current or 0.1.0 shape) into a TalkdeskConfig or a config_error."""
        values = dict(raw)
        client_id, client_secret = _credentials(values)
        add_to_secrets(client_secret)
        zone_name = values.get("timezone") or "UTC"
        try:
            zone = to_zone(zone_name)
        except ValueError as error:
            raise config_error(
                f"timezone: {error}; use an IANA name such as 'Europe/Lisbon'."
            ) from None
        region = str(values.get("region") or DEFAULT_REGION)
        if region not in REGION_API_URLS:
            raise config_error(f"region must be one of {sorted(REGION_API_URLS)}, got {region!r}.")
        token_url = _required(values, "auth_url")
        api_url = values.get("api_url") or REGION_API_URLS[region]
        fields: dict[str, Any] = {
            "start_date": _start_date(values, zone),
            "timezone": zone_name,
            "token_url": _strip_grant_type(_checked_url("auth_url", token_url)),
            "api_url": _checked_url("api_url", api_url).rstrip("/"),
            "client_id": client_id,
            "client_secret": client_secret,
            "region": region,
            "custom_reports": _custom_reports(values.get("custom_reports")),
        }
        for key in (
            "window_in_days",
            "freshness_lag_minutes",
            "lookback_minutes",
            "max_concurrent_jobs",
            "job_timeout_minutes",
            "max_job_attempts",
            "request_timeout_seconds",
        ):
            if values.get(key) is not None:
                fields[key] = values[key]
        try:
            return cls(**fields)
        except ValidationError as error:
            raise invalid_configuration("Talkdesk Explore", error) from None


def _custom_reports(raw: Any) -> tuple[CustomReport, ...]:
    """The `custom_reports` entries, or a config_error that names the entry and what to fix."""
    if raw in (None, []):
        return ()
    if not isinstance(raw, list):
        raise config_error(
            "custom_reports must be a list of reports, each with 'name', 'report_type' and "
            "'cursor_field' (and optionally 'primary_key')."
        )
    shipped = package_schema_names("source_talkdesk_explore")
    reports: list[CustomReport] = []
    for number, entry in enumerate(raw, start=1):
        where = f"custom_reports entry {number}"
        if not isinstance(entry, Mapping):
            raise config_error(
                f"{where} must be an object with 'name', 'report_type', 'cursor_field'."
            )
        name = _entry_text(entry, "name", where, "the stream name to sync the report as")
        where = f"{where} ('{name}')"
        if not _STREAM_NAME.match(name):
            raise config_error(f"{where}: the name may hold only letters, digits and underscores.")
        if name in shipped:
            raise config_error(
                f"{where}: '{name}' is a stream the source ships; give the custom report another "
                f"name (e.g. 'custom_{name}')."
            )
        if any(report.name == name for report in reports):
            raise config_error(f"{where}: the name is used twice; give each custom report its own.")
        report_type = _entry_text(entry, "report_type", where, "the Explore report type slug")
        if not _REPORT_TYPE.match(report_type):
            raise config_error(
                f"{where}: report_type {report_type!r} is not an Explore report type slug "
                "(lowercase letters, digits and underscores, as in data/reports/<type>/jobs)."
            )
        cursor = _entry_text(
            entry, "cursor_field", where, "the report's own time column its rows are selected by"
        )
        reports.append(
            CustomReport(
                name=name,
                report_type=report_type,
                cursor_field=cursor,
                primary_key=_primary_key(entry.get("primary_key"), where),
            )
        )
    return tuple(reports)


def _entry_text(entry: Mapping[str, Any], key: str, where: str, meaning: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise config_error(f"{where}: '{key}' is required ({meaning}).")
    return value.strip()


def _primary_key(raw: Any, where: str) -> tuple[str, ...]:
    if raw in (None, "", []):
        return ()
    fields = [raw] if isinstance(raw, str) else raw
    if not isinstance(fields, list) or not all(
        isinstance(field, str) and field.strip() for field in fields
    ):
        raise config_error(f"{where}: primary_key must be a list of column names.")
    return tuple(field.strip() for field in fields)


def _required(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    if not isinstance(value, str) or not value.strip():
        raise config_error(f"'{key}' is required.")
    return value.strip()


def _credentials(values: Mapping[str, Any]) -> tuple[str, str]:
    """Separate client_id/client_secret win; otherwise 0.1.0's `api_key` = "client_id:client_secret"."""
    client_id, client_secret = values.get("client_id"), values.get("client_secret")
    if client_id and client_secret:
        return str(client_id), str(client_secret)
    api_key = values.get("api_key")
    if isinstance(api_key, str) and ":" in api_key:
        add_to_secrets(api_key)
        key_id, _, key_secret = api_key.partition(":")
        if key_id and key_secret:
            return key_id, key_secret
    raise config_error(
        "Talkdesk credentials are missing: set 'client_id' and 'client_secret', or 'api_key' as "
        "'client_id:client_secret' (the 0.1.0 format)."
    )


def _start_date(values: Mapping[str, Any], zone: tzinfo) -> datetime:
    text = _required(values, "start_date")
    try:
        parsed = parse_datetime(text, naive_zone=zone)
    except ValueError:
        parsed = None
    if parsed is None:
        raise config_error(
            f"start_date {text!r} is not a datetime; use YYYY-MM-DDTHH:MM:SS (a trailing Z means UTC, "
            "otherwise it is read in 'timezone')."
        )
    # A start in the future would make every sync read nothing, without a word; a day of slack
    # covers time zones and clock skew.
    if parsed > utc_now() + MAX_CURSOR_AHEAD:
        raise config_error(
            f"start_date {text!r} lies in the future; use the date from which to read history."
        )
    return parsed


def _checked_url(key: str, url: str) -> str:
    """https everywhere; plain http only for loopback hosts (local sandboxes)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise config_error(f"{key} must be an absolute https:// URL, got {url!r}.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise config_error(
            f"{key} must use https://; plain http:// is only allowed for loopback hosts "
            f"(127.0.0.0/8, localhost, ::1), got host {parts.hostname!r}."
        )
    return url


def _strip_grant_type(url: str) -> str:
    """0.1.0 made users put `grant_type` in the token URL; it now goes in the form body only."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "grant_type"]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
