"""OAuth2 client-credentials tokens for Talkdesk, shared by every thread of a sync.

Not the CDK's `Oauth2Authenticator`: it sends no timeout on the token call, retries an unreachable
token host for up to 5 minutes (a `check` against a wrong URL would hang), always posts a
`refresh_token` field, drops the granted `scope` that `check` must verify, and turns every
rejection into a generic "refresh token rejected" message. Talkdesk wants HTTP Basic client
authentication with `grant_type=client_credentials` in the form body.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets
from requests.auth import AuthBase

from connector_common.backoff import capped_exponential
from connector_common.errors import config_error, transient_error
from connector_common.stats import StreamStats
from connector_common.timeouts import DEFAULT_REQUEST_TIMEOUT_S
from source_talkdesk_explore.config import HOST_CONNECT_TIMEOUT_S
from source_talkdesk_explore.sleeper import Sleeper

logger = logging.getLogger("airbyte")

REQUIRED_SCOPES = ("data-reports:read", "data-reports:write")
_TOKEN_ATTEMPTS = 3
# A token host failing transiently: wait 1 s, then 2 s (a check must answer within seconds).
_TOKEN_BACKOFF_S = 1.0
_TOKEN_BACKOFF_CAP_S = 10.0


@dataclass(frozen=True)
class AccessToken:
    value: str
    expires_at: float  # time.monotonic() deadline
    scopes: frozenset[str] | None  # None when the token response carried no `scope`


class TokenProvider:
    """Hands out a valid bearer token; renews it ahead of expiry and after a 401."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        read_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._token_url = token_url
        self._timeout = (HOST_CONNECT_TIMEOUT_S, read_timeout_s)
        self._basic_auth = (client_id, client_secret)
        self._clock = clock
        self._sleep = sleep or Sleeper()
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self._session = requests.Session()

    def token(self, stats: StreamStats | None = None) -> str:
        """A token valid for at least the renewal margin; fetched at most once across threads."""
        with self._lock:
            if self._token is None or self._clock() >= self._token.expires_at:
                self._token = self._fetch(stats)
            return self._token.value

    def invalidate(self, rejected: str) -> None:
        """Forget `rejected` after a 401, unless another thread already replaced it."""
        with self._lock:
            if self._token is not None and self._token.value == rejected:
                self._token = None

    def granted_scopes(self, stats: StreamStats | None = None) -> frozenset[str] | None:
        self.token(stats)
        with self._lock:
            return self._token.scopes if self._token else None

    def _fetch(self, stats: StreamStats | None) -> AccessToken:
        response = self._post_with_retries(stats)
        if response.status_code in (400, 401, 403):
            raise config_error(
                "Talkdesk rejected the client credentials at the token URL "
                f"(HTTP {response.status_code}{_oauth_error(response)}). Check client_id and "
                "client_secret (or api_key), and that auth_url is your account's token URL. "
                "Scopes added to the client in the last minutes can also cause this.",
            )
        if not response.ok:
            raise transient_error(
                f"The Talkdesk token endpoint answered HTTP {response.status_code}; try again later."
            )
        try:
            body = response.json()
            value = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise config_error(
                "The token URL did not answer with an OAuth token (no access_token in a JSON body)."
                " Check that auth_url is your account's /oauth/token URL."
            ) from None
        add_to_secrets(value)
        lifetime = _lifetime_seconds(body.get("expires_in"))
        scope = body.get("scope")
        scopes = frozenset(str(scope).split()) if isinstance(scope, str) else None
        return AccessToken(value, self._clock() + lifetime - _renewal_margin(lifetime), scopes)

    def _post_with_retries(self, stats: StreamStats | None) -> requests.Response:
        for attempt in range(1, _TOKEN_ATTEMPTS + 1):
            if stats:
                stats.count_request()
            try:
                response = self._session.post(
                    self._token_url,
                    auth=self._basic_auth,
                    data={"grant_type": "client_credentials"},
                    headers={"Accept": "application/json"},
                    timeout=self._timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as error:
                if attempt == _TOKEN_ATTEMPTS:
                    raise config_error(
                        f"Could not reach the Talkdesk token URL {self._token_url} "
                        f"({type(error).__name__}). Check auth_url and network access."
                    ) from None
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                if attempt == _TOKEN_ATTEMPTS:
                    return response
            if stats:
                stats.count_retry()
            self._sleep(capped_exponential(_TOKEN_BACKOFF_S, attempt, _TOKEN_BACKOFF_CAP_S))
        raise AssertionError("unreachable")


class TokenAuth(AuthBase):
    """The bearer header for one stream's requests, from the token provider every stream shares.

    Renewal ahead of expiry stays in TokenProvider; token calls count in this stream's summary.
    After a 401 the client invalidates the rejected token, so the replay carries its successor.
    """

    def __init__(self, tokens: TokenProvider, stats: StreamStats) -> None:
        self._tokens = tokens
        self._stats = stats

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._tokens.token(self._stats)}"
        return request


def _lifetime_seconds(expires_in: object) -> float:
    """Talkdesk documents 10-minute tokens; trust `expires_in` when it is a positive number."""
    try:
        lifetime = float(expires_in)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 600.0
    return lifetime if lifetime > 0 else 600.0


def _renewal_margin(lifetime: float) -> float:
    """Renew a minute early, or a fifth of the lifetime for very short-lived tokens."""
    return min(60.0, lifetime / 5)


def _oauth_error(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f", {body['error'][:80]}"
    return ""
