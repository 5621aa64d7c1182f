from __future__ import annotations

import logging

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_talkdesk_explore import SourceTalkdeskExplore
from source_talkdesk_explore.sleeper import Sleeper

from .factories import API_URL, CLIENT_SECRET, TOKEN_URL, raw_config, token_body

PROBE = f"{API_URL}/data/reports/calls/jobs/00000000-0000-0000-0000-000000000000"
LOGGER = logging.getLogger("test")


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sleeper, "__call__", lambda self, seconds: None)


def check_failure(mock: requests_mock.Mocker) -> str:
    with pytest.raises(AirbyteTracedException) as caught:
        SourceTalkdeskExplore().check_connection(LOGGER, raw_config())
    assert caught.value.failure_type == FailureType.config_error
    message = caught.value.message or ""
    assert CLIENT_SECRET not in message
    return message


def test_check_passes_with_both_scopes_and_an_explore_answer() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(PROBE, status_code=404, json={"code": "0330404"})
        assert SourceTalkdeskExplore().check_connection(LOGGER, raw_config()) == (True, None)
        assert mock.request_history[-1].headers["Authorization"] == "Bearer token-1"


def test_check_reports_bad_credentials() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, status_code=401, json={"error": "invalid_client"})
        assert "rejected the client credentials" in check_failure(mock)


def test_check_reports_an_unreachable_token_url() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, exc=requests.ConnectionError("refused"))
        assert "Could not reach the Talkdesk token URL" in check_failure(mock)


@pytest.mark.parametrize(
    ("granted", "missing"),
    [
        ("data-reports:write", "data-reports:read"),
        ("data-reports:read", "data-reports:write"),
        ("", "data-reports:read, data-reports:write"),
    ],
)
def test_check_names_each_missing_scope(granted: str, missing: str) -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body(scope=granted))
        assert f"lacks the scope(s) {missing}" in check_failure(mock)


def test_check_reports_a_wrong_region_when_the_api_rejects_a_fresh_token() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(PROBE, status_code=401)
        assert "region" in check_failure(mock)


def test_check_reports_an_unreachable_api_host_with_the_region_hint() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(PROBE, exc=requests.ConnectionError("no route"))
        message = check_failure(mock)
    assert "Could not reach the Talkdesk Explore API" in message and "region" in message


def test_check_reports_a_read_scope_refusal_from_the_api() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body(scope=None))
        mock.get(PROBE, status_code=403)
        assert "data-reports:read" in check_failure(mock)


def test_check_reports_a_host_that_is_not_the_explore_api() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(PROBE, status_code=400, text="nope")
        assert "HTTP 400" in check_failure(mock)


def test_check_turns_a_failing_api_host_into_a_verdict() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(PROBE, status_code=503, text="<html>unavailable</html>")
        assert "is not usable" in check_failure(mock)
