"""The shared wait rules (connector_common.backoff) the Talkdesk retry loops compute with."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from connector_common.backoff import capped_exponential, retry_after_seconds

NOW = datetime(2015, 10, 21, 7, 28, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("34", 34.0),
        (" 7 ", 7.0),
        ("0.25", 0.25),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:28:30 -0000", 30.0),  # no zone: read as UTC
        ("Wed, 21 Oct 2015 07:27:30 GMT", None),  # already past
        ("0", None),
        ("-5", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_delta_seconds_and_http_dates(header, expected) -> None:
    assert retry_after_seconds(header, now=NOW) == expected


def test_capped_exponential_doubles_from_the_first_wait_up_to_the_cap() -> None:
    assert [capped_exponential(1.0, n, 10.0) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert capped_exponential(5.0, 0, 60.0) == 5.0  # attempts count from 1


def test_capped_exponential_takes_another_factor_and_never_overflows() -> None:
    assert capped_exponential(1.0, 3, 15.0, factor=1.5) == pytest.approx(2.25)
    assert capped_exponential(0.25, 100_000, 15.0, factor=1.3) == 15.0
