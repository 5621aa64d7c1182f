from __future__ import annotations

from datetime import timedelta

from source_talkdesk_explore.windows import Window, plan_windows

from .factories import utc

DAY = timedelta(days=1)


def test_windows_are_contiguous_and_end_at_now_minus_the_lag() -> None:
    windows = plan_windows(
        utc(2026, 1, 1), utc(2026, 1, 20, 12), size=7 * DAY, freshness_lag=timedelta(minutes=10)
    )
    assert windows == [
        Window(utc(2026, 1, 1), utc(2026, 1, 8)),
        Window(utc(2026, 1, 8), utc(2026, 1, 15)),
        Window(utc(2026, 1, 15), utc(2026, 1, 20, 11, 50)),
    ]


def test_window_size_is_capped_at_31_days() -> None:
    windows = plan_windows(
        utc(2026, 1, 1), utc(2026, 6, 1), size=90 * DAY, freshness_lag=timedelta(minutes=1)
    )
    assert max(w.end - w.start for w in windows) == 31 * DAY


def test_no_window_reaches_past_now_minus_lag() -> None:
    now = utc(2026, 3, 1, 8, 30, 15)
    windows = plan_windows(utc(2026, 1, 1), now, size=31 * DAY, freshness_lag=timedelta(minutes=5))
    assert windows[-1].end == utc(2026, 3, 1, 8, 25, 15)
    assert all(w.end <= now for w in windows)


def test_start_after_the_horizon_gives_no_windows() -> None:
    now = utc(2026, 3, 1)
    assert (
        plan_windows(now - timedelta(minutes=3), now, size=DAY, freshness_lag=timedelta(minutes=5))
        == []
    )
    assert plan_windows(now + DAY, now, size=DAY, freshness_lag=timedelta(minutes=5)) == []


def test_windows_are_whole_seconds_so_state_and_wire_values_agree() -> None:
    windows = plan_windows(
        utc(2026, 1, 1, 0, 0, 0, 500),
        utc(2026, 1, 2, 0, 0, 0, 900_000),
        size=DAY,
        freshness_lag=timedelta(0, 1),
    )
    assert all(w.start.microsecond == 0 and w.end.microsecond == 0 for w in windows)
