"""Deterministic seeded data for one sandbox account.

Records are stored already shaped like the API serialises them (string timestamps, nulls for unset
optional fields). Tickets keep their include-only parts (description, stats) beside the base record so
the list endpoint can add them per request. Conversations are derived lazily per ticket from the seed,
because a 31,000-ticket account would otherwise need ~100,000 of them up front.
"""

from __future__ import annotations

from .seed_account import (
    build_canned_responses,
    build_catalog,
    build_channels,
    build_team,
    build_ticket_fields,
)
from .seed_activities import build_activities
from .seed_admin import build_admin_metadata
from .seed_csat_objects import build_csat_and_custom_objects
from .seed_knowledge import build_discussions, build_solutions
from .seed_people import build_companies, build_contacts
from .seed_tickets import build_ratings_and_time_entries, build_tickets, conversations_for
from .seeding import (
    BIG_COMPANY_ID,
    DAY,
    RECENT_WINDOW_DAYS,
    Dataset,
    Record,
    SeedContext,
    TicketRow,
)
from .settings import SandboxSettings

__all__ = [
    "BIG_COMPANY_ID",
    "DAY",
    "RECENT_WINDOW_DAYS",
    "Dataset",
    "Record",
    "TicketRow",
    "build_dataset",
    "conversations_for",
]

# Order matters: later builders point at ids the earlier ones created. Builders added after the
# original 28 streams' come last, so the random sequence (and every older record) stays the same.
_BUILDERS = (
    build_catalog,
    build_team,
    build_channels,
    build_ticket_fields,
    build_canned_responses,
    build_discussions,
    build_solutions,
    build_companies,
    build_contacts,
    build_tickets,
    build_ratings_and_time_entries,
    build_admin_metadata,
    build_csat_and_custom_objects,
    build_activities,
)


def build_dataset(settings: SandboxSettings, now: int) -> Dataset:
    ctx = SeedContext(settings, now)
    for build in _BUILDERS:
        build(ctx)
    return ctx.data
