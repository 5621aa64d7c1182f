"""Knobs of the Talkdesk sandbox: everything a test may want to pin or vary at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The report types the connector ships a stream for.
REPORT_TYPES: tuple[str, ...] = (
    "calls",
    "user_status",
    "studio_flow_execution",
    "contacts",
    "ring_attempts",
    "explore_calls",
    "audit_logs",
    "messaging_contacts",
    "messaging_traffic",
)

READ_SCOPE = "data-reports:read"
WRITE_SCOPE = "data-reports:write"

# Average rows per UTC day: enough that multi-window tests see rows in every window, small enough
# that a 150-day history is generated and served in well under a second per report type.
DEFAULT_ROWS_PER_DAY: dict[str, int] = {
    "calls": 40,
    "user_status": 60,
    "studio_flow_execution": 30,
    "contacts": 25,
    "ring_attempts": 50,
    "explore_calls": 40,
    "audit_logs": 30,
    "messaging_contacts": 20,
    "messaging_traffic": 40,
}
# Rows per day of a custom report type when rows_per_day does not name it.
DEFAULT_CUSTOM_ROWS_PER_DAY = 20

SANDBOX_CLIENT_ID = "sandbox-client-id"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret"


@dataclass
class TalkdeskSandboxSettings:
    """Start-up settings; most can also be changed at runtime through the sandbox controls."""

    seed: int = 7
    # None means "the current UTC time truncated to the second". The dataset ends here (no row is
    # later than `now`) and the server clock starts here and then advances with real time, so a
    # pinned value in the future or past emulates clock skew between sandbox and connector.
    now: datetime | None = None
    # None means "midnight UTC 150 days before now": midnight so that day-aligned connector windows
    # start exactly on the rows the generator places at 00:00:00.
    history_start: datetime | None = None
    client_id: str = SANDBOX_CLIENT_ID
    client_secret: str = SANDBOX_CLIENT_SECRET
    granted_scopes: list[str] = field(default_factory=lambda: [READ_SCOPE, WRITE_SCOPE])
    token_lifetime_s: float = 600.0
    job_duration_s: float = 0.3
    job_duration_by_type: dict[str, float] = field(default_factory=dict)
    quota: int = 15
    foreign_jobs: int = 0
    redirect_code: int = 303
    signed_url_ttl_s: int = 60
    # Seconds announced in Retry-After on a quota 429; None sends the 429 without the header.
    retry_after_s: int | None = None
    rows_per_day: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_ROWS_PER_DAY))
    # Late-arriving data: a row shows up in reports only this many seconds after its filter time
    # (Talkdesk documents 60 s to 5 min for Explore).
    visibility_delay_s: float = 0.0
    # Per report type, seconds after its filter time a row shows up in jobs (each report's own
    # freshness; reports.DOCUMENTED_FRESHNESS_S holds the documented ones). Adds to
    # visibility_delay_s, which applies to every type.
    freshness_by_type: dict[str, float] = field(default_factory=dict)
    # Report types the connector does not ship, served with generic rows: slug -> time column.
    custom_report_types: dict[str, str] = field(default_factory=dict)
    # Calls jobs answered in the layout of requests before 2026-05-11 (the Explore Calls layout)
    # before the switch to the current one; None: every calls job.
    legacy_calls_jobs: int | None = 0
    # Serve report files with Content-Encoding: gzip, as some storage hosts do.
    gzip_reports: bool = False
    # Some token responses lack `scope`.
    token_scope_in_response: bool = True
    # Quirks of the create response seen across Talkdesk doc versions and peers.
    create_status_code: int = 202
    wrap_job: bool = True
