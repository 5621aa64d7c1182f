from __future__ import annotations

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_talkdesk_explore.config import REGION_API_URLS, TalkdeskConfig

from .factories import CLIENT_SECRET, raw_config, utc


def config_error_message(**overrides: object) -> str:
    with pytest.raises(AirbyteTracedException) as caught:
        TalkdeskConfig.from_mapping(raw_config(**overrides))
    assert caught.value.failure_type == FailureType.config_error
    return caught.value.message or ""


def test_0_1_0_api_key_is_split_into_client_id_and_secret() -> None:
    config = TalkdeskConfig.from_mapping(
        raw_config(client_id=None, client_secret=None, api_key="the-id:the:secret")
    )
    assert (config.client_id, config.client_secret) == ("the-id", "the:secret")


def test_separate_client_fields_win_over_api_key() -> None:
    config = TalkdeskConfig.from_mapping(raw_config(api_key="old-id:old-secret"))
    assert config.client_id == "client-id-1"


def test_missing_credentials_name_both_accepted_forms() -> None:
    message = config_error_message(client_id=None, client_secret=None)
    assert "client_secret" in message and "api_key" in message


def test_api_key_without_colon_is_rejected_without_echoing_it() -> None:
    message = config_error_message(client_id=None, client_secret=None, api_key="nocolonsecret")
    assert "nocolonsecret" not in message


@pytest.mark.parametrize("region", sorted(REGION_API_URLS))
def test_region_selects_its_api_host(region: str) -> None:
    assert TalkdeskConfig.from_mapping(raw_config(region=region)).api_url == REGION_API_URLS[region]


def test_api_url_overrides_the_region_and_loses_trailing_slash() -> None:
    config = TalkdeskConfig.from_mapping(
        raw_config(region="eu", api_url="https://proxy.example.com/")
    )
    assert config.api_url == "https://proxy.example.com"


def test_unknown_region_is_a_config_error() -> None:
    assert "region" in config_error_message(region="mars")


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "127.5.6.7", "localhost:9000", "[::1]:8000"])
def test_plain_http_is_allowed_for_loopback_hosts(host: str) -> None:
    config = TalkdeskConfig.from_mapping(
        raw_config(api_url=f"http://{host}", auth_url=f"http://{host}/oauth/token")
    )
    assert config.api_url == f"http://{host}"


@pytest.mark.parametrize(
    "url", ["http://api.talkdeskapp.com", "http://10.0.0.1", "http://127.evil.com"]
)
def test_plain_http_to_other_hosts_is_refused(url: str) -> None:
    assert "https" in config_error_message(api_url=url)


def test_plain_http_token_url_is_refused() -> None:
    assert "auth_url" in config_error_message(auth_url="http://acme.talkdeskid.com/oauth/token")


def test_grant_type_in_the_0_1_0_token_url_is_dropped_because_it_goes_in_the_body() -> None:
    config = TalkdeskConfig.from_mapping(
        raw_config(
            auth_url="https://a.talkdeskid.com/oauth/token?grant_type=client_credentials&x=1"
        )
    )
    assert config.token_url == "https://a.talkdeskid.com/oauth/token?x=1"


def test_start_date_with_z_is_utc() -> None:
    assert TalkdeskConfig.from_mapping(
        raw_config(start_date="2026-03-01T10:00:00Z")
    ).start_date == utc(2026, 3, 1, 10)


def test_naive_start_date_is_read_in_the_configured_timezone() -> None:
    config = TalkdeskConfig.from_mapping(
        raw_config(start_date="2026-03-01T00:00:00", timezone="America/New_York")
    )
    assert config.start_date == utc(2026, 3, 1, 5)


def test_unknown_timezone_is_a_config_error() -> None:
    assert "Mars/Olympus" in config_error_message(timezone="Mars/Olympus")


def test_bad_start_date_is_a_config_error() -> None:
    assert "start_date" in config_error_message(start_date="01/02/2026")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("window_in_days", 32),
        ("window_in_days", 0),
        ("max_concurrent_jobs", 16),
        ("freshness_lag_minutes", 0),
    ],
)
def test_out_of_range_numbers_are_config_errors(key: str, value: int) -> None:
    assert key in config_error_message(**{key: value})


def test_defaults_stay_well_under_the_account_quota() -> None:
    config = TalkdeskConfig.from_mapping(raw_config())
    assert config.max_concurrent_jobs <= 5 and config.window_in_days <= 31
    assert config.timezone == "UTC" and config.region == "us"


def test_secret_is_not_in_the_config_repr() -> None:
    assert CLIENT_SECRET not in repr(TalkdeskConfig.from_mapping(raw_config()))


def test_request_timeout_defaults_to_120_s() -> None:
    assert TalkdeskConfig.from_mapping(raw_config()).request_timeout_seconds == 120


@pytest.mark.parametrize("value", [0, -5, "soon", 10_000])
def test_a_bad_request_timeout_is_a_config_error_naming_the_key(value: object) -> None:
    assert "`request_timeout_seconds`" in config_error_message(request_timeout_seconds=value)
