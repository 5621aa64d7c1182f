"""`check`: one cheap call any agent's key may make, with one clear message per way it can fail."""

from __future__ import annotations

import time

import requests

from connector_common.backoff import response_retry_after
from connector_common.errors import config_error, traced_error
from source_freshdesk.auth import api_key_authenticator
from source_freshdesk.config import FreshdeskConfig
from source_freshdesk.http_errors import describe_failure, json_body

# settings/helpdesk is readable by non-admin keys (Airbyte 3.1+ checks `agents`, which is not).
CHECK_PATH = "settings/helpdesk"
# Seconds the check gives the host to accept a connection (a sync gives it SYNC_CONNECT_TIMEOUT_S);
# how long it may take to answer is `request_timeout_seconds`.
CHECK_CONNECT_TIMEOUT_S = 30
# The longest the check waits out a 429 before asking the user to run it again; a sync's requests
# wait up to backoff.MAX_RATE_LIMIT_WAIT_S.
CHECK_MAX_RATE_LIMIT_WAIT_S = 60
# A 429 that names no Retry-After: one short pause, then the one retry the check makes.
CHECK_RATE_LIMIT_WAIT_WITHOUT_RETRY_AFTER_S = 5.0


def check_connection(config: FreshdeskConfig) -> None:
    """Raises an AirbyteTracedException (config_error) that says what to fix."""
    host = config.base_url.split("://", 1)[1].split("/", 1)[0]
    url = f"{config.base_url}{CHECK_PATH}"
    with requests.Session() as session:
        session.auth = api_key_authenticator(config.api_key)
        response = _get(session, url, host, config.request_timeout_seconds)
        if response.status_code == 429:
            wait = response_retry_after(response) or CHECK_RATE_LIMIT_WAIT_WITHOUT_RETRY_AFTER_S
            if wait > CHECK_MAX_RATE_LIMIT_WAIT_S:
                raise config_error(
                    f"Freshdesk's rate limit for this account is used up for {wait:.0f} s; "
                    "run the check again later."
                )
            time.sleep(wait)
            response = _get(session, url, host, config.request_timeout_seconds)
    if 200 <= response.status_code < 300 and isinstance(json_body(response), dict):
        return
    if 200 <= response.status_code < 300:
        raise config_error(
            f"{host} answered, but not with the Freshdesk API (the body is not JSON): check `domain`."
        )
    failure_type, message = describe_failure(response)
    raise traced_error(failure_type, message)


def _get(session: requests.Session, url: str, host: str, read_timeout_s: int) -> requests.Response:
    try:
        return session.get(
            url, timeout=(CHECK_CONNECT_TIMEOUT_S, read_timeout_s), allow_redirects=False
        )
    except requests.exceptions.SSLError:
        raise config_error(
            f"The TLS handshake with {host} failed: the certificate is invalid or the host is not "
            "Freshdesk. Check `domain`."
        ) from None
    except requests.exceptions.ConnectTimeout:
        raise config_error(
            f"{host} did not accept a connection within {CHECK_CONNECT_TIMEOUT_S} s. Check "
            "`domain` and the network."
        ) from None
    except requests.exceptions.Timeout:
        raise config_error(
            f"{host} did not answer within {read_timeout_s} s (`request_timeout_seconds`). "
            "Check `domain` and the network, or allow a slow helpdesk more time."
        ) from None
    except requests.exceptions.ConnectionError as error:
        text = str(error)
        if "Name or service not known" in text or "NameResolution" in text or "getaddrinfo" in text:
            raise config_error(
                f"The host {host} does not exist (DNS lookup failed). Check `domain`, e.g. "
                "`acme.freshdesk.com`."
            ) from None
        if "refused" in text.lower():
            raise config_error(
                f"{host} refused the connection. Check `domain` (and the port, if you gave one)."
            ) from None
        raise config_error(
            f"Could not connect to {host}. Check `domain` and the network."
        ) from None
