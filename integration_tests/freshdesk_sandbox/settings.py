"""Knobs of one sandbox account. Every field has a default so tests only state what they care about."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

RetryAfterStyle = Literal["int", "float", "missing"]
# Freshdesk's per-minute limits by plan: (account credits, tickets list, contacts list). Trial
# accounts have no list limits of their own; the add-ons are bought extra capacity.
PlanName = Literal["trial", "growth", "pro", "enterprise", "addon_1000", "addon_2000"]
PLAN_RATE_LIMITS: dict[str, tuple[int, int | None, int | None]] = {
    "trial": (50, None, None),
    "growth": (200, 20, 20),
    "pro": (400, 100, 100),
    "enterprise": (700, 200, 200),
    "addon_1000": (1000, 300, 300),
    "addon_2000": (2000, 400, 400),
}
# standard: <url>; rel="next"   no_space: <url>;rel="next"   docs_example: < url>;rel="next"
# (the docs' own spacing)   omit_per_page: standard, but the URL drops per_page like the docs' example.
LinkStyle = Literal["standard", "no_space", "docs_example", "omit_per_page"]

# Features a plan can lack; each maps to the endpoints that answer 403 require_feature without it.
KNOWN_FEATURES = ("surveys", "timesheets", "skills", "discussions")


def _utc_now_truncated() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@dataclass
class SandboxSettings:
    seed: int = 42
    # All seeded timestamps lie before this instant; the server clock starts here and runs in real time.
    now: dt.datetime = field(default_factory=_utc_now_truncated)
    history_days: int = 3 * 365

    ticket_count: int = 2500
    deleted_ticket_count: int = 40
    spam_ticket_count: int = 25
    # Share of tickets created in the last 30 days (the default /tickets window).
    recent_ticket_share: float = 0.1
    # Tickets archived out of every list (closed, inactive 120+ days); see /tickets/archived/{id}.
    archived_ticket_count: int = 0
    # N extra tickets that all share ONE updated_at (bulk import): the 300-page restart trap.
    identical_updated_at_tickets: int = 0
    contact_count: int = 1200
    blocked_contact_count: int = 15
    deleted_contact_count: int = 20
    company_count: int = 150
    agent_count: int = 25
    group_count: int = 6
    satisfaction_rating_count: int = 600
    time_entry_count: int = 800
    product_count: int = 3
    role_count: int = 5
    skill_count: int = 4
    business_hours_count: int = 2
    email_config_count: int = 3
    mailbox_count: int = 3
    sla_policy_count: int = 3
    scenario_automation_count: int = 4
    survey_count: int = 2
    canned_folder_count: int = 4
    discussion_category_count: int = 3
    solution_category_count: int = 3
    large_html_ticket_count: int = 3
    # Extra always-null cf_* keys on every ticket (real accounts can have hundreds of custom fields).
    extra_custom_field_count: int = 0

    api_key: str = "sandbox-admin-key"
    agent_api_key: str = "sandbox-agent-key"
    account_hosts: set[str] = field(default_factory=lambda: {"127.0.0.1"})
    disabled_features: set[str] = field(default_factory=set)
    legacy_skills_route_404: bool = True
    max_ticket_pages: int = 300
    # Unknown query parameters are rejected with 400 invalid_field, like the real API's strict validation.
    strict_query_params: bool = True
    # How long a signed attachment URL holds after it was served (see attachments.py).
    attachment_link_lifetime_s: int = 300
    # When set, the first ticket's first own attachment has this many bytes (memory benchmarks).
    large_attachment_bytes: int = 0

    # Rate limiting: None = unlimited (headers are still sent, with a large nominal budget).
    # A plan sets all three budgets from PLAN_RATE_LIMITS, over the three fields below it.
    rate_limit_plan: PlanName | None = None
    rate_limit_total: int | None = None
    rate_limit_window_seconds: float = 60.0
    rate_limit_tickets_list: int | None = None
    rate_limit_contacts_list: int | None = None
    retry_after: RetryAfterStyle = "int"

    # The Filter (search) API finds a record only this long after its last change (index lag).
    search_index_lag_seconds: float = 0.0

    # The activities export answers 404 ("not ready") this many times per day before serving it.
    activities_not_ready_answers: int = 0

    link_style: LinkStyle = "standard"
    full_last_page_advertises_next: bool = False

    # Serve https with a self-signed certificate made at start() for account_hosts (plus 127.0.0.1
    # and localhost); clients trust `FreshdeskSandbox.ca_file`. Off by default: tests speak http.
    # Needs the `cryptography` package (installed with the CDK) only when on.
    tls: bool = False
