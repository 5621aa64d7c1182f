"""A queue of one-shot transport faults, consumed in order by the next requests they match.

A fault is an HTTP status (the app renders its own error body for it), or one of:
- RESET: hang up without answering, as a dropped connection;
- LATENCY: wait `seconds`, then answer normally;
- MALFORMED: a 200 whose body is cut in half, Content-Length matching (broken JSON, valid HTTP);
- TRUNCATE: a 200 that announces its whole body, sends half and hangs up;
- EMPTY: a 200 with an empty body.
The last three need a real 200 to spoil, so they wait for one; the others strike before the
app looks at the request (auth, validation), as a gateway or overloaded backend would.

Faults are matched by a key the app chooses: a path prefix, or an exact request kind when the
plan is made with a fixed set of kinds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass

from .messages import Response

RESET = "reset"
LATENCY = "latency"
MALFORMED = "malformed"
TRUNCATE = "truncate"
EMPTY = "empty"
_SPOILERS = frozenset({MALFORMED, TRUNCATE, EMPTY})
_MODES = frozenset({RESET, LATENCY}) | _SPOILERS


@dataclass(frozen=True)
class Fault:
    status: int | str
    # Sent verbatim with a status fault: "2", "0.5", an HTTP-date; None sends no Retry-After.
    retry_after: str | None = None
    html: bool = False  # for statuses whose body the app may render as HTML or JSON
    seconds: float = 0.0  # LATENCY only

    def __post_init__(self) -> None:
        if isinstance(self.status, str) and self.status not in _MODES:
            raise ValueError(f"fault must be an HTTP status or one of {sorted(_MODES)}")

    @property
    def spoils_a_success(self) -> bool:
        return self.status in _SPOILERS


@dataclass
class _Queue:
    scope: str
    faults: deque[Fault]


class FaultPlan:
    def __init__(self, kinds: Collection[str] | None = None) -> None:
        # With kinds, a scope is one of them and matches exactly; without, a path prefix.
        self._kinds = tuple(kinds) if kinds is not None else None
        self._lock = threading.Lock()
        self._queues: list[_Queue] = []
        self._latency: tuple[float, str] = (0.0, "")

    def add(self, scope: str, fault: Fault, count: int = 1) -> None:
        if self._kinds is not None and scope not in self._kinds:
            raise ValueError(f"kind must be one of {self._kinds}")
        with self._lock:
            self._queues.append(_Queue(scope, deque([fault] * int(count))))

    def _matches(self, scope: str, key: str) -> bool:
        return key == scope if self._kinds is not None else key.startswith(scope)

    def take(self, key: str, spoiler: bool) -> Fault | None:
        """The next fault for `key` of the asked sort (spoiling a 200, or striking first)."""
        with self._lock:
            for queue in self._queues:
                head = queue.faults[0] if queue.faults else None
                if head is None or head.spoils_a_success != spoiler:
                    continue
                if self._matches(queue.scope, key):
                    queue.faults.popleft()
                    if not queue.faults:
                        self._queues.remove(queue)
                    return head
        return None

    def pending(self) -> int:
        """Faults queued and not met yet: a test can tell every one of them struck."""
        with self._lock:
            return sum(len(queue.faults) for queue in self._queues)

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()
            self._latency = (0.0, "")

    def set_latency(self, seconds: float, scope: str = "") -> None:
        """A standing delay on every request matching `scope` until set back to 0."""
        with self._lock:
            self._latency = (float(seconds), scope)

    def latency_for(self, key: str) -> float:
        with self._lock:
            seconds, scope = self._latency
        return seconds if seconds > 0 and self._matches_latency(scope, key) else 0.0

    def _matches_latency(self, scope: str, key: str) -> bool:
        return not scope or self._matches(scope, key)


def answer_with_faults(
    plan: FaultPlan,
    key: str,
    answer: Callable[[], Response],
    failure: Callable[[Fault], Response],
) -> Response:
    """Run `answer` under the plan: a striking fault replaces it (`failure` renders the app's
    error body for a status), a spoiling fault mangles its 200."""
    delay = plan.latency_for(key)
    fault = plan.take(key, spoiler=False)
    if fault is not None and fault.status == RESET:
        return Response.hang_up()
    if fault is not None and fault.status == LATENCY:
        delay += fault.seconds
        fault = None
    if delay:
        time.sleep(delay)
    if fault is not None:
        response = failure(fault)
        if fault.retry_after is not None:
            response.header("Retry-After", fault.retry_after)
        return response
    response = answer()
    if response.status == 200:
        spoiler = plan.take(key, spoiler=True)
        if spoiler is not None:
            spoil(response, str(spoiler.status))
    return response


def spoil(response: Response, how: str) -> None:
    if how == EMPTY:
        response.body = b""
    elif how == MALFORMED:
        response.body = response.body[: max(1, len(response.body) // 2)]
    elif how == TRUNCATE:
        response.cut_at = len(response.body) // 2
