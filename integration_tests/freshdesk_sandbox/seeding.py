"""Shared pieces of the seeded account: record types, constants and the seeding context.

Records are stored already shaped like the API serialises them (string timestamps, nulls for unset
optional fields). Tickets keep their include-only parts (description, stats) beside the base record so
the list endpoint can add them per request. Conversations are derived lazily per ticket from the seed,
because a 31,000-ticket account would otherwise need ~100,000 of them up front.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import texts
from .clock import to_z
from .settings import SandboxSettings

DAY = 86_400
BIG_COMPANY_ID = 284960733419037820  # > 2^53: breaks JSON-to-float pipelines
RECENT_WINDOW_DAYS = 30

Record = dict[str, Any]


@dataclass
class TicketRow:
    """A ticket: the list-shaped base record plus the parts only `include=` adds."""

    base: Record
    description: str
    description_text: str
    stats: Record
    requester: Record | None  # None when the requester contact was deleted
    ordinal: int  # position in creation order, seeds the ticket's conversations
    # Closed and inactive for 120+ days: out of every list, readable only via /tickets/archived/{id}.
    archived: bool = False

    @property
    def id(self) -> int:
        return self.base["id"]

    @property
    def hidden_by(self) -> str | None:
        """The filter that shows this ticket ("deleted"/"spam"), None for the default list."""
        if self.archived:
            return "archived"
        if self.base.get("deleted"):
            return "deleted"
        if self.base["spam"]:
            return "spam"
        return None


@dataclass
class Dataset:
    tickets: dict[int, TicketRow] = field(default_factory=dict)
    contacts: list[Record] = field(default_factory=list)
    contact_state: dict[int, str] = field(
        default_factory=dict
    )  # verified|unverified|blocked|deleted
    lists: dict[str, list[Record]] = field(default_factory=dict)  # stream name -> records
    settings_object: Record = field(default_factory=dict)
    # Conversations materialised so far (lazily) or added by mutations, keyed by ticket id.
    conversations: dict[int, list[Record]] = field(default_factory=dict)
    # The ticket activities export's daily files (their JSON content), keyed by day YYYY-MM-DD.
    activity_files: dict[str, Record] = field(default_factory=dict)


def pick(rand: Callable[[], float], seq: Sequence[Any]) -> Any:
    return seq[int(rand() * len(seq))]


def strip_html(html: str) -> str:
    out: list[str] = []
    inside = False
    for char in html:
        if char == "<":
            inside = True
        elif char == ">":
            inside = False
        elif not inside:
            out.append(char)
    return "".join(out).strip()


class SeedContext:
    """The random source, clock and growing dataset the seed_* builders share, in build order."""

    def __init__(self, settings: SandboxSettings, now: int) -> None:
        self.s = settings
        self.now = now
        self.rng = random.Random(settings.seed)
        self.data = Dataset()
        self.large_html = texts.large_html()
        # Ids later builders point at, filled in as the resources are built.
        self.agent_ids: list[int] = []
        self.group_ids: list[int] = []
        self.product_ids: list[int] = []
        self.business_ids: list[int] = []
        self.email_config_ids: list[int] = []
        self.company_ids: list[int] = []
        self.visible_contacts: list[Record] = []
        self.deleted_contacts: list[Record] = []

    # ---- helpers -------------------------------------------------------------------------------
    def past(self, max_days: float, min_days: float = 0.0) -> int:
        return self.now - int(self.rng.uniform(min_days * DAY, max_days * DAY))

    def later(self, start: int, delay: float) -> int:
        """start + delay, or a uniform moment before now when that would be in the future.

        Clamping to now instead would pile many records onto the one second of `now`.
        """
        if start >= self.now:
            return self.now
        if start + delay <= self.now:
            return start + int(delay)
        return start + int(self.rng.uniform(0, self.now - start))

    def stamps(
        self, fmt: Callable[[int], str] = to_z, max_days: float | None = None
    ) -> tuple[int, Record]:
        created = self.past(max_days if max_days is not None else self.s.history_days, 1)
        updated = self.later(created, self.rng.expovariate(1 / (20 * DAY)))
        return created, {"created_at": fmt(created), "updated_at": fmt(updated)}

    def name(self) -> tuple[str, str]:
        return self.rng.choice(texts.FIRST_NAMES), self.rng.choice(texts.LAST_NAMES)
