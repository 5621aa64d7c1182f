"""The request kinds of the three hosts, and the counters the connector tests assert on."""

from __future__ import annotations

from typing import Any

from integration_tests.sandbox_http import RequestStats

REQUEST_KINDS = ("token", "create", "poll", "file", "storage")


def request_stats() -> RequestStats:
    return RequestStats(REQUEST_KINDS)


def snapshot(stats: RequestStats) -> dict[str, Any]:
    counts = stats.snapshot()
    return {
        "tokens_issued": counts["counters"].get("tokens_issued", 0),
        "requests_by_kind": counts["by_key"],
        "status_429": counts["by_status"].get(429, 0),
        "status_401": counts["by_status"].get(401, 0),
        "storage_requests_with_authorization": counts["counters"].get(
            "storage_requests_with_authorization", 0
        ),
    }
