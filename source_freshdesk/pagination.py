"""Freshdesk's page-number pagination, driven by the `Link: <...>; rel="next"` header, and the
token pagination of the newer APIs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

PAGE_SIZE = 100  # the API's maximum
MAX_TICKET_PAGES = 300  # /tickets answers page 301 with a 400


def next_page_params(response: requests.Response) -> dict[str, str] | None:
    """Query parameters of the next page, or None on the last page.

    Only the query is taken from the link; the host and path stay ours, so a link pointing elsewhere
    can never receive the API key. The link may omit parameters (the docs' example drops
    `per_page`), so callers merge these over their own parameters rather than replacing them.
    """
    url = response.links.get("next", {}).get("url")  # requests parses the header case-insensitively
    if not url:
        return None
    return dict(parse_qsl(urlsplit(url.strip()).query, keep_blank_values=True))


@dataclass(frozen=True)
class TokenPaging:
    """Token pagination of the newer APIs (CSAT surveys, custom objects): each page's body names
    the next page by a link holding `next_token` instead of a Link header.

    Only the token is taken from the link, never its host or path (the CSAT link is absolute, the
    custom objects one relative to another base), so the API key goes nowhere but our own host.
    """

    records_key: str  # where the body lists the page's records
    link_path: tuple[str, ...]  # keys leading from the body to the next page's URL
    size_param: str  # the page size parameter: per_page or page_size
    token_param: str = "next_token"

    def records(self, body: Any) -> list[Mapping[str, Any]]:
        items = body.get(self.records_key) if isinstance(body, Mapping) else None
        return [item for item in items or [] if isinstance(item, Mapping)]

    def next_query(self, body: Any) -> dict[str, str] | None:
        """{token_param: token} for the next page, or None on the last page."""
        link: Any = body
        for key in self.link_path:
            link = link.get(key) if isinstance(link, Mapping) else None
        if not isinstance(link, str) or not link.strip():
            return None
        token = dict(parse_qsl(urlsplit(link.strip()).query)).get(self.token_param)
        return {self.token_param: token} if token else None
