"""Cursors of the streams other than tickets: server filters, lookback, client-side filtering."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime as http_date

from unit_tests.freshdesk.conftest import (
    BASE,
    final_state,
    make_config,
    page_response,
    record,
    records_of,
    requests_to,
    run_read,
)


def test_satisfaction_ratings_reread_the_lookback_window_but_emit_only_changed_ratings(api) -> None:
    api.get(
        f"{BASE}surveys/satisfaction_ratings",
        [page_response([record(1, "2024-03-01T00:00:00Z"), record(2, "2024-03-20T00:00:00Z")])],
    )
    output = run_read(
        ["satisfaction_ratings"],
        config=make_config(lookback_window_in_days=14),
        state={"satisfaction_ratings": {"updated_at": "2024-03-15T00:00:00Z"}},
    )

    assert api.request_history[0].qs["created_since"] == ["2024-03-01t00:00:00z"]
    assert [r["id"] for r in records_of(output, "satisfaction_ratings")] == [2]
    assert final_state(output, "satisfaction_ratings") == {"updated_at": "2024-03-20T00:00:00Z"}


def test_time_entries_filter_on_executed_after_with_the_lookback(api) -> None:
    api.get(f"{BASE}time_entries", [page_response([record(1, "2024-03-20T00:00:00Z")])])
    run_read(
        ["time_entries"],
        config=make_config(lookback_window_in_days=2),
        state={"time_entries": {"updated_at": "2024-03-15T00:00:00Z"}},
    )
    assert api.request_history[0].qs["executed_after"] == ["2024-03-13t00:00:00z"]


def test_unsorted_stream_state_never_passes_the_moment_the_read_started(api) -> None:
    """A contact updated mid-sync behind the read position must be re-read next time."""
    started = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    api.get(
        f"{BASE}contacts",
        [
            {
                **page_response(
                    [record(1, "2024-04-01T00:00:00Z"), record(2, "2024-05-01T12:00:30Z")]
                ),
                "headers": {"Date": http_date(started, usegmt=True)},
            }
        ],
    )
    # The blocked and deleted views are lists of their own (registered later, matched first).
    api.get(f"{BASE}contacts?state=blocked", [page_response([])])
    api.get(f"{BASE}contacts?state=deleted", [page_response([])])
    output = run_read(["contacts"])

    assert final_state(output, "contacts") == {"updated_at": "2024-05-01T11:59:59Z"}
    # No state and no start_date: no view sends a since filter.
    assert all(r.qs.get("_updated_since") is None for r in requests_to(api, "contacts"))


def test_unsorted_stream_does_not_checkpoint_mid_read(api) -> None:
    api.get(
        f"{BASE}companies",
        [
            page_response([record(i, f"2024-01-{i:02d}T00:00:00Z") for i in (9, 3)], "page=2"),
            page_response([record(5, "2024-01-05T00:00:00Z")]),
        ],
    )
    output = run_read(["companies"], state={"companies": {"updated_at": "2024-01-02T00:00:00Z"}})

    states = [s.state.stream.stream_state.__dict__ for s in output.state_messages]
    assert states[-1] == {"updated_at": "2024-01-09T00:00:00Z"}
    assert all(s in ({"updated_at": "2024-01-02T00:00:00Z"}, states[-1]) for s in states)
    assert requests_to(api, "companies")[0].qs["updated_since"] == ["2024-01-02t00:00:00z"]


def test_client_side_filter_keeps_records_sharing_the_saved_second(api) -> None:
    api.get(
        f"{BASE}groups",
        [
            page_response(
                [
                    record(1, "2024-01-01T00:00:00+05:30"),
                    record(2, "2024-01-01T10:00:00+05:30"),  # == 04:30Z, the saved cursor
                    record(3, "2024-01-02T00:00:00Z"),
                ]
            )
        ],
    )
    output = run_read(["groups"], state={"groups": {"updated_at": "2024-01-01T04:30:00Z"}})

    assert [r["id"] for r in records_of(output, "groups")] == [2, 3]


def test_child_streams_fill_in_the_parent_id_and_walk_subfolders(api) -> None:
    api.get(f"{BASE}solutions/categories", json=[record(1, "2024-01-01T00:00:00Z")])
    api.get(f"{BASE}solutions/categories/1/folders", json=[record(10, "2024-01-01T00:00:00Z")])
    api.get(f"{BASE}solutions/folders/10/subfolders", json=[record(11, "2024-01-01T00:00:00Z")])
    api.get(f"{BASE}solutions/folders/11/subfolders", json=[])
    api.get(f"{BASE}solutions/folders/10/articles", json=[record(100, "2024-01-01T00:00:00Z")])
    api.get(f"{BASE}solutions/folders/11/articles", json=[record(110, "2024-01-01T00:00:00Z")])

    output = run_read(["solution_folders", "solution_articles"])

    # Sorted: the two folders' articles are read as slices of their own, in either order.
    folders = records_of(output, "solution_folders")
    assert sorted((f["id"], f["category_id"]) for f in folders) == [(10, 1), (11, 1)]
    articles = records_of(output, "solution_articles")
    assert sorted((a["id"], a["folder_id"]) for a in articles) == [(100, 10), (110, 11)]
