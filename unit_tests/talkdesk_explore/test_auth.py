from __future__ import annotations

import base64

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_talkdesk_explore.auth import TokenProvider

from .factories import (
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_URL,
    FakeClock,
    api_stream,
    job_url,
    token_body,
)


def provider(clock: FakeClock) -> TokenProvider:
    return TokenProvider(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, clock=clock, sleep=clock.sleep)


def test_token_request_uses_basic_client_auth_and_grant_type_in_the_form_body() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        assert provider(FakeClock()).token() == "token-1"
        request = mock.request_history[0]
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert request.text == "grant_type=client_credentials"
    assert "client_secret" not in request.text


def test_token_is_reused_until_shortly_before_expires_in_then_renewed() -> None:
    clock = FakeClock()
    tokens = provider(clock)
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, [{"json": token_body("t1", 600)}, {"json": token_body("t2", 600)}])
        assert tokens.token() == "t1"
        clock.now += 530  # still more than the 60 s margin left
        assert tokens.token() == "t1"
        clock.now += 20  # now inside the margin: renew before the server would reject it
        assert tokens.token() == "t2"
        assert mock.call_count == 2


def test_short_lived_tokens_are_renewed_a_fifth_of_their_life_early() -> None:
    clock = FakeClock()
    tokens = provider(clock)
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, [{"json": token_body("t1", 10)}, {"json": token_body("t2", 10)}])
        tokens.token()
        clock.now += 7.9
        assert tokens.token() == "t1"
        clock.now += 0.2
        assert tokens.token() == "t2"


def test_invalidate_only_drops_the_token_that_was_rejected() -> None:
    tokens = provider(FakeClock())
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, [{"json": token_body("t1")}, {"json": token_body("t2")}])
        tokens.token()
        tokens.invalidate("some-older-token")
        assert tokens.token() == "t1"
        tokens.invalidate("t1")
        assert tokens.token() == "t2"


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_api_401_renews_the_token_once_and_replays_the_request(method: str) -> None:
    clock = FakeClock()
    api = api_stream(clock)
    stats = api.stats
    # Recorded as each attempt arrives: the CDK replays the same request object with a new header.
    sent: list[str | None] = []
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, [{"json": token_body("old")}, {"json": token_body("new")}])
        mock.register_uri(
            method, job_url(), [{"json": answer(sent, 401)}, {"json": answer(sent, 200)}]
        )
        response = api.send(method, job_url())
    assert response.status_code == 200
    assert sent == ["Bearer old", "Bearer new"]
    assert stats.retries == 1 and stats.requests == 4  # 2 token calls + 2 API calls


def answer(sent: list[str | None], status: int):
    def respond(request, context) -> dict:
        sent.append(request.headers.get("Authorization"))
        context.status_code = status
        return {}

    return respond


def test_a_second_401_with_a_fresh_token_points_at_the_region() -> None:
    api = api_stream(FakeClock())
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(job_url(), status_code=401)
        with pytest.raises(AirbyteTracedException) as caught:
            api.send("GET", job_url())
    assert caught.value.failure_type == FailureType.config_error
    assert "region" in (caught.value.message or "")


@pytest.mark.parametrize("status", [400, 401])
def test_rejected_credentials_are_a_config_error_that_hides_the_secret(status: int) -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, status_code=status, json={"error": "invalid_client"})
        with pytest.raises(AirbyteTracedException) as caught:
            provider(FakeClock()).token()
    error = caught.value
    assert error.failure_type == FailureType.config_error
    assert "client_id and client_secret" in (error.message or "")
    assert "invalid_client" in (error.message or "")
    assert CLIENT_SECRET not in f"{error.message} {error.internal_message}"


def test_unreachable_token_url_is_a_config_error_after_a_few_tries() -> None:
    clock = FakeClock()
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, exc=requests.ConnectionError("refused"))
        with pytest.raises(AirbyteTracedException) as caught:
            provider(clock).token()
        assert mock.call_count == 3
    assert caught.value.failure_type == FailureType.config_error
    assert "Could not reach the Talkdesk token URL" in (caught.value.message or "")


def test_token_retries_wait_on_the_shared_backoff() -> None:
    clock = FakeClock()
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, exc=requests.ConnectionError("refused"))
        with pytest.raises(AirbyteTracedException):
            provider(clock).token()
    assert clock.sleeps == [1.0, 2.0]


def test_token_host_5xx_is_retried() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, [{"status_code": 502, "text": "<html>"}, {"json": token_body()}])
        assert provider(FakeClock()).token() == "token-1"


def test_non_oauth_answer_from_the_token_url_is_a_config_error() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, text="<html>login page</html>")
        with pytest.raises(AirbyteTracedException) as caught:
            provider(FakeClock()).token()
    assert "access_token" in (caught.value.message or "")


def test_granted_scopes_come_from_the_token_response_and_may_be_absent() -> None:
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, [{"json": token_body(scope="a b")}, {"json": token_body(scope=None)}])
        tokens = provider(FakeClock())
        assert tokens.granted_scopes() == frozenset({"a", "b"})
        tokens.invalidate("token-1")
        assert tokens.granted_scopes() is None


def test_429_on_a_read_request_is_waited_out_but_not_forever() -> None:
    clock = FakeClock()
    api = api_stream(clock, rate_limit_max_wait_s=100)
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(job_url(), status_code=429, headers={"Retry-After": "30"})
        with pytest.raises(AirbyteTracedException) as caught:
            api.send("GET", job_url())
    assert clock.sleeps == [30.0, 30.0, 30.0]
    assert caught.value.failure_type == FailureType.transient_error


def test_an_api_host_that_never_answered_is_a_config_error_naming_the_region() -> None:
    api = api_stream(FakeClock(), transient_attempts=3)
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(job_url(), exc=requests.ConnectionError("Name or service not known"))
        with pytest.raises(AirbyteTracedException) as caught:
            api.send("GET", job_url())
    assert caught.value.failure_type == FailureType.config_error
    assert "region" in (caught.value.message or "")


def test_connection_failures_after_the_host_answered_are_transient() -> None:
    api = api_stream(FakeClock(), transient_attempts=2)
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(
            job_url(),
            [
                {"json": {}},
                {"exc": requests.ConnectionError("reset")},
                {"exc": requests.ConnectionError("reset")},
            ],
        )
        api.send("GET", job_url())
        with pytest.raises(AirbyteTracedException) as caught:
            api.send("GET", job_url())
    assert caught.value.failure_type == FailureType.transient_error
