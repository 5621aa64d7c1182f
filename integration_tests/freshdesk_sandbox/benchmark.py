"""Print the sandbox's own speed: seeding time and requests/s on loopback.

python -m integration_tests.freshdesk_sandbox.benchmark
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from .server import FreshdeskSandbox
from .settings import SandboxSettings
from .testing import session_for

SINCE = "2000-01-01T00:00:00Z"


def _rate(sandbox: FreshdeskSandbox, path: str, params: dict, requests: int, threads: int) -> float:
    def worker(count: int) -> None:
        session = session_for(sandbox)
        for i in range(count):
            response = session.get(
                f"{sandbox.base_url}{path}", params={**params, "page": i % 20 + 1}
            )
            response.raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, [requests // threads] * threads))
    return requests / (time.perf_counter() - started)


def main() -> None:
    started = time.perf_counter()
    sandbox = FreshdeskSandbox(SandboxSettings(ticket_count=31_000))
    print(f"seed 31,000 tickets + all resources: {time.perf_counter() - started:.2f} s")
    with sandbox:
        started = time.perf_counter()
        conversations = sandbox.records("conversations")
        elapsed = time.perf_counter() - started
        print(f"records('conversations') ({len(conversations)} rows): {elapsed:.2f} s")
        tickets = {
            "updated_since": SINCE,
            "order_by": "updated_at",
            "order_type": "asc",
            "include": "description,requester,stats",
            "per_page": 100,
        }
        for threads in (1, 4):
            rate = _rate(sandbox, "/api/v2/products", {}, 2000, threads)
            print(f"small list, {threads} client thread(s): {rate:.0f} req/s")
            rate = _rate(sandbox, "/api/v2/tickets", tickets, 400, threads)
            print(f"tickets page of 100 with 3 includes, {threads} thread(s): {rate:.0f} req/s")


if __name__ == "__main__":
    main()
