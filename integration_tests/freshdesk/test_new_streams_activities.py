"""ticket_activities against the sandbox's activities export: both answer shapes, signed files on
another host fetched without credentials, "not ready" 404s, 30-day retention, full and incremental,
and accounts or keys without the export."""

from __future__ import annotations

from collections import Counter
from typing import Any

from integration_tests.freshdesk.conftest import sync
from integration_tests.freshdesk_sandbox.seed_activities import day_of

STREAM = ["ticket_activities"]
SMALL = {"ticket_count": 30, "contact_count": 20}


def rows(records: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter(
        (r["export_date"], r["performed_at"], r["ticket_id"], repr(r["activity"])) for r in records
    )


def test_full_sync_reads_every_kept_file_of_both_shapes_and_nothing_older(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)

    output = sync(sandbox, STREAM)

    assert output.returncode == 0 and not output.errors()
    emitted = output.records("ticket_activities")
    assert rows(emitted) == rows(sandbox.records("ticket_activities"))
    oldest_kept = sandbox.store.activities_retention_start()
    assert min(r["export_date"] for r in emitted) >= oldest_kept
    assert all(r["performed_at"].endswith("Z") and "T" in r["performed_at"] for r in emitted)
    assert len({r["_airbyte_ticket_activity_id"] for r in emitted}) == len(emitted)
    # One export call per day of the window (31 days, today's asked three times: not ready).
    assert sandbox.stats()["by_path"]["/api/v2/export/ticket_activities"] == 31 + 2
    assert sandbox.api_key not in output.stdout_text


def test_identical_rows_get_distinct_ids_that_stay_the_same_across_syncs(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL)
    yesterday = day_of(sandbox.clock.now() - 86_400)
    file_rows = sandbox.store.data.activity_files[yesterday]["activities_data"]
    file_rows.append(dict(file_rows[0]))

    first = sync(sandbox, STREAM)
    second = sync(sandbox, STREAM)

    def twins(output: Any) -> list[str]:
        return sorted(
            r["_airbyte_ticket_activity_id"]
            for r in output.records("ticket_activities")
            if r["export_date"] == yesterday and r["performed_at"] == first_row_at
        )

    first_row_at = next(
        r["performed_at"]
        for r in sandbox.records("ticket_activities")
        if r["export_date"] == yesterday
    )
    assert len(set(twins(first))) == 2
    assert twins(first) == twins(second)


def test_a_day_not_ready_at_first_is_waited_for_within_the_bound(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL, activities_not_ready_answers=2)

    output = sync(sandbox, STREAM)

    assert output.returncode == 0 and not output.errors()
    assert rows(output.records("ticket_activities")) == rows(sandbox.records("ticket_activities"))


def test_second_sync_rereads_only_from_the_saved_day_and_emits_only_newer_rows(
    sandbox_with,
) -> None:
    sandbox = sandbox_with(**SMALL)
    first = sync(sandbox, STREAM)
    assert first.returncode == 0
    yesterday = day_of(sandbox.clock.now() - 86_400)
    cursor = first.state_messages("ticket_activities")[-1]["stream"]["stream_state"]["performed_at"]
    assert cursor.startswith(yesterday)
    y, m, d = yesterday.split("-")
    late = {
        "performed_at": f"{d}-{m}-{y} 23:59:59 +0000",
        "ticket_id": 7,
        "performer_type": "user",
        "performer_id": 1,
        "activity": {"status": "Closed"},
    }
    sandbox.store.data.activity_files[yesterday]["activities_data"].append(late)
    sandbox.reset_stats()

    second = sync(sandbox, STREAM, state=first.final_states())

    assert second.returncode == 0 and not second.errors()
    emitted = second.records("ticket_activities")
    assert [r["ticket_id"] for r in emitted if r["performed_at"] > cursor] == [7]
    assert all(r["performed_at"] >= cursor for r in emitted)
    # From the saved cursor's day to today: two days, today's asked three times.
    assert sandbox.stats()["by_path"]["/api/v2/export/ticket_activities"] == 2 + 2


def test_accounts_without_the_export_skip_it_saying_how_to_enable_it(sandbox_with) -> None:
    sandbox = sandbox_with(**SMALL, disabled_features={"activities_export"})

    for key in (sandbox.api_key, sandbox.agent_api_key):
        output = sync(sandbox, STREAM, api_key=key)
        assert output.returncode == 0 and not output.errors()
        assert output.records("ticket_activities") == []
        reason = output.summaries()["ticket_activities"]["skipped"]
        assert "403" in reason and "Scheduled Exports" in reason, key
