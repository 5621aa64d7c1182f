"""`check`: one message per way the connection can fail, never a traceback, never the key."""

from __future__ import annotations

import logging

import pytest
import requests

from source_freshdesk import SourceFreshdesk
from unit_tests.freshdesk.conftest import API_KEY, BASE, make_config

CHECK_URL = f"{BASE}settings/helpdesk"


def check(config: dict) -> tuple[str, str | None]:
    status = SourceFreshdesk().check(logging.getLogger("test"), config)
    return status.status.value, status.message


def test_a_non_admin_key_passes_because_check_reads_settings_not_agents(api) -> None:
    api.get(CHECK_URL, json={"primary_language": "en"})
    assert check(make_config()) == ("SUCCEEDED", None)
    assert api.request_history[0].headers["Authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    "response, fragment",
    [
        ({"status_code": 401, "json": {"code": "invalid_credentials"}}, "`api_key`"),
        ({"status_code": 403, "json": {"code": "account_suspended"}}, "suspended"),
        ({"status_code": 404, "text": "<html>unknown</html>"}, "does not exist"),
        ({"status_code": 200, "text": "<html>login page</html>"}, "not with the Freshdesk API"),
        ({"exc": requests.exceptions.SSLError("bad cert")}, "TLS handshake"),
        ({"exc": requests.exceptions.ConnectTimeout("slow")}, "did not accept a connection"),
        ({"exc": requests.exceptions.ReadTimeout("slow")}, "`request_timeout_seconds`"),
        ({"exc": requests.exceptions.ConnectionError("Name or service not known")}, "DNS"),
        ({"exc": requests.exceptions.ConnectionError("[Errno 111] Connection refused")}, "refused"),
    ],
)
def test_each_failure_gets_its_own_actionable_message(api, response: dict, fragment: str) -> None:
    api.get(CHECK_URL, **response)
    status, message = check(make_config())
    assert status == "FAILED"
    assert fragment in message
    assert API_KEY not in message


def test_a_rate_limited_check_waits_once_then_succeeds(api, no_sleep) -> None:
    api.get(
        CHECK_URL,
        [
            {"status_code": 429, "headers": {"Retry-After": "3"}},
            {"json": {"primary_language": "en"}},
        ],
    )
    assert check(make_config()) == ("SUCCEEDED", None)
    assert no_sleep == [3.0]


def test_malformed_domain_fails_before_any_request(api) -> None:
    status, message = check(make_config(domain="http://acme.freshdesk.com"))
    assert status == "FAILED" and "https" in message
    assert api.call_count == 0
