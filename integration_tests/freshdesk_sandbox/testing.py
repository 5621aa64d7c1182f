"""Small client helpers for tests that talk to a running sandbox over plain HTTP."""

from __future__ import annotations

from typing import Any

import requests

from .server import FreshdeskSandbox


def session_for(sandbox: FreshdeskSandbox, api_key: str | None = None) -> requests.Session:
    """A requests session authenticated like the connector (API key as user, any password)."""
    session = requests.Session()
    session.auth = (api_key if api_key is not None else sandbox.api_key, "X")
    return session


def walk(
    session: requests.Session, url: str, params: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[requests.Response]]:
    """Follow rel="next" links from url; returns every record and every response."""
    records: list[dict[str, Any]] = []
    responses: list[requests.Response] = []
    next_url: str | None = url
    while next_url:
        response = session.get(next_url, params=params, timeout=10)
        response.raise_for_status()
        responses.append(response)
        records.extend(response.json())
        params = None  # the Link URL already repeats every param
        next_url = response.links.get("next", {}).get("url")
    return records, responses
