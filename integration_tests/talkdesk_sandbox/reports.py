"""Report shapes beyond the five reference reports: Explore Calls (also the Calls layout before
2026-05-11), Audit Logs, Messaging Contacts, Messaging Traffic, and any custom report type.

Rows carry every column docs/talkdesk-explore-fields.md lists and follow the documented examples,
quirks included: `YYYY-MM-DD HH:MM:SS` times without an offset, durations as fractions of a day,
`"TRUE"`/`"FALSE"` and `"Yes"`/`"No"` strings, keys such as `in_business_hours?`, human
`"0d 0h 0m 42s"` durations, millisecond audit timestamps, a JSON list of IP addresses, emoji and
long free text.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from .data import (
    DAY_SECONDS,
    GENERATORS,
    Generator,
    Pools,
    Row,
    calls_rows,
    filter_offsets,
    free_text,
    hex_id,
    phone,
    uid,
)
from .timestamps import MILLIS_SPACE, SPACE, format_entry_time

# How long after its filter time a row shows up in the report, as documented: Explore data
# within a minute (one page says 5), user status every minute, studio flows within 5 minutes,
# audit logs within an hour.
DOCUMENTED_FRESHNESS_S: dict[str, float] = {
    "calls": 60,
    "explore_calls": 60,
    "user_status": 60,
    "studio_flow_execution": 300,
    "contacts": 60,
    "ring_attempts": 60,
    "audit_logs": 3600,
    "messaging_contacts": 60,
    "messaging_traffic": 60,
}


def _day_fraction(seconds: float) -> float:
    return seconds / DAY_SECONDS


def _space_time(value: str | None) -> str | None:
    """A Calls time (`...Z`, `... HH:MM:SS[.fff]`) in the Explore Calls form, `YYYY-MM-DD HH:MM:SS`."""
    if not value:
        return value
    return value.replace("T", " ").removesuffix("Z")[:19]


def _true_false(value: object) -> str | None:
    return None if value is None else ("TRUE" if value else "FALSE")


def legacy_calls_entry(entry: dict) -> dict:
    """A Calls entry in the layout answered to requests before 2026-05-11 (the Explore Calls
    layout): the same call, other column names, day fractions, TRUE/FALSE strings."""
    return {
        "interaction_id": entry["call_id"],
        "call_type": entry["type"],
        "start_time": _space_time(entry["start_at"]),
        "end_time": _space_time(entry["end_at"]),
        "talkdesk_phone_number": entry["talkdesk_phone_number"],
        "customer_phone_number": entry["contact_phone_number"],
        "talk_time": _day_fraction(entry["talk_time"]),
        "record": f"/recordings/{entry['call_id']}" if entry["recording_url"] else None,
        "hangup": "disconnected" if entry["talk_time"] else "abandoned",
        "in_business_hours?": _true_false(entry["is_in_business_hours"]),
        "callback_from_queue?": _true_false(entry["is_callback_from_queue"]),
        "waiting_time": _day_fraction(entry["wait_time"]),
        "agent_speed_to_answer": _day_fraction(entry["total_ringing_time"]),
        "holding_time": _day_fraction(entry["hold_time"]),
        "rating": entry["user_voice_rating"],
        "description": entry["notes"],
        "agent_name": entry["user_name"],
        "phone_display_name": entry["talkdesk_phone_display_name"],
        "disposition_code": entry["disposition_code"],
        "transfer?": "Yes" if entry["is_transfer"] else "No",
        "handling_agent": entry["handling_user_name"],
        "tags": "agents",
        "ivr_options": entry["ivr_options"],
        "csat_score": entry["csat_score"],
        "csat_survey_time": _space_time(entry["csat_survey_time"]),
        "team": entry["team_name"],
        "rating_reason": entry["rating_reason"],
        "agent_disconnected": entry["agent_disconnected"],
        "disposition_set": entry["disposition_set"],
        "nested_disposition": entry["nested_disposition"],
        # Columns Fivetran's Talkdesk CALL table (this layout) carries that Talkdesk's example
        # does not; `?` and `.` are how the layout spells flags and Explore view columns.
        "user_email": entry["user_email"],
        "mood": entry["mood"],
        "mood_prompted?": _true_false(entry["is_mood_prompted"]),
        "calls_historical_base.data_status": entry["data_status"],
    }


def _explore_calls(rng: random.Random, pools: Pools, day: datetime, count: int) -> list[Row]:
    return [
        Row(row.filter_time, legacy_calls_entry(row.entry))
        for row in calls_rows(rng, pools, day, count)
    ]


_OPERATIONS = (
    ("ring-groups-api", "read_ring_groups", "/ring-groups"),
    ("users-api", "update_user", "/users/{id}"),
    ("recordings-api", "read_recording", "/recordings/{id}"),
    ("talkdesk-id", "failed_login_attempt", "/login"),
    ("studio-api", "publish_flow", "/flows/{id}"),
)


def _audit_logs(rng: random.Random, pools: Pools, day: datetime, count: int) -> list[Row]:
    offsets = filter_offsets(rng, count, [True] * count)
    rows = []
    for offset in offsets:
        moment = day + timedelta(seconds=offset)
        person = rng.choice(pools.people)
        generator, operation, resource = rng.choice(_OPERATIONS)
        rows.append(
            Row(
                moment,
                {
                    "actor_id": hex_id(rng),
                    "generator_name": generator,
                    "ip_addresses": [f"85.240.{rng.randint(0, 255)}.{rng.randint(1, 254)}"],
                    "operation": operation,
                    "platform_tid": uid(rng),
                    "resource_id": resource.replace("{id}", hex_id(rng, 24)),
                    "operation_status": rng.choice(("success", "success", "failure")),
                    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0",
                    "timestamp": format_entry_time(moment, MILLIS_SPACE),
                    "user_id": person.user_id,
                    "agent_name": person.name,
                    "agent_email": person.email,
                },
            )
        )
    return rows


def _human_duration(seconds: int) -> str:
    days, rest = divmod(seconds, DAY_SECONDS)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days}d {hours}h {minutes}m {secs}s"


_CHANNELS = ("SMS", "EMAIL", "CHAT", "WHATSAPP")


def _messaging_contacts(rng: random.Random, pools: Pools, day: datetime, count: int) -> list[Row]:
    offsets = filter_offsets(rng, count, [False] * count)
    rows = []
    for offset in offsets:
        finished = day + timedelta(seconds=offset)
        length = rng.randint(20, 3600)
        started = finished - timedelta(seconds=length)
        handle = rng.randint(5, length)
        person = rng.choice(pools.people)
        interaction_id = hex_id(rng)
        channel = rng.choice(_CHANNELS)
        virtual = rng.random() < 0.1
        direct = rng.choice(pools.people) if rng.random() < 0.15 else None
        rows.append(
            Row(
                finished,
                {
                    "channel_type": channel,
                    "contact_assigned_at": format_entry_time(started, SPACE),
                    "contact_duration": _day_fraction(length),
                    "contact_finished_at": format_entry_time(finished, SPACE),
                    "contact_finished_reason": rng.choice(
                        ("MANUALLY CLOSED", "TIMED OUT TO QUEUE")
                    ),
                    "contact_handle_time": _human_duration(handle),
                    "contact_id": uid(rng),
                    "contact_person_channel_identifier": phone(rng),
                    "contact_person_id": hex_id(rng, 24),
                    "contact_person_name": rng.choice(("", "Maria Lopes", "Zoë 🌻 Ngô")),
                    "contact_started_at": format_entry_time(started, SPACE),
                    "conversation": f"https://sandbox.talkdeskapp.com/atlas/apps/conversation-history/{channel}/{interaction_id}",
                    "direct_assignment_user_id": direct.user_id if direct else None,
                    "direct_assignment_user": direct.name if direct else None,
                    "direction": rng.choice(("Inbound", "Outbound")),
                    "disposition_name": rng.choice((None, "Resolved")),
                    "first_response_time": _human_duration(rng.randint(1, 120)),
                    "handling_queues": " + ".join(rng.sample(pools.ring_groups, 2)),
                    "interaction_duration": _day_fraction(length + 5),
                    "interaction_finished_at": format_entry_time(
                        finished + timedelta(seconds=5), SPACE
                    ),
                    "interaction_handle_time": _human_duration(handle),
                    "interaction_id": interaction_id,
                    "interaction_started_at": format_entry_time(started, SPACE),
                    "interaction_status": "CLOSED",
                    "is_virtual_agent": "YES" if virtual else "NO",
                    "notes": free_text(rng),
                    "queues": " + ".join(rng.sample(pools.ring_groups, 2)),
                    "touchpoint_identifier": rng.choice(pools.company_numbers),
                    "touchpoint_name": "Support line",
                    "transfer_out": rng.choice(("Yes", "No", "No")),
                    "user_id": person.user_id,
                    "user_name": person.name,
                    "virtual_agent_id": hex_id(rng) if virtual else None,
                    "virtual_agent_name": "Virtual agent" if virtual else None,
                    "wrap-up_duration": _day_fraction(rng.randint(0, 60)),
                },
            )
        )
    return rows


def _messaging_traffic(rng: random.Random, pools: Pools, day: datetime, count: int) -> list[Row]:
    offsets = filter_offsets(rng, count, [False] * count)
    rows = []
    contact_id, interaction_id = uid(rng), hex_id(rng)
    for index, offset in enumerate(offsets):
        # A conversation is several messages.
        if index == 0 or rng.random() < 0.3:
            contact_id, interaction_id = uid(rng), hex_id(rng)
        created = day + timedelta(seconds=offset)
        inbound = rng.random() < 0.5
        person = None if inbound else rng.choice(pools.people)
        rows.append(
            Row(
                created,
                {
                    "contact_id": contact_id,
                    "channel_type": rng.choice(_CHANNELS),
                    "contact_person_id": f"customer{rng.randint(1, 500)}@example.com",
                    "contact_person_name": "",
                    "interaction_id": interaction_id,
                    "message_created_at": format_entry_time(created, SPACE),
                    "message_direction": "Inbound" if inbound else "Outbound",
                    "message_id": uid(rng),
                    "user_id": person.user_id if person else None,
                    "user_name": person.name if person else None,
                },
            )
        )
    return rows


def custom_report(cursor_field: str) -> Generator:
    """Rows of a report type the connector does not ship: an id, a start, the named time column
    (`YYYY-MM-DD HH:MM:SS`, like most reports) and a few columns of mixed types."""

    def generate(rng: random.Random, pools: Pools, day: datetime, count: int) -> list[Row]:
        rows = []
        for offset in filter_offsets(rng, count, [False] * count):
            moment = day + timedelta(seconds=offset)
            person = rng.choice(pools.people)
            rows.append(
                Row(
                    moment,
                    {
                        "record_id": uid(rng),
                        "started_at": format_entry_time(moment - timedelta(minutes=3), SPACE),
                        cursor_field: format_entry_time(moment, SPACE),
                        "user_name": person.name,
                        "score": rng.choice((None, rng.randint(1, 5), 0.5)),
                        "answered": rng.choice(("Yes", "No", "", "None")),
                    },
                )
            )
        return rows

    return generate


REPORT_GENERATORS: dict[str, Generator] = {
    **GENERATORS,
    "explore_calls": _explore_calls,
    "audit_logs": _audit_logs,
    "messaging_contacts": _messaging_contacts,
    "messaging_traffic": _messaging_traffic,
}

# Layouts a job's entries can be served in, by name.
LAYOUTS: dict[str, Callable[[dict], dict]] = {"legacy_calls": legacy_calls_entry}
