"""The shared datetime reader and error builders both sources use."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from airbyte_cdk.models import FailureType
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
        ("20240101", NEW_YEAR),
        ("20240101T103000Z", datetime(2024, 1, 1, 10, 30, tzinfo=UTC)),
        ("2024-W01-1", NEW_YEAR),
        ("2024-001", NEW_YEAR),
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


@pytest.mark.parametrize("empty", [None, "", "  ", "None", "null", "NaN", True])
def test_empty_markers_read_as_no_datetime(empty: object) -> None:
    assert parse_datetime(empty) is None


@pytest.mark.parametrize(
    "bad", ["garbage", "2024-13-01", "2024-1-1", "2023-366", "2024-000", "P1D", "10:00:00", [1]]
)
def test_anything_else_is_refused_with_the_value(bad: object) -> None:
    with pytest.raises(ValueError, match="unrecognised datetime"):
        parse_datetime(bad)


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
