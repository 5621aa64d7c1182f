"""Client credentials and the bearer tokens the token host issues."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from integration_tests.sandbox_http.messages import basic_credentials


@dataclass(frozen=True)
class IssuedToken:
    scopes: frozenset[str]
    expires_at: float  # time.monotonic() deadline
    lifetime_s: float


class ScopeNotGranted(Exception):
    pass


class TokenIssuer:
    def __init__(
        self, client_id: str, client_secret: str, granted_scopes: list[str], lifetime_s: float
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._granted = list(granted_scopes)
        self._lifetime_s = float(lifetime_s)
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

    def client_matches(self, authorization: str | None) -> bool:
        """True when the header is HTTP Basic with this sandbox's client id and secret."""
        credentials = basic_credentials(authorization)
        if credentials is None:
            return False
        client_id, client_secret = credentials
        expected = f"{self.client_id}:{self.client_secret}"
        return hmac.compare_digest(f"{client_id}:{client_secret}", expected)

    def issue(self, requested_scope: str | None) -> tuple[str, IssuedToken]:
        with self._lock:
            granted = list(self._granted)
            lifetime = self._lifetime_s
        if requested_scope:
            requested = requested_scope.split()
            missing = [scope for scope in requested if scope not in granted]
            if missing:
                raise ScopeNotGranted(" ".join(missing))
            scopes = frozenset(requested)
        else:
            # Talkdesk grants every scope of the client when none is requested.
            scopes = frozenset(granted)
        token = secrets.token_urlsafe(32)
        issued = IssuedToken(scopes, time.monotonic() + lifetime, lifetime)
        with self._lock:
            self._tokens[token] = issued
        return token, issued

    def lookup(self, token: str) -> IssuedToken | None:
        """The live token, or None when it is unknown, expired or revoked."""
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None or time.monotonic() >= issued.expires_at:
            return None
        return issued

    def expire_all(self) -> None:
        with self._lock:
            self._tokens.clear()

    def set_lifetime(self, seconds: float) -> None:
        with self._lock:
            self._lifetime_s = float(seconds)

    def set_granted_scopes(self, scopes: list[str]) -> None:
        with self._lock:
            self._granted = list(scopes)

    def granted_scope_string(self, issued: IssuedToken) -> str:
        return " ".join(sorted(issued.scopes))
