"""Sandbox accounts small enough for whole-source reads in seconds, with records in every stream."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.talkdesk_sandbox import (
    REPORT_TYPES,
    TalkdeskSandbox,
    TalkdeskSandboxSettings,
)

from .sandbox_binding import rewrite_addresses

CONNECTORS_DIR = Path(__file__).resolve().parents[2] / "connectors"
FRESHDESK_ROOT = CONNECTORS_DIR / "source-freshdesk"
TALKDESK_ROOT = CONNECTORS_DIR / "source-talkdesk-explore"

# The addresses the acceptance-test configs name: the Freshdesk sandbox CLI's documented --port, and
# stand-ins for the Talkdesk sandbox's token host and Explore API host.
FIXED_FRESHDESK_URL = "http://127.0.0.1:8765"
FIXED_TALKDESK_TOKEN_HOST = "http://127.0.0.1:8766"
FIXED_TALKDESK_API_HOST = "http://127.0.0.1:8767"


def freshdesk_live_addresses(sandbox: FreshdeskSandbox) -> dict[str, str]:
    return {FIXED_FRESHDESK_URL: sandbox.base_url}


def talkdesk_live_addresses(sandbox: TalkdeskSandbox) -> dict[str, str]:
    return {
        FIXED_TALKDESK_TOKEN_HOST: sandbox.token_url.removesuffix("/oauth/token"),
        FIXED_TALKDESK_API_HOST: sandbox.api_url,
    }


def acceptance_config(connector_root: Path, name: str = "config.json") -> dict[str, Any]:
    """One of the configs acceptance-test-config.yml lists (fixed sandbox addresses)."""
    path = connector_root / "integration_tests" / name
    return json.loads(path.read_text(encoding="utf-8"))


def small_freshdesk_account() -> SandboxSettings:
    """Every stream has records, yet a full read takes a few seconds."""
    return SandboxSettings(
        ticket_count=30,
        deleted_ticket_count=2,
        spam_ticket_count=2,
        contact_count=20,
        blocked_contact_count=2,
        deleted_contact_count=2,
        company_count=5,
        satisfaction_rating_count=10,
        time_entry_count=10,
        archived_ticket_count=2,
    )


def talkdesk_custom_reports() -> dict[str, str]:
    """The custom reports the acceptance config names, as the sandbox serves them: slug -> cursor."""
    reports = acceptance_config(TALKDESK_ROOT).get("custom_reports", [])
    return {report["report_type"]: report["cursor_field"] for report in reports}


def talkdesk_stream_names() -> list[str]:
    """The shipped streams and the acceptance config's custom reports."""
    reports = acceptance_config(TALKDESK_ROOT).get("custom_reports", [])
    return [*REPORT_TYPES, *(report["name"] for report in reports)]


def small_talkdesk_account(rows_per_day: int = 6) -> TalkdeskSandboxSettings:
    """History from the acceptance config's start_date, a few rows a day, jobs that finish at once."""
    start_date = acceptance_config(TALKDESK_ROOT)["start_date"]
    return TalkdeskSandboxSettings(
        history_start=datetime.fromisoformat(start_date.replace("Z", "+00:00")),
        rows_per_day=dict.fromkeys([*REPORT_TYPES, *talkdesk_custom_reports()], rows_per_day),
        custom_report_types=talkdesk_custom_reports(),
        job_duration_s=0.05,
    )


def recent_talkdesk_account(rows_per_day: int = 48, days: int = 3) -> TalkdeskSandboxSettings:
    """A few days of busy history ending now: tests that compare syncs stay equally fast as the
    acceptance config's fixed start_date recedes into the past."""
    start = (datetime.now(timezone.utc) - timedelta(days=days)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return TalkdeskSandboxSettings(
        history_start=start,
        rows_per_day=dict.fromkeys([*REPORT_TYPES, *talkdesk_custom_reports()], rows_per_day),
        custom_report_types=talkdesk_custom_reports(),
        job_duration_s=0.05,
    )


def talkdesk_config(sandbox: TalkdeskSandbox) -> dict[str, Any]:
    """The acceptance config pointed at this sandbox, starting where the sandbox's history starts
    (for small_talkdesk_account() that is the config's own start_date)."""
    config = rewrite_addresses(acceptance_config(TALKDESK_ROOT), talkdesk_live_addresses(sandbox))
    config["start_date"] = sandbox.history_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    return config
