"""Runtime behaviour switches: rate-limit budgets, plan gating and mutations scheduled mid-sync.

Everything here is mutated by test code while server threads read it, so each class guards its
state with its own lock and callers get plain values back.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from .settings import PLAN_RATE_LIMITS, PlanName, RetryAfterStyle, SandboxSettings

# Budget shown in headers when rate limiting is off, so clients still see all three headers.
NOMINAL_UNLIMITED_TOTAL = 100_000


@dataclass
class _Window:
    limit: int | None
    used: int = 0


@dataclass
class RateDecision:
    allowed: bool
    total: int
    remaining: int
    retry_after: float | None = None


class RateLimiter:
    """Fixed per-window credit budgets: the account one plus optional list sub-budgets.

    A list request spends its credits (includes too) on both the account and its list: whether
    Freshdesk counts list calls or credits is undocumented, and credits is the stricter reading.
    """

    def __init__(self, settings: SandboxSettings) -> None:
        self._lock = threading.Lock()
        self.configure(
            total=settings.rate_limit_total,
            window_seconds=settings.rate_limit_window_seconds,
            tickets_list=settings.rate_limit_tickets_list,
            contacts_list=settings.rate_limit_contacts_list,
            retry_after=settings.retry_after,
            plan=settings.rate_limit_plan,
        )

    def configure(
        self,
        total: int | None = 200,
        window_seconds: float = 60.0,
        tickets_list: int | None = None,
        contacts_list: int | None = None,
        retry_after: RetryAfterStyle = "int",
        plan: PlanName | None = None,
    ) -> None:
        if retry_after not in ("int", "float", "missing"):
            raise ValueError(f"retry_after must be int, float or missing, not {retry_after!r}")
        if plan is not None:
            if plan not in PLAN_RATE_LIMITS:
                raise ValueError(f"plan must be one of {', '.join(PLAN_RATE_LIMITS)}, not {plan!r}")
            total, tickets_list, contacts_list = PLAN_RATE_LIMITS[plan]
        with self._lock:
            self.window_seconds = float(window_seconds)
            self.retry_after_style = retry_after
            self._windows = {
                "account": _Window(total),
                "tickets_list": _Window(tickets_list),
                "contacts_list": _Window(contacts_list),
            }
            self._window_started: float | None = None

    def _roll(self, now: float) -> None:
        if self._window_started is None or now - self._window_started >= self.window_seconds:
            self._window_started = now
            for window in self._windows.values():
                window.used = 0

    def charge(self, cost: int, sub_budget: str | None) -> RateDecision:
        """Spend `cost` credits if the account (and the sub-budget) can afford it."""
        with self._lock:
            now = time.monotonic()
            self._roll(now)
            account = self._windows["account"]
            sub = self._windows.get(sub_budget) if sub_budget else None
            over = any(
                w is not None and w.limit is not None and w.used + cost > w.limit
                for w in (account, sub)
            )
            if not over:
                account.used += cost
                if sub is not None:
                    sub.used += cost
            total = account.limit if account.limit is not None else NOMINAL_UNLIMITED_TOTAL
            remaining = max(0, total - account.used)
            if not over:
                return RateDecision(True, total, remaining)
            assert self._window_started is not None
            wait = max(0.0, self._window_started + self.window_seconds - now)
            return RateDecision(False, total, remaining, wait)

    def retry_after_header(self, wait: float) -> str | None:
        if self.retry_after_style == "missing":
            return None
        if self.retry_after_style == "float":
            return f"{max(wait, 0.001):.3f}"
        return str(max(1, math.ceil(wait)))


@dataclass
class _Scheduled:
    prefix: str
    remaining: int
    mutation: str
    kwargs: dict


class ScheduledMutations:
    """Mutations that fire after N more successful requests to a path: changes *during* a sync."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Scheduled] = []

    def schedule(self, prefix: str, after_requests: int, mutation: str, kwargs: dict) -> None:
        with self._lock:
            self._pending.append(_Scheduled(prefix, max(1, int(after_requests)), mutation, kwargs))

    def due(self, path: str) -> list[tuple[str, dict]]:
        fired: list[tuple[str, dict]] = []
        with self._lock:
            for item in list(self._pending):
                if path.startswith(item.prefix):
                    item.remaining -= 1
                    if item.remaining <= 0:
                        self._pending.remove(item)
                        fired.append((item.mutation, item.kwargs))
        return fired


class FeatureGates:
    """Plan features: disabled from the start, or lost after N more successful requests."""

    def __init__(self, disabled: set[str]) -> None:
        self._lock = threading.Lock()
        self._disabled = set(disabled)
        self._pending: dict[str, int] = {}

    def gate(self, feature: str, after_requests: int) -> None:
        with self._lock:
            if after_requests <= 0:
                self._disabled.add(feature)
                self._pending.pop(feature, None)
            else:
                self._pending[feature] = int(after_requests)

    def enable(self, feature: str) -> None:
        with self._lock:
            self._disabled.discard(feature)
            self._pending.pop(feature, None)

    def is_disabled(self, feature: str) -> bool:
        with self._lock:
            return feature in self._disabled

    def record_success(self, feature: str) -> None:
        with self._lock:
            if feature in self._pending:
                self._pending[feature] -= 1
                if self._pending[feature] <= 0:
                    del self._pending[feature]
                    self._disabled.add(feature)
