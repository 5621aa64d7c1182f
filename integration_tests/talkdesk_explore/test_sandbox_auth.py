"""The sandbox's token host and bearer-token checks behave like Talkdesk's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests

from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings
from integration_tests.talkdesk_sandbox.probe import (
    TIMEOUT_S,
    bearer,
    create_job,
    poll,
    request_token,
)

READ = "data-reports:read"
WRITE = "data-reports:write"


@pytest.fixture
def sandbox() -> Iterator[TalkdeskSandbox]:
    with TalkdeskSandbox(TalkdeskSandboxSettings(job_duration_s=0.05)) as running:
        yield running


def _one_day_job(sandbox: TalkdeskSandbox, headers: dict[str, str]) -> requests.Response:
    end = sandbox.clock_start - timedelta(hours=1)
    return create_job(sandbox, headers, "calls", end - timedelta(days=1), end)


def test_client_credentials_grant_returns_bearer_token_with_lifetime_and_all_scopes(
    sandbox: TalkdeskSandbox,
) -> None:
    response = request_token(sandbox)

    assert response.status_code == 200
    payload = response.json()
    assert payload["token_type"] == "Bearer"
    assert payload["expires_in"] == 600
    assert set(payload["scope"].split()) == {READ, WRITE}
    assert payload["access_token"]
    assert sandbox.stats()["tokens_issued"] == 1


def test_wrong_client_secret_is_401_invalid_client(sandbox: TalkdeskSandbox) -> None:
    response = requests.post(
        sandbox.token_url,
        auth=(sandbox.client_id, "wrong"),
        data={"grant_type": "client_credentials"},
        timeout=TIMEOUT_S,
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert sandbox.stats()["status_401"] == 1


def test_client_credentials_in_the_form_body_instead_of_basic_auth_are_rejected(
    sandbox: TalkdeskSandbox,
) -> None:
    response = requests.post(
        sandbox.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
        },
        timeout=TIMEOUT_S,
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "data-reports:admin"}, "invalid_scope"),
    ],
)
def test_bad_token_requests_are_400_with_oauth_error(
    sandbox: TalkdeskSandbox, form: dict, error: str
) -> None:
    response = requests.post(
        sandbox.token_url,
        auth=(sandbox.client_id, sandbox.client_secret),
        data=form,
        timeout=TIMEOUT_S,
    )

    assert response.status_code == 400
    assert response.json()["error"] == error


def test_grant_type_in_a_json_body_is_not_accepted(sandbox: TalkdeskSandbox) -> None:
    response = requests.post(
        sandbox.token_url,
        auth=(sandbox.client_id, sandbox.client_secret),
        json={"grant_type": "client_credentials"},
        timeout=TIMEOUT_S,
    )

    assert response.status_code == 400


def test_requested_scope_narrows_the_token(sandbox: TalkdeskSandbox) -> None:
    response = request_token(sandbox, scope=READ)

    assert response.json()["scope"] == READ
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert _one_day_job(sandbox, headers).status_code == 403


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic abc"])
def test_api_without_a_valid_bearer_token_is_401(sandbox: TalkdeskSandbox, header: str) -> None:
    headers = {} if header is None else {"Authorization": header}

    response = _one_day_job(sandbox, headers)

    assert response.status_code == 401
    assert set(response.json()) >= {"code", "description"}


def test_expired_tokens_are_401_until_a_new_token_is_fetched(sandbox: TalkdeskSandbox) -> None:
    old = bearer(sandbox)
    created = _one_day_job(sandbox, old)
    assert created.status_code == 202

    sandbox.expire_tokens_now()

    job = created.json()["job"]["id"]
    assert poll(sandbox, old, "calls", job).status_code == 401
    assert poll(sandbox, bearer(sandbox), "calls", job).status_code in (200, 303)


def test_token_stops_working_once_its_lifetime_has_passed(sandbox: TalkdeskSandbox) -> None:
    sandbox.set_token_lifetime(0.3)
    response = request_token(sandbox)
    assert response.json()["expires_in"] == 1
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert _one_day_job(sandbox, headers).status_code == 202

    time.sleep(0.4)

    assert _one_day_job(sandbox, headers).status_code == 401


def test_token_without_write_scope_cannot_create_but_can_poll(sandbox: TalkdeskSandbox) -> None:
    job = _one_day_job(sandbox, bearer(sandbox)).json()["job"]["id"]
    sandbox.set_granted_scopes([READ])

    read_only = bearer(sandbox)

    assert _one_day_job(sandbox, read_only).status_code == 403
    assert poll(sandbox, read_only, "calls", job).status_code in (200, 303)


def test_token_without_read_scope_cannot_poll_or_download(sandbox: TalkdeskSandbox) -> None:
    sandbox.set_granted_scopes([WRITE])
    write_only = bearer(sandbox)
    created = _one_day_job(sandbox, write_only)
    assert created.status_code == 202
    job = created.json()["job"]["id"]

    assert poll(sandbox, write_only, "calls", job).status_code == 403
    files = requests.get(
        f"{sandbox.api_url}/data/reports/calls/files/{job}",
        headers=write_only,
        allow_redirects=False,
        timeout=TIMEOUT_S,
    )
    assert files.status_code == 403


def test_token_from_another_account_is_rejected(sandbox: TalkdeskSandbox) -> None:
    # A token from the wrong region's host is just an unknown token to this API host.
    with TalkdeskSandbox() as other_region:
        foreign = bearer(other_region)

    assert _one_day_job(sandbox, foreign).status_code == 401
