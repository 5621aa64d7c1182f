"""Every top-level key a synced record carries is declared by the schema `discover` publishes.

The Airbyte platform keeps only the columns a stream's discovered schema declares, so a key the
API sends but the catalog leaves out is silently lost for every user. This syncs every stream
against the sandbox, whose records carry every field the API reference and real accounts show,
and compares each record with the catalog the connector itself discovered, not with the json
files: whatever discover adds to or derives from them is what the platform sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pytest

from integration_tests.connector_runner import SyncOutput, discover_catalog, run_source
from integration_tests.freshdesk.conftest import SCRIPT, SMALL, config_for
from integration_tests.freshdesk_sandbox import STREAM_NAMES, FreshdeskSandbox, SandboxSettings

pytestmark = pytest.mark.slow


def undeclared_keys(records: Iterable[Mapping[str, Any]], schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("properties", {}).keys()
    return {key for record in records for key in record if key not in declared}


@pytest.fixture(scope="module")
def discovered_and_synced() -> Iterator[tuple[dict[str, dict[str, Any]], SyncOutput]]:
    # Archived tickets are off by default; a few give that stream records to check.
    with FreshdeskSandbox(SandboxSettings(**SMALL, archived_ticket_count=3)) as sandbox:
        config = config_for(sandbox)
        catalog = discover_catalog(SCRIPT, config)
        schemas = {
            entry["stream"]["name"]: entry["stream"]["json_schema"] for entry in catalog["streams"]
        }
        output = run_source(SCRIPT, "read", config, catalog)
        yield schemas, output


def test_the_sync_covers_every_stream_without_errors(
    discovered_and_synced: tuple[dict[str, dict[str, Any]], SyncOutput],
) -> None:
    schemas, output = discovered_and_synced
    assert output.returncode == 0 and not output.errors()
    assert set(schemas) == set(STREAM_NAMES)
    assert {stream for stream in STREAM_NAMES if not output.records(stream)} == set()


@pytest.mark.parametrize("stream", STREAM_NAMES)
def test_every_emitted_top_level_key_is_declared_by_the_discovered_schema(
    discovered_and_synced: tuple[dict[str, dict[str, Any]], SyncOutput], stream: str
) -> None:
    schemas, output = discovered_and_synced
    assert undeclared_keys(output.records(stream), schemas[stream]) == set()


def test_a_field_missing_from_the_discovered_schema_is_reported(
    discovered_and_synced: tuple[dict[str, dict[str, Any]], SyncOutput],
) -> None:
    # Guards the check: drop one declared field that real records carry and it must be named.
    schemas, output = discovered_and_synced
    records = output.records("contacts")
    schema = schemas["contacts"]
    trimmed = {
        **schema,
        "properties": {
            k: v for k, v in schema["properties"].items() if k != "twitter_profile_status"
        },
    }
    assert undeclared_keys(records, trimmed) == {"twitter_profile_status"}
