"""The stream's CDK HttpClient: which answers come back, how retries wait, and that waits end when
the sync is cancelled."""

from __future__ import annotations

import threading

import pytest
import requests
import requests_mock
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_talkdesk_explore.sleeper import SyncCancelledError
from source_talkdesk_explore.streams import Calls
from source_talkdesk_explore.sync_context import SyncContext

from .factories import TOKEN_URL, FakeClock, api_stream, config, job_url, token_body

WAIT_S = 10  # generous bound so a wait that is not interrupted fails the test instead of hanging


@pytest.mark.parametrize("status", [400, 403, 404, 409])
def test_4xx_answers_other_than_401_and_429_come_back_to_the_job(status: int) -> None:
    api = api_stream(FakeClock())
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(job_url(), status_code=status, json={"code": "x"})
        assert api.send("GET", job_url()).status_code == status
        assert mock.call_count == 2  # token + one API call: not retried


def test_redirects_come_back_unfollowed_with_their_location() -> None:
    api = api_stream(FakeClock())
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(job_url(), status_code=300, headers={"Location": "/somewhere"})
        response = api.send("GET", job_url())
    assert response.status_code == 300 and response.headers["Location"] == "/somewhere"


def test_transient_failures_back_off_exponentially_then_name_the_request() -> None:
    clock = FakeClock()
    api = api_stream(clock)
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(job_url(), status_code=502, text="<html>bad gateway</html>")
        with pytest.raises(AirbyteTracedException) as caught:
            api.send("GET", job_url())
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert f"kept failing after 5 attempts (GET {job_url()}: HTTP 502)" in (
        caught.value.message or ""
    )
    assert api.stats.retries == 4


def test_a_429_wait_ends_at_once_when_the_sync_is_cancelled() -> None:
    context = SyncContext(config())
    api = Calls(context)
    outcome: list[BaseException] = []

    def send() -> None:
        try:
            api.send("POST", job_url())
        except BaseException as error:
            outcome.append(error)

    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.post(job_url(), status_code=429, headers={"Retry-After": "600"})
        worker = threading.Thread(target=send, daemon=True)
        worker.start()
        while not api.stats.rate_limit_waits and worker.is_alive():
            worker.join(0.01)
        context.close()
        worker.join(WAIT_S)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], SyncCancelledError)


def test_an_unreachable_host_is_retried_before_the_region_hint() -> None:
    clock = FakeClock()
    api = api_stream(clock, transient_attempts=2)
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(job_url(), exc=requests.ConnectTimeout("timed out"))
        with pytest.raises(AirbyteTracedException) as caught:
            api.send("GET", job_url())
        assert mock.call_count == 3  # token + two attempts
    assert "(ConnectTimeout)" in (caught.value.message or "")
    assert clock.sleeps == [1.0]


def test_a_5xx_after_several_429s_waits_the_first_transient_wait() -> None:
    # Each kind of wait grows with its own count: three 429s do not make the first 5xx the fourth
    # transient failure.
    clock = FakeClock()
    api = api_stream(clock)
    with requests_mock.Mocker() as mock:
        mock.post(TOKEN_URL, json=token_body())
        mock.get(
            job_url(),
            [
                {"status_code": 429},
                {"status_code": 429},
                {"status_code": 429},
                {"status_code": 502},
                {"status_code": 429},
                {"status_code": 200, "json": {}},
            ],
        )
        assert api.send("GET", job_url()).status_code == 200
    assert clock.sleeps == [5.0, 10.0, 20.0, 1.0, 40.0]
    assert api.stats.rate_limit_waits == 4 and api.stats.retries == 1
