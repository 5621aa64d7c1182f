"""`request_timeout_seconds`: one key with the same bounds in both specs, and the read part of the
timeout of every request either source sends (the connect part stays each source's own)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
import requests_mock
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read

from connector_common.datetimes import format_utc, utc_now
from connector_common.input_files import package_connection_specification
from connector_common.timeouts import DEFAULT_REQUEST_TIMEOUT_S, MAX_REQUEST_TIMEOUT_S
from source_freshdesk import SourceFreshdesk
from source_talkdesk_explore import SourceTalkdeskExplore
from source_talkdesk_explore.sleeper import Sleeper
from unit_tests.freshdesk.conftest import BASE, make_config, page_response, record, records_of
from unit_tests.talkdesk_explore.factories import API_URL, TOKEN_URL, raw_config, token_body
from unit_tests.talkdesk_explore.test_read import FakeExplore

READ_TIMEOUT_S = 7
FILES_HOST = "https://files.example.com"


@pytest.mark.parametrize("package", ["source_freshdesk", "source_talkdesk_explore"])
def test_both_specs_offer_the_key_with_the_bounds_the_configs_enforce(package: str) -> None:
    prop = package_connection_specification(package)["properties"]["request_timeout_seconds"]
    assert prop["type"] == "integer"
    assert prop["default"] == DEFAULT_REQUEST_TIMEOUT_S
    assert (prop["minimum"], prop["maximum"]) == (1, MAX_REQUEST_TIMEOUT_S)
    assert prop["description"].startswith(
        "How long to wait for an API response before the request is retried"
    )


def test_every_freshdesk_request_reads_with_the_configured_timeout() -> None:
    yesterday = format_utc(utc_now() - timedelta(days=1))
    config = make_config(request_timeout_seconds=READ_TIMEOUT_S, start_date=yesterday)
    catalog = (
        CatalogBuilder()
        .with_stream("roles", SyncMode.incremental)
        .with_stream("ticket_activities", SyncMode.incremental)
        .build()
    )
    with requests_mock.Mocker() as api:
        api.get(f"{BASE}roles", [page_response([record(1, "2024-01-01T00:00:00Z")])])
        api.get(
            f"{BASE}export/ticket_activities", json={"export": {"url": f"{FILES_HOST}/day.json"}}
        )
        api.get(f"{FILES_HOST}/day.json", json={"activities_data": []})
        api.get(f"{BASE}settings/helpdesk", json={"primary_language": "en"})
        output = read(SourceFreshdesk(), config, catalog)
        status = SourceFreshdesk().check(logging.getLogger("test"), config)
        sent = api.request_history
    assert len(records_of(output, "roles")) == 1 and not output.errors
    assert status.status.value == "SUCCEEDED"
    timeouts = {(request.hostname, request.path): request.timeout for request in sent}
    assert timeouts[("acme.freshdesk.com", "/api/v2/roles")] == (15, READ_TIMEOUT_S)
    assert timeouts[("acme.freshdesk.com", "/api/v2/export/ticket_activities")] == (
        15,
        READ_TIMEOUT_S,
    )
    assert timeouts[("files.example.com", "/day.json")] == (15, READ_TIMEOUT_S)
    assert timeouts[("acme.freshdesk.com", "/api/v2/settings/helpdesk")] == (30, READ_TIMEOUT_S)


def _talkdesk_kind(url: str) -> str:
    if url.startswith(TOKEN_URL):
        return "token"
    if not url.startswith(API_URL):
        return "storage"
    for kind, pattern in (("poll", r"/jobs/[^/]+$"), ("create", r"/jobs$"), ("file", r"/files/")):
        if re.search(pattern, url.split("?")[0]):
            return kind
    raise AssertionError(url)


def test_every_talkdesk_request_reads_with_the_configured_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Sleeper, "__call__", lambda self, seconds: None)
    start = (utc_now() - timedelta(days=3)).replace(microsecond=0)
    config: dict[str, Any] = raw_config(
        start_date=format_utc(start), request_timeout_seconds=READ_TIMEOUT_S
    )
    catalog = CatalogBuilder().with_stream("calls", SyncMode.incremental).build()
    with requests_mock.Mocker() as mock:
        FakeExplore(mock, failing_from=None)
        output = read(SourceTalkdeskExplore(), config, catalog)
        mock.post(TOKEN_URL, json=token_body())  # check asks for a token of its own
        mock.get(re.compile(r"/data/reports/calls/jobs/0{8}-"), status_code=404, json={})
        checked = SourceTalkdeskExplore().check_connection(logging.getLogger("test"), config)
        sent = mock.request_history
    assert output.records and not output.errors
    assert checked == (True, None)
    timeouts: dict[str, set[Any]] = {}
    for request in sent:
        timeouts.setdefault(_talkdesk_kind(request.url), set()).add(request.timeout)
    expected = {(10, READ_TIMEOUT_S)}
    assert timeouts == dict.fromkeys(("token", "create", "poll", "file", "storage"), expected)
