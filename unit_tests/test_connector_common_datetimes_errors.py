"""The shared datetime reader and error builders both sources use."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from airbyte_cdk.models import FailureType
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from connector_common.datetimes import format_utc, parse_datetime
from connector_common.errors import config_error, invalid_configuration, transient_error

UTC = timezone.utc
NEW_YEAR = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01", NEW_YEAR),
        ("2024-01-01T10:00:00Z", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("2024-01-01T10:00:00+05:30", datetime(2024, 1, 1, 4, 30, tzinfo=UTC)),
        ("2024-01-01T10:00:00+0530", datetime(2024, 1, 1, 4, 30, tzinfo=UTC)),
        ("2024-01-01 10:00:00", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("2024-01-01T10:00:00,5Z", datetime(2024, 1, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        # Python 3.10's fromisoformat refuses 5 fraction digits and reads "20240101" as epoch
        # seconds (1970-08-23): both must read the same on every supported Python.
        ("2024-01-01T10:00:00.12345+05:30", datetime(2024, 1, 1, 4, 30, 0, 123450, tzinfo=UTC)),
        ("20240101", NEW_YEAR),
        ("20240101T103000Z", datetime(2024, 1, 1, 10, 30, tzinfo=UTC)),
        ("20240101T10:30", datetime(2024, 1, 1, 10, 30, tzinfo=UTC)),
        ("2024-01-01t10z", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("2024-01-01T10:00:00.1234567Z", datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-01-01T10:00:00+05", datetime(2024, 1, 1, 5, tzinfo=UTC)),
        ("2024-01-01T10:00:00-00:30:15.5", datetime(2024, 1, 1, 10, 30, 15, 500000, tzinfo=UTC)),
        ("2024-W01-1", NEW_YEAR),
        ("2024W011", NEW_YEAR),
        ("2024-W01", NEW_YEAR),
        ("2024-001", NEW_YEAR),
        ("2024-001T10:00Z", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("99999999", datetime(1973, 3, 3, 9, 46, 39, tzinfo=UTC)),  # no date: epoch seconds
        ("2024-060", datetime(2024, 2, 29, tzinfo=UTC)),
        ("2024-01", NEW_YEAR),
        ("2024", NEW_YEAR),
        ("1704067200", NEW_YEAR),
        ("1704067200000", NEW_YEAR),
        (1704067200, NEW_YEAR),
        (1704067200000.0, NEW_YEAR),
    ],
)
def test_reads_the_iso_calendar_and_epoch_forms_both_sources_meet(
    text: object, expected: datetime
) -> None:
    assert parse_datetime(text) == expected


@st.composite
def iso_texts(draw: st.DrawFn) -> tuple[str, datetime]:
    """An ISO 8601 spelling of a random instant, and the instant it spells to the microsecond."""
    moment = draw(
        st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1))
    ).replace(tzinfo=UTC)
    offset = timedelta(minutes=draw(st.integers(-14 * 60, 14 * 60)))
    local = moment.astimezone(timezone(offset))
    basic = draw(st.booleans())
    date_text = local.strftime("%Y%m%d" if basic else "%Y-%m-%d")
    separator = draw(st.sampled_from("Tt "))
    time_text = local.strftime("%H%M%S" if basic else "%H:%M:%S")
    digits = draw(st.integers(0, 9))
    fraction = f"{local.microsecond:06d}".ljust(9, "0")[:digits]
    if digits:
        time_text += draw(st.sampled_from(".,")) + fraction
    sign = "-" if offset < timedelta(0) else "+"
    hours, minutes = divmod(abs(offset) // timedelta(minutes=1), 60)
    if offset == timedelta(0) and draw(st.booleans()):
        zone_text = draw(st.sampled_from("Zz"))
    elif minutes == 0 and draw(st.booleans()):
        zone_text = f"{sign}{hours:02d}"
    else:
        zone_text = f"{sign}{hours:02d}{'' if basic else ':'}{minutes:02d}"
    exact = moment.replace(microsecond=int(fraction.ljust(6, "0")[:6]))
    return f"{date_text}{separator}{time_text}{zone_text}", exact


@given(iso_texts())
def test_every_iso_spelling_of_an_instant_reads_back_to_that_instant(
    case: tuple[str, datetime],
) -> None:
    text, moment = case
    assert parse_datetime(text) == moment


@pytest.mark.parametrize("empty", [None, "", "  ", "None", "null", "NaN", True])
def test_empty_markers_read_as_no_datetime(empty: object) -> None:
    assert parse_datetime(empty) is None


@pytest.mark.parametrize(
    "bad",
    [
        "garbage",
        "2024-13-01",
        "2024-1-1",
        "2023-366",
        "2024-000",
        "2024-W54-1",
        "P1D",
        "10:00:00",
        [1],
        # Forms Python 3.11+'s fromisoformat reads but 3.10's does not, and no API or state writes.
        "2024-01-01X10:00",
        "2024-01-01T10.5",
        "2024-01-01T10:30.5",
        "2024-01-01T10:00:00 +05:00",
        # Out of range on every Python.
        "2024-01-01T24:00",
        "2024-01-01T10:00+24:00",
        "2024-01-01Z",
        "٢٠٢٤-٠١-٠١",  # digits of another script
    ],
)
def test_anything_else_is_refused_with_the_value(bad: object) -> None:
    with pytest.raises(ValueError, match="unrecognised datetime"):
        parse_datetime(bad)


@pytest.mark.parametrize("edge", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"])
def test_an_instant_past_the_years_a_datetime_holds_is_a_value_error(edge: str) -> None:
    with pytest.raises(ValueError, match="outside the years a datetime holds"):
        parse_datetime(edge)


def test_naive_values_are_read_in_the_given_zone() -> None:
    lisbon_summer = parse_datetime("2024-07-01 10:00:00", naive_zone=ZoneInfo("Europe/Lisbon"))
    assert lisbon_summer == datetime(2024, 7, 1, 9, tzinfo=UTC)
    assert format_utc(lisbon_summer) == "2024-07-01T09:00:00Z"


class _Settings(BaseModel):
    api_key: str = Field(min_length=1)
    workers: int = Field(ge=1)


def test_invalid_configuration_names_each_field_and_problem_but_no_value() -> None:
    with pytest.raises(ValidationError) as raised:
        _Settings(api_key="", workers=0)
    error = invalid_configuration("Acme", raised.value)
    assert error.failure_type == FailureType.config_error
    assert error.message is not None
    assert error.message.startswith("Invalid Acme configuration: `api_key`: ")
    assert "; `workers`: Input should be greater than or equal to 1." in error.message
    assert "input_value" not in error.message


def test_config_and_transient_errors_carry_their_failure_type() -> None:
    assert config_error("fix it").failure_type == FailureType.config_error
    retry = transient_error("later", internal_message="detail")
    assert (retry.failure_type, retry.message, retry.internal_message) == (
        FailureType.transient_error,
        "later",
        "detail",
    )
