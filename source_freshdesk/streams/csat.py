"""The newer customer satisfaction API: surveys and their responses (token paged).

The classic `surveys` and `satisfaction_ratings` streams stay: which accounts have which API is
not documented, so each is read where the account serves it and skipped on 403 where not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from source_freshdesk.pagination import TokenPaging
from source_freshdesk.streams.base import ChildStream, IncrementalStream, Record, ResourceGone
from source_freshdesk.streams.token_paged import TokenPaged

CSAT_PAGING = TokenPaging(records_key="data", link_path=("paging", "next"), size_param="per_page")


class CsatSurveys(TokenPaged):
    """Full refresh: surveys carry no updated_at. Ids are UUID strings."""

    endpoint = "customer-satisfaction/surveys"
    token_paging = CSAT_PAGING


class CsatSurveyResponses(TokenPaged, ChildStream, IncrementalStream):
    """Responses per survey, filtered client-side on updated_at (the API has no date filter)."""

    endpoint = "customer-satisfaction/surveys/{parent_id}/responses"
    token_paging = CSAT_PAGING
    parent_stream = CsatSurveys
    parent_id_field = "survey_id"
    # 403 is the plan's answer for the whole stream (skipped); 404 means "no responses yet".
    gone_statuses = frozenset({404})

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        parent_id = stream_slice["parent_id"]
        try:
            for page in self.pages(self.endpoint.format(parent_id=parent_id), {}):
                for record in page.records:
                    yield self.link_parent(record, parent_id), page.server_time
        except ResourceGone:
            return  # a survey nobody answered yet: nothing to read, nothing skipped
