"""One rate budget per source, shared by every stream and every worker thread.

Freshdesk limits the account per minute and, inside that, the tickets list and the contacts list
each have a per-minute limit of their own (Growth 200 / 20 / 20, Pro 400 / 100 / 100,
Enterprise 700 / 200 / 200). Each of those scopes is budgeted on its own, before a request
leaves (`acquire_call`) and from every response:
- The account: `requests_per_minute` (optional) is a hard cap in credits under everything.
  Requests are spaced evenly at that rate instead of bursting at the start of each window:
  Freshdesk counts credits per fixed window, and a burst of parallel workers would overrun it.
  Without a cap the budget paces itself from Freshdesk's X-RateLimit-Total / X-RateLimit-Remaining
  headers: once the remaining credits fall into a small reserve, requests are spaced at the
  account's sustainable rate (Remaining counts what other integrations on the account spent
  too). With a cap the user has said what the sync may spend, and the even spacing alone decides.
- A list endpoint (GET tickets, GET contacts): its requests also keep to the list's own limit,
  counted in credits over any span of a minute (plus a margin for arrival jitter), so whichever
  minute the server counts in, it never sees more; a list waiting for its window holds up no
  other request. The limit comes from `subscription_tier` when set, else from the plan whose
  account limit X-RateLimit-Total names; until the first answer says, the smallest plan's
  (Growth) applies. An account limit that names no plan (trial, custom contracts), or answers
  that carry no X-RateLimit-Total at all, give no published list limit: the account budget and
  the 429 rule below cover those lists.
  Whether Freshdesk counts list calls or credits is not documented; credits are never fewer.
- A 429 pauses the requests of the scope it exhausted until its Retry-After has passed. The
  answer does not name the scope, so: a 429 to a list request whose X-RateLimit-Remaining still
  covers that request's credits came from the list's own limit and pauses only that list; any
  other 429 (other endpoints, account credits gone, no Remaining header) pauses every worker. A
  Retry-After longer than MAX_RATE_LIMIT_WAIT_S is not waited out: until it has passed, every
  request of that scope fails at once with the transient error that says when to retry.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import requests
from airbyte_cdk.sources.streams.call_rate import APIBudget

from connector_common.backoff import (
    MAX_RATE_LIMIT_WAIT_S,
    rate_limit_wait_too_long,
    response_retry_after,
)

WINDOW_SECONDS = 60.0
RESERVE_FRACTION = 0.1
# Pace a configured cap a little below it: requests sent at exactly the cap's spacing still arrive
# with jitter, and one extra arrival in a window is a 429.
CAP_PACING_FACTOR = 0.98
# A list counts its credits over this long a span, the same margin for the same jitter.
SCOPE_WINDOW_SECONDS = WINDOW_SECONDS / CAP_PACING_FACTOR
# A request waiting for its scope's window looks again this often: the plan may become known
# meanwhile, and a slot computed under the old limit would be kept needlessly.
RECHECK_SECONDS = 1.0
# A 429 without a usable Retry-After still pauses its scope this long.
DEFAULT_RATE_LIMIT_PAUSE_SECONDS = 5.0

Clock = Callable[[], float]
Sleep = Callable[[float], None]
ListScope = Literal["tickets_list", "contacts_list"]
SubscriptionTier = Literal["growth", "pro", "enterprise"]
# The endpoint (path under /api/v2/) each list scope covers.
LIST_ENDPOINTS: dict[str, ListScope] = {"tickets": "tickets_list", "contacts": "contacts_list"}


@dataclass(frozen=True)
class PlanLimits:
    """A plan's per-minute limits: the account's, and each list endpoint's own."""

    account: int
    tickets_list: int
    contacts_list: int

    def of(self, scope: ListScope) -> int:
        return self.tickets_list if scope == "tickets_list" else self.contacts_list


# Freshdesk's published table; the add-ons are bought capacity, known only from the headers.
TIER_LIMITS: dict[SubscriptionTier, PlanLimits] = {
    "growth": PlanLimits(200, 20, 20),
    "pro": PlanLimits(400, 100, 100),
    "enterprise": PlanLimits(700, 200, 200),
}
PLANS_BY_ACCOUNT_LIMIT: dict[int, PlanLimits] = {
    **{limits.account: limits for limits in TIER_LIMITS.values()},
    1000: PlanLimits(1000, 300, 300),
    2000: PlanLimits(2000, 400, 400),
}
SMALLEST_PLAN = TIER_LIMITS["growth"]


def request_credits(request: Any) -> int:
    """Credits Freshdesk charges for a request: 1, plus 2 per include on the tickets list, else 1."""
    url = getattr(request, "url", None) or ""
    parts = urlsplit(url)
    includes = [
        item
        for value in parse_qs(parts.query).get("include", [])
        for item in value.split(",")
        if item
    ]
    per_include = 2 if parts.path.rstrip("/").endswith("/tickets") else 1
    return 1 + per_include * len(includes)


def list_scope_of(request: Any) -> ListScope | None:
    """The list scope a request falls in: GET /api/v2/tickets or /api/v2/contacts, else None."""
    if (getattr(request, "method", None) or "GET").upper() != "GET":
        return None
    path = urlsplit(getattr(request, "url", None) or "").path.rstrip("/")
    head, _, endpoint = path.rpartition("/")
    return LIST_ENDPOINTS.get(endpoint) if head.endswith("/api/v2") else None


class EvenPacer:
    """Hands out send times `credits / rate` apart: a hard cap without bursts (thread-safe)."""

    def __init__(self, credits_per_minute: int, clock: Clock = time.monotonic) -> None:
        self.seconds_per_credit = WINDOW_SECONDS / (credits_per_minute * CAP_PACING_FACTOR)
        self._clock = clock
        self._lock = threading.Lock()
        self._next_slot: float | None = None

    def delay_for(self, credits: int) -> float:
        """Reserve the slot of a request costing `credits`; return how long to wait for it."""
        with self._lock:
            now = self._clock()
            # An idle pacer does not bank unused slots: a burst after a pause would overrun.
            slot = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = slot + credits * self.seconds_per_credit
            return slot - now


class HeaderPacer:
    """Spaces requests at Total/60 per second while Remaining is inside the reserve."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._total: int | None = None
        self._remaining: int | None = None
        self._next_slot = 0.0

    @property
    def total(self) -> int | None:
        """The account's limit per minute as the last X-RateLimit-Total said, None before."""
        with self._lock:
            return self._total

    def observe(self, response: requests.Response) -> None:
        total = _header_int(response, "X-RateLimit-Total")
        remaining = _header_int(response, "X-RateLimit-Remaining")
        with self._lock:
            if total:
                self._total = total
            if remaining is not None:
                self._remaining = remaining

    def delay_for_next_request(self) -> float:
        """Reserve the next request's slot and return how long to wait for it."""
        with self._lock:
            now = self._clock()
            if not self._total or self._remaining is None:
                return 0.0
            reserve = max(1, math.ceil(self._total * RESERVE_FRACTION))
            self._remaining -= 1  # optimistic until the next response corrects it
            if self._remaining >= reserve:
                return 0.0
            slot = max(now, self._next_slot)
            self._next_slot = slot + WINDOW_SECONDS / self._total
            return slot - now


class SharedPause:
    """The moment until which no worker of a scope may send, set by a 429 (thread-safe)."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until = 0.0

    def extend(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, self._clock() + seconds)

    def remaining(self) -> float:
        with self._lock:
            return max(0.0, self._until - self._clock())


class CreditWindow:
    """The credits sent over the last SCOPE_WINDOW_SECONDS: a request goes only if they and its
    own stay within the limit (thread-safe). Unlike even spacing, this holds for requests of
    different costs too: three 7-credit pages spaced evenly at 20 a minute put 21 credits into
    one fixed minute."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: deque[tuple[float, int]] = deque()
        self._in_window = 0

    def try_send(self, credits: int, limit: int) -> float:
        """Count the request as sent now and return 0, or return how long until it may be."""
        with self._lock:
            now = self._clock()
            while self._sent and self._sent[0][0] <= now - SCOPE_WINDOW_SECONDS:
                self._in_window -= self._sent.popleft()[1]
            # A request dearer than the whole limit goes alone once the window is empty.
            if self._sent and self._in_window + credits > limit:
                freed, needed = 0, self._in_window + credits - limit
                for sent_at, spent in self._sent:
                    freed += spent
                    if freed >= needed or freed == self._in_window:
                        return max(0.0, sent_at + SCOPE_WINDOW_SECONDS - now)
            self._sent.append((now, credits))
            self._in_window += credits
            return 0.0


class RateScope:
    """What a 429 can exhaust: the pause it asks for, or the refusal when that is too long."""

    def __init__(self, clock: Clock) -> None:
        self.pause = SharedPause(clock)
        # Until when every request of the scope is refused: a 429 asked for longer than anyone waits.
        self.refusal = SharedPause(clock)

    def hold(self, retry_after: float | None) -> None:
        if retry_after is not None and retry_after > MAX_RATE_LIMIT_WAIT_S:
            # Too long to wait: the request's own backoff fails its stream, and the other
            # workers of the scope fail theirs at their next request instead of sleeping.
            self.refusal.extend(retry_after)
        else:
            self.pause.extend(
                retry_after if retry_after is not None else DEFAULT_RATE_LIMIT_PAUSE_SECONDS
            )


class FreshdeskAPIBudget(APIBudget):
    """The CDK calls `acquire_call` before and `update_from_response` after every attempt."""

    def __init__(
        self,
        requests_per_minute: int | None,
        subscription_tier: SubscriptionTier | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep | None = None,
    ) -> None:
        super().__init__(policies=[])
        self.cap = EvenPacer(requests_per_minute, clock) if requests_per_minute else None
        self.pacer = HeaderPacer(clock)
        self.tier_limits = TIER_LIMITS[subscription_tier] if subscription_tier else None
        self.account = RateScope(clock)
        self.lists = {scope: RateScope(clock) for scope in LIST_ENDPOINTS.values()}
        self._windows = {scope: CreditWindow(clock) for scope in LIST_ENDPOINTS.values()}
        # Looked up when it is called (time.sleep unless a test gives a clock of its own).
        self._sleep = sleep
        self._answered = threading.Event()

    def list_limit(self, scope: ListScope) -> int | None:
        """The list's own credits per minute: the tier's, the plan's the headers name, Growth's
        until an answer has named one, or None for an account limit that names no plan."""
        if self.tier_limits is not None:
            return self.tier_limits.of(scope)
        total = self.pacer.total
        if total is None:
            return None if self._answered.is_set() else SMALLEST_PLAN.of(scope)
        plan = PLANS_BY_ACCOUNT_LIMIT.get(total)
        return plan.of(scope) if plan is not None else None

    def acquire_call(self, request: Any, block: bool = True, timeout: float | None = None) -> None:
        scope = list_scope_of(request)
        scopes = [self.account] if scope is None else [self.account, self.lists[scope]]
        for each in scopes:
            refused = each.refusal.remaining()
            if refused > 0:
                raise rate_limit_wait_too_long("Freshdesk", refused)
        credits = request_credits(request)
        # The pause first: a slot reserved before it would be spent while nobody may send.
        self._wait(max(each.pause.remaining() for each in scopes))
        # The list's slot before the account's: an account slot taken first would sit unused
        # while the list waits for its window.
        waited = scope is not None and self._take_list_slot(scope, credits)
        if self.cap is not None:
            waited = self._wait(self.cap.delay_for(credits)) or waited
        else:
            waited = self._wait(self.pacer.delay_for_next_request()) or waited
        if waited:
            # A 429 that arrived while this request waited for its slot holds it too.
            self._wait(max(each.pause.remaining() for each in scopes))

    def update_from_response(self, request: Any, response: Any) -> None:
        if not isinstance(response, requests.Response):
            return
        self.pacer.observe(response)
        self._answered.set()
        if response.status_code == 429:
            self.exhausted_scope(request, response).hold(response_retry_after(response))

    def exhausted_scope(self, request: Any, response: requests.Response) -> RateScope:
        """The scope a 429 came from, by the rule in the module docstring."""
        scope = list_scope_of(request)
        remaining = _header_int(response, "X-RateLimit-Remaining")
        if scope is not None and remaining is not None and remaining >= request_credits(request):
            return self.lists[scope]
        return self.account

    def _take_list_slot(self, scope: ListScope, credits: int) -> bool:
        """Wait until the list's window lets the request go; True if that took any wait. The
        limit is looked up again after each short wait: the plan may become known meanwhile."""
        waited = False
        while (limit := self.list_limit(scope)) is not None:
            delay = self._windows[scope].try_send(credits, limit)
            if delay <= 0:
                break
            waited = self._wait(min(delay, RECHECK_SECONDS))
            self._wait(max(self.lists[scope].pause.remaining(), self.account.pause.remaining()))
        return waited

    def _wait(self, seconds: float) -> bool:
        if seconds > 0:
            (self._sleep or time.sleep)(seconds)
            return True
        return False


def _header_int(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name)  # requests' headers ignore case, as Freshdesk's vary
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
