import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_freshdesk.config import FreshdeskConfig, base_url_from_domain


@pytest.mark.parametrize(
    "domain, expected",
    [
        ("acme", "https://acme.freshdesk.com/api/v2/"),
        ("acme.freshdesk.com", "https://acme.freshdesk.com/api/v2/"),
        ("  ACME.freshdesk.com/ ", "https://acme.freshdesk.com/api/v2/"),
        ("https://acme.freshdesk.com", "https://acme.freshdesk.com/api/v2/"),
        ("https://acme.freshdesk.com/api/v2/", "https://acme.freshdesk.com/api/v2/"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/api/v2/"),
        ("http://localhost:9000/", "http://localhost:9000/api/v2/"),
    ],
)
def test_domain_forms_are_normalised_to_the_api_base_url(domain: str, expected: str) -> None:
    assert base_url_from_domain(domain) == expected


@pytest.mark.parametrize(
    "domain, fragment",
    [
        ("http://acme.freshdesk.com", "unencrypted"),
        ("ftp://acme.freshdesk.com", "unsupported scheme"),
        ("acme.freshdesk.com/helpdesk/tickets", "address only"),
        ("acme freshdesk", "not a valid host"),
        ("", "empty"),
        ("https://acme.freshdesk.com:99999", "invalid port"),
    ],
)
def test_malformed_domain_is_a_config_error_that_says_what_to_fix(
    domain: str, fragment: str
) -> None:
    with pytest.raises(AirbyteTracedException) as raised:
        base_url_from_domain(domain)
    assert raised.value.failure_type == FailureType.config_error
    assert fragment in raised.value.message


def test_missing_start_date_means_all_history_and_lookback_defaults_to_14_days() -> None:
    config = FreshdeskConfig.from_mapping({"domain": "acme", "api_key": "key-123456789"})
    assert config.start_date is None
    assert config.lookback_window_in_days == 14


def test_unknown_keys_are_tolerated_and_start_date_is_parsed_as_utc() -> None:
    config = FreshdeskConfig.from_mapping(
        {
            "domain": "acme",
            "api_key": "key-123456789",
            "start_date": "2024-01-31T10:00:00+02:00",
            "x": 1,
        }
    )
    assert config.start_date.isoformat() == "2024-01-31T08:00:00+00:00"


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"api_key": ""}, "`api_key`"),
        ({"requests_per_minute": 0}, "`requests_per_minute`"),
        ({"start_date": "last tuesday"}, "`start_date`"),
        ({"start_date": "2999-01-01T00:00:00Z"}, "in the future"),
        ({"num_workers": 0}, "`num_workers`"),
        ({"subscription_tier": "gold"}, "`subscription_tier`"),
        ({"subscription_tier": "Growth"}, "`subscription_tier`"),
    ],
)
def test_invalid_values_name_the_offending_key(overrides: dict, fragment: str) -> None:
    with pytest.raises(AirbyteTracedException) as raised:
        FreshdeskConfig.from_mapping({"domain": "acme", "api_key": "key-123456789", **overrides})
    assert fragment in raised.value.message
    assert raised.value.failure_type == FailureType.config_error


def test_config_repr_never_shows_the_api_key() -> None:
    config = FreshdeskConfig.from_mapping({"domain": "acme", "api_key": "super-secret-key-42"})
    assert "super-secret-key-42" not in repr(config)


def test_request_timeout_defaults_to_120_s_of_reading_after_15_s_to_connect() -> None:
    config = FreshdeskConfig.from_mapping({"domain": "acme", "api_key": "key-123456789"})
    assert config.request_timeout_seconds == 120
    assert config.request_timeout == (15, 120)


def test_request_timeout_seconds_sets_only_the_read_part() -> None:
    config = FreshdeskConfig.from_mapping(
        {"domain": "acme", "api_key": "key-123456789", "request_timeout_seconds": 5}
    )
    assert config.request_timeout == (15, 5)


@pytest.mark.parametrize("value", [0, -5, "soon", 10_000])
def test_a_bad_request_timeout_is_a_config_error_naming_the_key(value: object) -> None:
    with pytest.raises(AirbyteTracedException) as raised:
        FreshdeskConfig.from_mapping(
            {"domain": "acme", "api_key": "key-123456789", "request_timeout_seconds": value}
        )
    assert raised.value.failure_type == FailureType.config_error
    assert "`request_timeout_seconds`" in (raised.value.message or "")


def test_subscription_tier_is_unset_by_default_so_the_headers_name_the_plan() -> None:
    config = FreshdeskConfig.from_mapping({"domain": "acme", "api_key": "key-123456789"})
    assert config.subscription_tier is None


@pytest.mark.parametrize("tier", ["growth", "pro", "enterprise"])
def test_subscription_tier_takes_airbytes_values(tier: str) -> None:
    config = FreshdeskConfig.from_mapping(
        {"domain": "acme", "api_key": "key-123456789", "subscription_tier": tier}
    )
    assert config.subscription_tier == tier
