"""The connector's configuration: validated once, turned into typed values with clear errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connector_common.datetimes import parse_datetime
from connector_common.errors import config_error, invalid_configuration
from connector_common.hosts import is_loopback_host
from connector_common.timeouts import DEFAULT_REQUEST_TIMEOUT_S, RequestTimeoutSeconds
from source_freshdesk.rate_limit import SubscriptionTier

API_PATH = "/api/v2/"
DEFAULT_LOOKBACK_DAYS = 14
# Workers reading at once. A real request takes 200-400 ms, so about 4 workers already spend an
# Enterprise plan's 700 credits a minute; more only help on bigger budgets or slower answers.
DEFAULT_NUM_WORKERS = 8
MAX_NUM_WORKERS = 32
# Ids the archived_tickets stream may probe per sync, at 1 credit each.
DEFAULT_ARCHIVED_PROBES = 1000
# Seconds to reach the helpdesk for a sync's API calls and file downloads; the read part of every
# timeout is `request_timeout_seconds`.
SYNC_CONNECT_TIMEOUT_S = 15
# A host label per RFC 1123; a Freshdesk account name is one such label.
_HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def base_url_from_domain(domain: str) -> str:
    """Turn `acme`, `acme.freshdesk.com` or `https://acme.freshdesk.com[/api/v2]` into the API base URL.

    Plain http is refused unless the host is loopback: the API key travels in every request's
    Authorization header, so it must never cross a network in clear text.
    """
    raw = (domain or "").strip()
    if not raw:
        raise config_error("`domain` is empty: give your helpdesk, e.g. `acme.freshdesk.com`.")
    if "://" not in raw:
        raw = f"https://{raw}"
    parts = urlsplit(raw)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("https", "http"):
        raise config_error(f"`domain` has an unsupported scheme '{scheme}': use https://.")
    try:
        port = parts.port
    except ValueError:
        raise config_error(f"`domain` '{domain}' has an invalid port.") from None
    if not host or not (_HOST_RE.match(host) or is_loopback_host(host)):
        raise config_error(
            f"`domain` '{domain}' is not a valid host name; expected e.g. `acme.freshdesk.com`."
        )
    if scheme == "http" and not is_loopback_host(host):
        raise config_error(
            f"`domain` '{domain}' uses plain http://, which would send the API key unencrypted; "
            "use https:// (http is accepted only for loopback test servers)."
        )
    if parts.path.rstrip("/") not in ("", API_PATH.rstrip("/")) or parts.query or parts.fragment:
        raise config_error(
            f"`domain` '{domain}' must be the helpdesk address only, e.g. `https://acme.freshdesk.com`."
        )
    if "." not in host and not is_loopback_host(host):
        host = f"{host}.freshdesk.com"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}{API_PATH}"


def parse_start_date(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        start = parse_datetime(str(value))
    except ValueError:
        start = None
    if start is None:
        raise config_error(
            f"`start_date` '{value}' is not a date-time; use e.g. 2024-01-01T00:00:00Z."
        )
    # A day of slack for time zones; further ahead, every sync would read nothing, silently.
    if start > datetime.now(timezone.utc) + timedelta(days=1):
        raise config_error(
            f"`start_date` '{value}' is in the future: nothing would ever be read. Use a past "
            "date-time, or leave it empty to read all history."
        )
    return start


class _RawConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    domain: str
    api_key: str = Field(min_length=1, repr=False)
    start_date: str | None = None
    requests_per_minute: int | None = Field(default=None, ge=1)
    lookback_window_in_days: int = Field(default=DEFAULT_LOOKBACK_DAYS, ge=0, le=365)
    num_workers: int = Field(default=DEFAULT_NUM_WORKERS, ge=1, le=MAX_NUM_WORKERS)
    archived_tickets_max_probes: int = Field(default=DEFAULT_ARCHIVED_PROBES, ge=0)
    request_timeout_seconds: RequestTimeoutSeconds = DEFAULT_REQUEST_TIMEOUT_S
    attachments_from_ticket_view: bool = False
    attachment_files: bool = False
    subscription_tier: SubscriptionTier | None = None


class FreshdeskConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_url: str
    api_key: str = Field(repr=False)
    start_date: datetime | None
    requests_per_minute: int | None
    lookback_window_in_days: int
    num_workers: int
    archived_tickets_max_probes: int
    request_timeout_seconds: int = DEFAULT_REQUEST_TIMEOUT_S
    # ticket_attachments: also the tickets' own files (1 credit per ticket), and the files' bytes.
    attachments_from_ticket_view: bool = False
    attachment_files: bool = False
    # None: the list endpoints' own limits follow the plan X-RateLimit-Total names.
    subscription_tier: SubscriptionTier | None = None

    @property
    def request_timeout(self) -> tuple[float, float]:
        """(connect, read) seconds of every API call and file download: a stalled answer is
        abandoned and retried instead of holding a worker for the rest of the sync."""
        return (SYNC_CONNECT_TIMEOUT_S, self.request_timeout_seconds)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> FreshdeskConfig:
        try:
            raw = _RawConfig.model_validate(dict(config))
        except ValidationError as error:
            raise invalid_configuration("Freshdesk", error) from None
        return cls(
            base_url=base_url_from_domain(raw.domain),
            api_key=raw.api_key,
            start_date=parse_start_date(raw.start_date),
            requests_per_minute=raw.requests_per_minute,
            lookback_window_in_days=raw.lookback_window_in_days,
            num_workers=raw.num_workers,
            archived_tickets_max_probes=raw.archived_tickets_max_probes,
            request_timeout_seconds=raw.request_timeout_seconds,
            attachments_from_ticket_view=raw.attachments_from_ticket_view,
            attachment_files=raw.attachment_files,
            subscription_tier=raw.subscription_tier,
        )
