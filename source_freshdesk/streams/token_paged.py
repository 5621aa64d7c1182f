"""The stream side of token pagination (see pagination.TokenPaging)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import requests

from source_freshdesk.http_errors import json_body
from source_freshdesk.pagination import PAGE_SIZE, TokenPaging
from source_freshdesk.streams.base import FreshdeskStream, Page, Record


class TokenPaged(FreshdeskStream):
    """A stream whose pages come from `token_paging` instead of the Link header."""

    token_paging: TokenPaging

    def parse_response(self, response: requests.Response, **_: Any) -> Iterable[Record]:
        return self.token_paging.records(json_body(response))

    def pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Page]:
        query: dict[str, Any] = {self.token_paging.size_param: PAGE_SIZE, **params}
        while True:
            page = self.fetch_page(path, query)
            yield page
            next_query = self.token_paging.next_query(json_body(page.response))
            if next_query is None or not page.records:
                return
            query = {**query, **next_query}
