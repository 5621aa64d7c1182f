"""The automation rules walk pages by number: it ends on a short page, and on a page that only
repeats rules already read (an API that ignores `page`), with a warning instead of looping."""

from __future__ import annotations

import json
from typing import Any

import requests_mock as rm

from source_freshdesk.pagination import PAGE_SIZE
from unit_tests.freshdesk.conftest import BASE, records_of, run_read

TYPES = (1, 3, 4)


def rules(first_id: int, count: int) -> list[dict[str, Any]]:
    stamp = "2026-01-05T10:00:00Z"
    return [
        {
            "id": first_id + i,
            "name": f"rule {first_id + i}",
            "created_at": stamp,
            "updated_at": stamp,
        }
        for i in range(count)
    ]


def envelope(page: list[dict[str, Any]], total: int) -> dict[str, Any]:
    body = {"rules": page, "meta": {"count": total}}
    return {"text": json.dumps(body), "headers": {"Content-Type": "application/json"}}


def test_a_page_that_repeats_rules_already_read_ends_the_walk_with_a_warning(
    api: rm.Mocker,
) -> None:
    # Every page number answers the same full page: only the first may be read.
    full = rules(1, PAGE_SIZE)
    for type_id in TYPES:
        api.get(f"{BASE}automations/{type_id}/rules", [envelope(full, PAGE_SIZE)])

    output = run_read(["automation_rules"])

    read = records_of(output, "automation_rules")
    assert len(read) == PAGE_SIZE * len(TYPES)
    assert len({(r["rule_type"], r["id"]) for r in read}) == len(read)
    pages = [h for h in api.request_history if "/automations/" in h.path]
    assert len(pages) == 2 * len(TYPES)  # the repeated page is seen once, then the walk stops
    warnings = [m.log.message for m in output.logs if m.log.level.name == "WARN"]
    assert any("repeats rules already read" in w for w in warnings)


def test_many_full_pages_of_new_rules_are_all_read(api: rm.Mocker) -> None:
    total = 3 * PAGE_SIZE + 7
    for type_id in TYPES:
        pages = [
            envelope(rules(type_id * 10_000 + start, min(PAGE_SIZE, total - start)), total)
            for start in range(0, total, PAGE_SIZE)
        ]
        api.get(f"{BASE}automations/{type_id}/rules", pages)

    output = run_read(["automation_rules"])

    assert len(records_of(output, "automation_rules")) == total * len(TYPES)
    assert not [m for m in output.logs if m.log.level.name == "WARN" and "repeats" in m.log.message]
