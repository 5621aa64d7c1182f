"""Ticket activities from the scheduled activities export: one daily JSON file per request.

`export/ticket_activities?created_at=YYYY-MM-DD` names the day's file (a pre-signed URL on another
host, fetched without our credentials); 404 means the file is not ready yet. Files are kept 30
days, so no sync can reach further back. Rows have no id: each gets a stable hash of its content
and day, with an occurrence number so identical rows stay distinct.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

import orjson
from airbyte_cdk.sources.types import StreamSlice

from connector_common.signed_downloads import LinkRefused
from connector_common.stats import StreamStats
from source_freshdesk.downloads import signed_url_downloader
from source_freshdesk.http_errors import json_body
from source_freshdesk.streams.base import (
    FreshdeskContext,
    IncrementalStream,
    Page,
    Record,
    ResourceGone,
    StreamUnavailable,
)

RETENTION_DAYS = 30
# Seconds between asks for a day whose file is not ready (404); after the last, the day is left
# for the next sync. Bounded: a sync never waits on the export for more than these together.
NOT_READY_WAITS = (1.0, 2.0)
ENABLE_HINT = (
    "The ticket activities export needs an account admin's API key and the scheduled ticket "
    "activities export turned on (Admin > Account > Scheduled Exports); Freshdesk stopped "
    "offering it to accounts that did not have it on before October 2023."
)
PRIMARY_KEY = "_airbyte_ticket_activity_id"  # Airbyte's name, so its catalogs carry over


class ExportShapeError(RuntimeError):
    """The export answered in a shape none of the documented ones match (the URL stays out)."""


class TicketActivities(IncrementalStream):
    endpoint = "export/ticket_activities"
    primary_key = PRIMARY_KEY
    cursor_field = "performed_at"
    paginated = False
    gone_statuses = frozenset({404})  # "not ready yet", waited on below

    def __init__(self, context: FreshdeskContext, stats: StreamStats | None = None) -> None:
        super().__init__(context, stats)
        # The files' URLs are signed: downloaded without the API key.
        self.downloads = signed_url_downloader(context, "The ticket activities file")

    def slices(self) -> Iterable[StreamSlice]:
        today = datetime.now(timezone.utc).date()
        earliest = today - timedelta(days=RETENTION_DAYS)
        wanted = self.lower_bound(self._tracker.value)
        start = wanted.date() if wanted else earliest
        if start < earliest:
            self.logger.warning(
                f"ticket_activities: the export keeps {RETENTION_DAYS} days of files, so the read "
                f"starts at {earliest.isoformat()} instead of {start.isoformat()}."
            )
            start = earliest
        for offset in range((today - start).days + 1):
            day = start + timedelta(days=offset)
            yield StreamSlice(partition={"export_date": day.isoformat()}, cursor_slice={})

    def fetch(
        self, stream_slice: Mapping[str, Any], lower_bound: datetime | None
    ) -> Iterator[tuple[Record, datetime | None]]:
        day = stream_slice["export_date"]
        page = self._export_answer(day)
        if page is None:
            return
        seen: Counter[str] = Counter()
        for content in self._files_of(json_body(page.response), date.fromisoformat(day)):
            rows = content.get("activities_data") if isinstance(content, Mapping) else None
            # The whole file goes out, whatever window it covers (schedules can offset it from
            # midnight): filtering it by day would drop the rows past the boundary.
            for row in rows or []:
                if isinstance(row, Mapping):
                    yield activity_record(row, day, seen), page.server_time

    def _export_answer(self, day: str) -> Page | None:
        for wait in (*NOT_READY_WAITS, None):
            try:
                return self.fetch_page(self.endpoint, {"created_at": day})
            except ResourceGone:
                if wait is None:
                    self.logger.info(
                        f"ticket_activities: the export for {day} is not ready; the next sync "
                        "reads it."
                    )
                    return None
                time.sleep(wait)
            except StreamUnavailable as unavailable:
                raise StreamUnavailable(f"{unavailable}. {ENABLE_HINT}") from None
        return None

    def _files_of(self, body: Any, day: date) -> Iterator[Any]:
        if isinstance(body, Mapping) and "activities_data" in body:
            yield body  # the file's content inline
            return
        for url in export_urls(body, day):
            content = self._download(url)
            if content is None:
                self.logger.info(f"ticket_activities: the file for {day} expired (404).")
            else:
                yield content

    def _download(self, url: str) -> Any:
        """The file's JSON, None when it is gone (404); the downloader retries network errors,
        429s, 5xx and bodies that are not JSON."""
        try:
            return self.downloads.read_json(url, self.stats)
        except LinkRefused as refused:
            if refused.status == 404:
                return None
            raise RuntimeError(
                f"The ticket activities file answered HTTP {refused.status}."
            ) from None


def export_urls(body: Any, day: date) -> list[str]:
    """The file URLs of one export answer, in every shape the export is known to use.

    `{"export": {"url": ...}}`; `{"export": [{"created_at": "D-M-YYYY", "url": ...}]}` (entries of
    the asked day preferred); `{"export": {}}` / `[]` for a day without a file; a top-level `url`
    or `link`.
    """
    if not isinstance(body, Mapping):
        raise ExportShapeError(
            "The ticket activities export answered with something not an object."
        )
    export = body.get("export")
    if export is None:
        url = body.get("url") or body.get("link")
        if isinstance(url, str) and url:
            return [url]
        raise ExportShapeError(
            f"The ticket activities export answered without a file (keys: {sorted(body)})."
        )
    if isinstance(export, Mapping):
        export = [export] if export else []
    if not isinstance(export, list):
        raise ExportShapeError(
            "The ticket activities export's `export` is neither object nor list."
        )
    entries = [e for e in export if isinstance(e, Mapping)]
    urls = [e.get("url") for e in entries]
    if not all(isinstance(url, str) and url for url in urls):
        raise ExportShapeError("An entry of the ticket activities export has no `url` string.")
    asked = f"{day.day}-{day.month}-{day.year}"
    of_day = [e["url"] for e in entries if e.get("created_at") == asked]
    return of_day or [str(url) for url in urls]


def activity_record(row: Mapping[str, Any], day: str, seen: Counter[str]) -> Record:
    record = {**row, "export_date": day}
    digest = hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()
    seen[digest] += 1
    record["performed_at"] = iso_performed_at(row.get("performed_at"))
    record[PRIMARY_KEY] = f"{digest}:{seen[digest]}"
    return record


def iso_performed_at(value: Any) -> Any:
    """`01-01-2022 09:33:38 +0000` (day first) as `2022-01-01T09:33:38Z`; other values as they are."""
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.strptime(value.strip(), "%d-%m-%Y %H:%M:%S %z")
    except ValueError:
        return value
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
