"""What a sandbox app receives and returns: one request in, one response out."""

from __future__ import annotations

import base64
import binascii
import http
import json
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    # The path without query string; a trailing slash is kept, apps decide what it means.
    path: str
    query: str
    headers: Message
    body: bytes = b""

    def query_lists(self) -> dict[str, list[str]]:
        return parse_qs(self.query)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Transport faults the server acts out while writing (see faults.py).
    reset: bool = False  # hang up without answering
    cut_at: int | None = None  # announce the whole body, send this many bytes, hang up

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        body = b"" if payload is None else json_bytes(payload)
        return cls(status, body, headers=list((headers or {}).items()))

    @classmethod
    def html(cls, status: int, text: str) -> Response:
        return cls(status, text.encode("utf-8"), "text/html; charset=utf-8")

    @classmethod
    def hang_up(cls) -> Response:
        # Status 0: what request stats record for an answer that never came.
        return cls(0, reset=True)

    def header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self


def json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error_page(status: int, footer: str = "") -> str:
    """A gateway's HTML error page: what a client gets instead of the API's JSON."""
    phrase = http.HTTPStatus(status).phrase
    tail = f"<hr><center>{footer}</center>" if footer else ""
    return (
        f"<html><head><title>{status} {phrase}</title></head>"
        f"<body><center><h1>{status} {phrase}</h1></center>{tail}</body></html>"
    )


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(user, password) of an HTTP Basic header; None when the header is missing or not Basic."""
    if not authorization or not authorization.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return user, password
