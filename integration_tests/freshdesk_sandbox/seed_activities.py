"""The scheduled ticket activities export: one JSON file per day behind a signed URL on another host.

`export/ticket_activities?created_at=YYYY-MM-DD` answers in one of two documented shapes
(`{"export": {"url": ...}}` or `{"export": [{"created_at": "D-M-YYYY", "url": ...}]}`), `{"export": {}}`
for a day without a file, and 404 while the day's file is not ready (always today's). Files are
kept 30 days; the file itself is served under /_files/ to clients that send no credentials.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from .seeding import DAY, Record, SeedContext

# Days back from today that have a daily file (older ones expired: the API keeps 30 days).
ACTIVITY_HISTORY_DAYS = 33
RETENTION_DAYS = 30
# A day whose export ran but found nothing: answered as {"export": {}}.
EMPTY_EXPORT_DAYS_AGO = 5
ACTIVITY_KINDS = (
    {"status": "Open", "priority": 4},
    {"note": {"type": "private", "id": 4300012345}},
    {"automation": {"type": "observer", "rule": "Escalate VIP"}},
    {"new_ticket": True, "source": 2},
    "Ticket merged into another ticket",  # some rows carry a plain string
)


def day_of(epoch: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def api_performed_at(epoch: int) -> str:
    # Day first, as the export writes it: 01-01-2022 09:33:38 +0000.
    return time.strftime("%d-%m-%Y %H:%M:%S +0000", time.gmtime(epoch))


def build_activities(ctx: SeedContext) -> None:
    """Daily files keyed by day (YYYY-MM-DD); each file is the export's own JSON content."""
    ticket_ids = sorted(ctx.data.tickets)[:50] or [1]
    files: dict[str, Record] = {}
    midnight = ctx.now - ctx.now % DAY
    for days_ago in range(1, ACTIVITY_HISTORY_DAYS + 1):
        start = midnight - days_ago * DAY
        if days_ago == EMPTY_EXPORT_DAYS_AGO:
            continue
        rows = []
        # Distinct seconds within the day, so each row is told apart by its performed_at.
        seconds = sorted(ctx.rng.sample(range(DAY), 2 + days_ago % 4))
        for n, second in enumerate(seconds):
            rows.append(
                {
                    "performed_at": api_performed_at(start + second),
                    "ticket_id": ticket_ids[(days_ago * 7 + n) % len(ticket_ids)],
                    "performer_type": "user" if n % 3 else "system",
                    "performer_id": ctx.agent_ids[n % len(ctx.agent_ids)] if ctx.agent_ids else 1,
                    "activity": ACTIVITY_KINDS[(days_ago + n) % len(ACTIVITY_KINDS)],
                }
            )
        files[day_of(start)] = {
            "metadata": {
                "start_at": time.strftime("%d-%m-%Y 00:00:00 +0000", time.gmtime(start)),
                "end_at": time.strftime("%d-%m-%Y 23:59:59 +0000", time.gmtime(start)),
                "activities_count": len(rows),
            },
            "activities_data": rows,
        }
    ctx.data.activity_files = files


def file_token(day: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{day}".encode()).hexdigest()[:24]


def export_answer(day: str, file_url: str, has_file: bool) -> dict[str, Any]:
    """One of the two documented shapes, alternating by day of month."""
    if not has_file:
        return {"export": {}}
    year, month, dom = (int(part) for part in day.split("-"))
    if dom % 2:
        return {"export": [{"created_at": f"{dom}-{month}-{year}", "url": file_url}]}
    return {"export": {"url": file_url}}
