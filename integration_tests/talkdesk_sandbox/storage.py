"""Signed URLs for the storage host, shaped like S3 pre-signed GETs (expires + signature)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading


class UrlSigner:
    def __init__(self, ttl_s: int) -> None:
        self._key = secrets.token_bytes(32)
        self._ttl_s = int(ttl_s)
        self._lock = threading.Lock()
        self._latest_expiry = 0
        # Every URL expiring at or before this epoch second is dead (expire_signed_urls_now).
        self._revoked_through = 0

    def _signature(self, path: str, expires: int) -> str:
        return hmac.new(self._key, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def sign(self, path: str, now_epoch: float) -> tuple[int, str]:
        with self._lock:
            # Strictly after any revoked expiry, so a URL minted right after a revocation works.
            expires = max(int(now_epoch) + self._ttl_s, self._revoked_through + 1)
            self._latest_expiry = max(self._latest_expiry, expires)
        return expires, self._signature(path, expires)

    def verify(
        self, path: str, expires: str | None, signature: str | None, now_epoch: float
    ) -> str:
        """ "ok", "bad_signature" or "expired"."""
        if not expires or not signature or not expires.isdigit():
            return "bad_signature"
        if not hmac.compare_digest(self._signature(path, int(expires)), signature):
            return "bad_signature"
        with self._lock:
            revoked = int(expires) <= self._revoked_through
        if revoked or int(expires) <= now_epoch:
            return "expired"
        return "ok"

    def expire_all(self) -> None:
        with self._lock:
            self._revoked_through = self._latest_expiry

    def set_ttl(self, seconds: int) -> None:
        with self._lock:
            self._ttl_s = int(seconds)
