"""Freshdesk's page-number pagination, driven by the `Link: <...>; rel="next"` header."""

from __future__ import annotations

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
