"""Deterministic report rows for the five reference Explore report types (`reports` adds the rest).

Every row carries every column docs/talkdesk-explore-fields.md lists for its report, with the odd
shapes real payloads have: nulls, empty strings, `"None"` strings, `"Yes"`/`"No"` flags, emoji
and very long free text.

Every UTC day of every report type gets its own random generator seeded from (seed, type, day), so
any window can be served without generating the whole history and the same settings always give
the same rows. Each row has a *filter time*: the cursor value the real report selects by (end
times); when a nullable cursor is null the start time is used instead, which is what a connector
falls back to.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .timestamps import (
    MILLIS_SPACE,
    MILLIS_STYLES,
    MILLIS_ZULU,
    SPACE,
    UTC,
    ZULU,
    days_between,
    format_entry_time,
)

# Cursor field per report type: the reference connector's, and each newer report's time column.
CURSOR_FIELDS: dict[str, str] = {
    "calls": "end_at",
    "user_status": "status_end_at",
    "studio_flow_execution": "studio_flow_executions_aggregated.flow_execution_finished_time",
    "contacts": "finished_at",
    "ring_attempts": "ring_finished_at_time",
    "explore_calls": "end_time",
    "audit_logs": "timestamp",
    "messaging_contacts": "contact_finished_at",
    "messaging_traffic": "message_created_at",
}

# Field a connector falls back to when the cursor is null (only nullable cursors need one).
FALLBACK_CURSOR_FIELDS: dict[str, str] = {
    "contacts": "started_at",
    "ring_attempts": "ring_started_at_time",
}

# Unique keys: single ids where they exist, composites where they do not.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "calls": ("call_id",),
    "user_status": ("user_id", "status_start_at", "status_label"),
    "studio_flow_execution": ("interaction_id", "flow_id", "step_execution_order"),
    "contacts": ("contact_id",),
    "ring_attempts": ("ring_attempt_id",),
    "explore_calls": ("interaction_id",),
    "audit_logs": ("platform_tid", "operation", "timestamp"),
    "messaging_contacts": ("contact_id",),
    "messaging_traffic": ("message_id",),
}

# Reports whose file carries top-level type/version next to entries/total.
VERSIONED_REPORTS = frozenset({"calls", "user_status"})

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Row:
    filter_time: datetime
    entry: dict


@dataclass(frozen=True)
class _Person:
    user_id: str
    name: str
    email: str
    team_id: str
    team_name: str


@dataclass(frozen=True)
class Pools:
    """Small shared casts of agents, teams, ring groups and flows so rows look related."""

    people: tuple[_Person, ...]
    ring_groups: tuple[str, ...]
    flows: tuple[tuple[str, str], ...]
    company_numbers: tuple[str, ...]


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def hex_id(rng: random.Random, length: int = 32) -> str:
    return f"{rng.getrandbits(4 * length):0{length}x}"


def phone(rng: random.Random) -> str:
    return f"+1{rng.randint(200, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def _make_pools(seed: int) -> Pools:
    rng = random.Random(f"{seed}:pools")
    teams = [(uid(rng), name) for name in ("Support", "Sales", "Billing")]
    first = ("Ana", "Bruno", "Carla", "Diogo", "Eva", "Filipe", "Gil", "Helena", "Ines", "Joao")
    last = ("Silva", "Costa", "Pereira", "Santos", "Moreira", "Lopes")
    people = []
    for index in range(12):
        name = f"{first[index % len(first)]} {rng.choice(last)}"
        team_id, team_name = teams[index % len(teams)]
        email = f"{name.lower().replace(' ', '.')}{index}@example.com"
        # Display names are free text in Talkdesk: some carry accents and emoji.
        if index % 4 == 1:
            name = f"{name.replace('Joao', 'João')} 🎧"
        people.append(_Person(hex_id(rng), name, email, team_id, team_name))
    ring_groups = ("agents", "support_tier1", "support_tier2", "sales_inbound")
    flows = tuple((hex_id(rng, 24), name) for name in ("Main IVR", "After hours", "Callback"))
    company_numbers = tuple(phone(rng) for _ in range(3))
    return Pools(tuple(people), ring_groups, flows, company_numbers)


def _ring_group_list(rng: random.Random, pools: Pools) -> str:
    # Talkdesk renders list-valued columns as a string that merely looks like a JSON list.
    chosen = rng.sample(pools.ring_groups, rng.randint(1, 2))
    return json.dumps(chosen)


def _yes_no(rng: random.Random, p_yes: float = 0.5) -> str:
    return "Yes" if rng.random() < p_yes else "No"


_NOTE_PHRASES = (
    "Customer called about the invoice ",
    'asked for "the usual" refund, ',
    "escalated to tier 2 \\ billing; ",
    "cliente pediu segunda via 👍 ",
    "顧客は折り返しを希望 ",
    "line broke up twice 📞💥\n",
    "\ttab-indented follow-up: ",
)


def free_text(rng: random.Random) -> str | None:
    """An agent's note or description: mostly short or empty, now and then several kilobytes of
    text with quotes, backslashes, newlines, tabs, CJK and emoji."""
    roll = rng.random()
    if roll < 0.3:
        return None
    if roll < 0.4:
        return ""
    if roll < 0.95:
        return rng.choice(_NOTE_PHRASES).strip()
    return "".join(rng.choice(_NOTE_PHRASES) for _ in range(rng.randint(150, 400)))


def filter_offsets(rng: random.Random, count: int, millis: list[bool]) -> list[float]:
    """Sorted second offsets inside one day; the first row sits exactly on midnight so that
    day-aligned windows always have a row on their inclusive `from` boundary."""
    offsets = [0.0]
    for index in range(1, count):
        whole = rng.randrange(DAY_SECONDS)
        offsets.append(whole + (rng.randrange(1, 1000) / 1000 if millis[index] else 0.0))
    offsets.sort()
    return offsets


def _choose_styles(rng: random.Random, count: int, weights: dict[str, float]) -> list[str]:
    styles = list(weights)
    return rng.choices(styles, weights=[weights[s] for s in styles], k=count)


# --- per report generators: (rng, pools, day, count) -> rows ------------------------------------


def calls_rows(rng: random.Random, pools: Pools, day: datetime, count: int) -> list[Row]:
    styles = _choose_styles(rng, count, {SPACE: 0.4, ZULU: 0.4, MILLIS_ZULU: 0.2})
    offsets = filter_offsets(rng, count, [s in MILLIS_STYLES for s in styles])
    rows = []
    for offset, style in zip(offsets, styles, strict=True):
        end = day + timedelta(seconds=offset)
        call_type = rng.choice(
            (
                "inbound",
                "inbound",
                "outbound",
                "missed",
                "abandoned",
                "short_abandoned",
                "voicemail",
            )
        )
        answered = call_type in ("inbound", "outbound")
        person = rng.choice(pools.people) if answered or rng.random() < 0.3 else None
        talk = rng.randint(20, 900) if answered else 0
        wait = rng.randint(0, 120)
        hold = rng.randint(0, 60) if answered else 0
        ringing = rng.randint(0, 40)
        total = talk + wait + hold + ringing
        start = end - timedelta(seconds=total)
        call_id = hex_id(rng)
        rated = answered and rng.random() < 0.3
        rows.append(
            Row(
                end,
                {
                    "call_id": call_id,
                    "callsid": "CA" + hex_id(rng),
                    "type": call_type,
                    "start_at": format_entry_time(start, style),
                    "end_at": format_entry_time(end, style),
                    "talkdesk_phone_number": rng.choice(pools.company_numbers),
                    "talkdesk_phone_display_name": rng.choice(("Support line", "Sales line", None)),
                    "contact_phone_number": phone(rng),
                    "user_id": person.user_id if person else None,
                    "user_name": person.name if person else None,
                    "user_email": person.email if person else None,
                    "total_time": total,
                    "talk_time": talk,
                    "wait_time": wait,
                    "hold_time": hold,
                    "abandon_time": wait if call_type == "abandoned" else 0,
                    "total_ringing_time": ringing,
                    "disposition_code": rng.choice((None, "resolved", "follow_up")),
                    "notes": free_text(rng),
                    "user_voice_rating": rng.randint(1, 5) if rated else None,
                    "ring_groups": _ring_group_list(rng, pools),
                    "ivr_options": rng.choice(("", "1", "2>1")),
                    "is_in_business_hours": rng.random() < 0.8,
                    "is_callback_from_queue": rng.choice((True, False, None)),
                    "is_call_forwarding": rng.random() < 0.05,
                    "is_if_no_answer": rng.random() < 0.05,
                    "is_transfer": rng.random() < 0.1,
                    "is_external_transfer": rng.random() < 0.02,
                    "handling_user_id": person.user_id if person else None,
                    "handling_user_name": person.name if person else None,
                    "handling_user_email": person.email if person else None,
                    "recording_url": (
                        f"https://api.talkdeskapp.com/calls/{call_id}/recordings"
                        if answered
                        else None
                    ),
                    "csat_score": rng.randint(1, 5) if rated else None,
                    "csat_survey_time": (
                        format_entry_time(end + timedelta(minutes=2), style)
                        if rated
                        else rng.choice(("", None))
                    ),
                    "mood": rng.choice((None, "happy", "neutral", "upset")),
                    "is_mood_prompted": rng.choice((None, True, False)),
                    "team_id": person.team_id if person else None,
                    "team_name": person.team_name if person else None,
                    # Fields the 0.1.0 schema missed.
                    "rating_reason": rng.choice((None, "", "quick answer ⚡")) if rated else None,
                    "agent_disconnected": _yes_no(rng, 0.3) if answered else None,
                    "data_status": "Valid",
                    "int_custom_field_n1": rng.choice((None, rng.randint(0, 100))),
                    "int_custom_field_n2": rng.choice((None, None, -rng.randint(1, 9))),
                    "float_custom_field_n1": rng.choice((None, round(rng.random() * 100, 2))),
                    "float_custom_field_n2": rng.choice((None, None, 1.5e-7)),
                    "text_custom_field_n1": rng.choice((None, "vip", "standard")),
                    "text_custom_field_n2": rng.choice((None, "", "🚀 renewal")),
                    "text_custom_field_n3": rng.choice((None, None, "None")),
                    "text_custom_field_n4": rng.choice((None, None, "order #123")),
                    "timestamp_custom_field_n1": rng.choice(
                        (None, format_entry_time(start, style))
                    ),
                    "disposition_set": rng.choice((None, "Default")),
                    "nested_disposition": rng.choice((None, "Billing > Refund")),
                },
            )
        )
    return rows


_STATUS_LABELS = ("Available", "Away", "On A Call", "After Call Work", "Busy", "Offline")


def _user_status(rng: random.Random, pools: Pools, day: datetime, count: int) -> list[Row]:
    # Status sessions tile each agent's day; a session still open at midnight is split there, the
    # way Talkdesk splits sessions at month boundaries. The last session therefore ends exactly on
    # the next midnight, which is the next day's `from` boundary.
    people = list(pools.people)
    rng.shuffle(people)
    active = people[: rng.randint(8, len(people))]
    per_person = max(1, round(count / len(active)))
    rows = []
    for person in active:
        style = MILLIS_SPACE if rng.random() < 0.15 else SPACE
        sessions = max(1, per_person + rng.randint(-1, 1))
        cuts: set[float] = set()
        while len(cuts) < sessions - 1:
            cut = float(rng.randrange(1, DAY_SECONDS))
            if style == MILLIS_SPACE:
                cut += rng.randrange(1, 1000) / 1000
            cuts.add(cut)
        bounds = [0.0, *sorted(cuts), float(DAY_SECONDS)]
        label = rng.choice(_STATUS_LABELS)
        for begin, finish in zip(bounds, bounds[1:], strict=False):
            label = rng.choice([other for other in _STATUS_LABELS if other != label])
            start = day + timedelta(seconds=begin)
            end = day + timedelta(seconds=finish)
            rows.append(
                Row(
                    end,
                    {
                        "user_id": person.user_id,
                        "user_name": person.name,
                        "user_email": person.email,
                        "status_label": label,
                        "status_start_at": format_entry_time(start, style),
                        "status_end_at": format_entry_time(end, style),
                        "status_time": int(finish - begin),
                        "is_user_active": rng.random() < 0.9,
                        "team_id": person.team_id,
                        "team_name": person.team_name,
                        "ring_groups": _ring_group_list(rng, pools),
                    },
                )
            )
    rows.sort(key=lambda row: row.filter_time)
    return rows


_STUDIO_STEPS = (
    ("Start", "start", "ok"),
    ("Business hours", "business_hours", "open"),
    ("Menu", "ivr_menu", "option_1"),
    ("Assignment", "assignment_and_dial", "ok"),
    ("Voicemail", "voicemail", "call_aborted"),
    ("Hang up", "hangup", "ok"),
)


def _studio_flow_execution(
    rng: random.Random, pools: Pools, day: datetime, count: int
) -> list[Row]:
    executions = max(1, count // 4)
    offsets = filter_offsets(rng, executions, [False] * executions)
    rows = []
    for offset in offsets:
        finished = day + timedelta(seconds=offset)
        flow_id, flow_name = rng.choice(pools.flows)
        interaction_id = hex_id(rng)
        execution_id = uid(rng)
        call_sid = "CA" + hex_id(rng)
        origin, destination = phone(rng), rng.choice(pools.company_numbers)
        steps = rng.randint(2, len(_STUDIO_STEPS))
        durations = [rng.uniform(0.05, 40.0) for _ in range(steps)]
        step_start = finished - timedelta(seconds=sum(durations))
        for order in range(steps):
            title, step_name, exit_name = _STUDIO_STEPS[order]
            rows.append(
                Row(
                    finished,
                    {
                        "call_sid": call_sid,
                        "flow_execution_id": execution_id,
                        "interaction_id": interaction_id,
                        "destination_number": destination,
                        "origin_number": origin,
                        "flow_name": flow_name,
                        "flow_id": flow_id,
                        "component_title": title,
                        "step_name": step_name,
                        "exit": exit_name,
                        # Fraction of a day, as Talkdesk reports step durations.
                        "time_in_step": durations[order] / DAY_SECONDS,
                        "timestamp": format_entry_time(step_start, SPACE),
                        "studio_flow_executions_aggregated.flow_execution_finished_time": (
                            format_entry_time(finished, SPACE)
                        ),
                        "step_execution_order": order,
                    },
                )
            )
            step_start += timedelta(seconds=durations[order])
    return rows


def _contacts(rng: random.Random, pools: Pools, day: datetime, count: int) -> list[Row]:
    styles = _choose_styles(rng, count, {SPACE: 0.9, ZULU: 0.1})
    offsets = filter_offsets(rng, count, [False] * count)
    rows = []
    interaction_id = hex_id(rng)
    for index, (offset, style) in enumerate(zip(offsets, styles, strict=True)):
        # A transfer opens a second contact in the same interaction.
        if index == 0 or rng.random() > 0.2:
            interaction_id = hex_id(rng)
        anchor = day + timedelta(seconds=offset)
        # A few contacts are still open: finished_at is null and the report selects them by start.
        still_open = index > 0 and rng.random() < 0.05
        contact_type = rng.choice(
            ("Answered", "Answered", "Missed", "Abandoned", "Short abandoned", "Voicemail")
        )
        answered = contact_type == "Answered"
        person = rng.choice(pools.people) if answered else None
        # A few contacts are assigned to an agent directly, bypassing the ring group.
        direct = person if person and rng.random() < 0.15 else None
        direct_ids = direct.user_id if direct else rng.choice(("None", None))
        transfer_in = _yes_no(rng, 0.1)
        wait = rng.randint(0, 90)
        talk = rng.randint(30, 900) if answered else 0
        duration = wait + talk
        if still_open:
            started, finished = anchor, None
        else:
            started, finished = anchor - timedelta(seconds=duration), anchor
        answered_at = started + timedelta(seconds=wait) if answered else None

        def fmt(moment: datetime | None, style: str = style) -> str | None:
            return None if moment is None else format_entry_time(moment, style)

        rows.append(
            Row(
                anchor,
                {
                    "interaction_id": interaction_id,
                    "contact_id": hex_id(rng),
                    "company_number": rng.choice(pools.company_numbers),
                    "phone_display_name": rng.choice(("Support line", "Sales line")),
                    "contact_person_number": phone(rng),
                    "external_phone_number": rng.choice((None, phone(rng))),
                    "direction": rng.choice(("IN", "IN", "OUT")),
                    "contact_type": contact_type,
                    "started_at": fmt(started),
                    "answered_at": fmt(answered_at),
                    "connected_at": fmt(answered_at),
                    "finished_at": fmt(finished),
                    "wait_time": wait,
                    "time_to_missed": None if answered else wait,
                    "abandon_time": wait if contact_type == "Abandoned" else None,
                    "short_abandon_time": wait if contact_type == "Short abandoned" else None,
                    "time_to_voicemail": wait if contact_type == "Voicemail" else None,
                    "ring_time": rng.randint(0, 30),
                    "connect_time": talk if answered else None,
                    "talk_time": talk if answered else None,
                    "hard_hold_time": 0,
                    "soft_hold_time": 0,
                    "hold_time": rng.randint(0, 60) if answered else None,
                    "after_call_work_time": rng.randint(0, 120) if answered else None,
                    "duration": None if still_open else duration,
                    "handle_time": talk if answered else None,
                    "inside_business_hours": _yes_no(rng, 0.8),
                    "inside_service_level": _yes_no(rng, 0.7),
                    "within_service_level_threshold": _yes_no(rng, 0.7),
                    "transfer_out": _yes_no(rng, 0.1),
                    "transfer_in": transfer_in,
                    "transfer_out_type": rng.choice((None, "ring_group", "user")),
                    "transfer_in_type": "ring_group" if transfer_in == "Yes" else None,
                    "callback": _yes_no(rng, 0.05),
                    "ring_groups": _ring_group_list(rng, pools),
                    "handling_ring_groups": _ring_group_list(rng, pools),
                    "user_name": person.name if person else None,
                    "user_id": person.user_id if person else None,
                    "team_name": person.team_name if person else None,
                    "team_id": person.team_id if person else None,
                    # The literal "None" string really appears in Talkdesk examples.
                    "direct_assignment_user": direct.name if direct else "None",
                    "direct_assignment_ids": direct_ids,
                    # Columns Fivetran's Contacts table carries that Talkdesk's example does not.
                    "direct_assignment_id": direct.user_id if direct else None,
                    "data_status": "Valid",
                    "disconnected_by_agent": _yes_no(rng, 0.4) if answered else None,
                    "last_contact": _yes_no(rng, 0.8),
                },
            )
        )
    return rows


def _ring_attempts(rng: random.Random, pools: Pools, day: datetime, count: int) -> list[Row]:
    styles = _choose_styles(rng, count, {SPACE: 0.7, MILLIS_ZULU: 0.3})
    offsets = filter_offsets(rng, count, [s in MILLIS_STYLES for s in styles])
    rows = []
    interaction_id, contact_id, batch_id = hex_id(rng), hex_id(rng), hex_id(rng)
    for index, (offset, style) in enumerate(zip(offsets, styles, strict=True)):
        # Several agents are rung per batch, several batches per contact.
        if index == 0 or rng.random() < 0.4:
            interaction_id, contact_id = hex_id(rng), hex_id(rng)
        if rng.random() < 0.6:
            batch_id = hex_id(rng)
        anchor = day + timedelta(seconds=offset)
        unfinished = index > 0 and rng.random() < 0.05
        seconds = rng.randint(1, 30)
        if unfinished:
            started, finished = anchor, None
        else:
            started, finished = anchor - timedelta(seconds=seconds), anchor
        person = rng.choice(pools.people)
        rows.append(
            Row(
                anchor,
                {
                    "interaction_id": interaction_id,
                    "contact_id": contact_id,
                    "batch_ring_id": batch_id,
                    "ring_attempt_id": hex_id(rng),
                    "attempt_type": rng.choice(("Ignored", "Answered", "Rejected", None)),
                    "ring_started_at_time": format_entry_time(started, style),
                    "ring_finished_at_time": (
                        None if finished is None else format_entry_time(finished, style)
                    ),
                    "ring_attempt_duration": None if unfinished else seconds,
                    "user_name": person.name,
                    "user_email": person.email,
                    "team_name": rng.choice((person.team_name, None)),
                    "user_id": person.user_id,
                    "team_id": person.team_id,
                    "dial_attempts_queues": _ring_group_list(rng, pools),
                },
            )
        )
    return rows


Generator = Callable[[random.Random, Pools, datetime, int], list[Row]]

GENERATORS: dict[str, Generator] = {
    "calls": calls_rows,
    "user_status": _user_status,
    "studio_flow_execution": _studio_flow_execution,
    "contacts": _contacts,
    "ring_attempts": _ring_attempts,
}


class Dataset:
    """The account's report data from `history_start` on, without an end: rows keep "happening"
    as the server clock moves, and callers bound windows by the clock."""

    def __init__(
        self,
        seed: int,
        history_start: datetime,
        rows_per_day: dict[str, int],
        generators: dict[str, Generator] | None = None,
    ) -> None:
        self.seed = seed
        self.history_start = history_start.astimezone(UTC)
        self._rows_per_day = dict(rows_per_day)
        self._generators = dict(GENERATORS if generators is None else generators)
        self._pools = _make_pools(seed)
        self._days: dict[tuple[str, datetime], list[Row]] = {}
        # Columns added at runtime to every entry of a report (schema drift without a version bump).
        self._extra_fields: dict[str, dict] = {}
        self._lock = threading.Lock()

    def knows(self, report_type: str) -> bool:
        return report_type in self._generators

    def add_fields(self, report_type: str, fields: dict) -> None:
        if not self.knows(report_type):
            raise KeyError(report_type)
        with self._lock:
            self._extra_fields[report_type] = {**self._extra_fields.get(report_type, {}), **fields}

    def _day_rows(self, report_type: str, day: datetime) -> list[Row]:
        key = (report_type, day)
        with self._lock:
            cached = self._days.get(key)
        if cached is not None:
            return cached
        rng = random.Random(f"{self.seed}:{report_type}:{day.date().isoformat()}")
        base = self._rows_per_day.get(report_type, 0)
        count = max(1, base + rng.randint(-base // 4, base // 4)) if base > 0 else 0
        rows = self._generators[report_type](rng, self._pools, day, count) if count else []
        with self._lock:
            return self._days.setdefault(key, rows)

    def window(self, report_type: str, start: datetime, end: datetime) -> list[dict]:
        """Entries whose filter time lies in [start, end), in file order (by filter time)."""
        if not self.knows(report_type):
            raise KeyError(report_type)
        start = max(start.astimezone(UTC), self.history_start)
        end = end.astimezone(UTC)
        if start >= end:
            return []
        with self._lock:
            extra = dict(self._extra_fields.get(report_type, {}))
        entries = []
        # A day's rows can reach past its midnight (sessions ending on the next midnight), so the
        # day before the window is scanned too.
        for day in days_between(start - timedelta(days=1), end):
            entries.extend(
                {**row.entry, **extra}
                for row in self._day_rows(report_type, day)
                if start <= row.filter_time < end
            )
        return entries
