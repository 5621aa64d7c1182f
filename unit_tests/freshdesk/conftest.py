"""Factories for Freshdesk unit tests: configs, records and mocked list pages."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import requests_mock as rm
from airbyte_cdk.models import ConfiguredAirbyteCatalog, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.state_builder import StateBuilder

from source_freshdesk import SourceFreshdesk

API_KEY = "unit-test-api-key-0123456789"
BASE = "https://acme.freshdesk.com/api/v2/"


def make_config(**overrides: Any) -> dict[str, Any]:
    return {"domain": "acme.freshdesk.com", "api_key": API_KEY, **overrides}


def record(record_id: int, updated_at: str, **fields: Any) -> dict[str, Any]:
    return {"id": record_id, "created_at": updated_at, "updated_at": updated_at, **fields}


def page_response(
    records: list[Mapping[str, Any]], next_query: str | None = None, status: int = 200
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if next_query is not None:
        headers["Link"] = f'<{BASE}x?{next_query}>; rel="next"'
    return {"text": json.dumps(records), "status_code": status, "headers": headers}


def catalog(*streams: str, sync_mode: SyncMode = SyncMode.incremental) -> ConfiguredAirbyteCatalog:
    builder = CatalogBuilder()
    for name in streams:
        builder.with_stream(name, sync_mode)
    return builder.build()


def run_read(
    streams: list[str],
    config: Mapping[str, Any] | None = None,
    state: Mapping[str, Mapping[str, Any]] | None = None,
    sync_mode: SyncMode = SyncMode.incremental,
) -> EntrypointOutput:
    state_messages = None
    if state:
        builder = StateBuilder()
        for name, value in state.items():
            builder.with_stream_state(name, value)
        state_messages = builder.build()
    return read(
        SourceFreshdesk(),
        dict(config or make_config()),
        catalog(*streams, sync_mode=sync_mode),
        state_messages,
    )


def final_state(output: EntrypointOutput, stream: str) -> dict[str, Any]:
    states = [
        s.state.stream.stream_state.__dict__
        for s in output.state_messages
        if s.state.stream.stream_descriptor.name == stream
    ]
    return states[-1] if states else {}


def records_of(output: EntrypointOutput, stream: str) -> list[dict[str, Any]]:
    return [m.record.data for m in output.records if m.record.stream == stream]


# The field definitions the tickets, contacts and companies schemas are typed from; empty here, so
# custom_fields stays the shipped open object unless a test registers definitions itself.
FIELD_DEFINITION_ENDPOINTS = ("ticket_fields", "contact_fields", "company_fields")


@pytest.fixture
def api() -> Iterator[rm.Mocker]:
    with rm.Mocker() as mocker:
        for endpoint in FIELD_DEFINITION_ENDPOINTS:
            mocker.get(f"{BASE}{endpoint}", [page_response([])])
        yield mocker


def requests_to(api: rm.Mocker, endpoint: str) -> list[Any]:
    """The requests the mocked API received for one endpoint, in order."""
    return [h for h in api.request_history if h.path == f"/api/v2/{endpoint}"]


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries and pacing sleep for real in production; tests only record how long."""
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)
    return slept
