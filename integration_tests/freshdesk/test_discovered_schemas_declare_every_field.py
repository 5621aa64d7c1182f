"""Every top-level key a synced record carries is declared by the schema `discover` publishes.

The Airbyte platform keeps only the columns a stream's discovered schema declares, so a key the
API sends but the catalog leaves out is silently lost for every user. This syncs every stream
against the sandbox, whose records carry every field the API reference and real accounts show,
and compares each record with the catalog the connector itself discovered, not with the json
files: whatever discover adds to or derives from them is what the platform sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from integration_tests.connector_runner import discover_catalog, run_source
from integration_tests.freshdesk.conftest import SCRIPT, SMALL, config_for
from integration_tests.freshdesk_sandbox import STREAM_NAMES, FreshdeskSandbox, SandboxSettings


def undeclared_keys(records: Iterable[Mapping[str, Any]], schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("properties", {}).keys()
    return {key for record in records for key in record if key not in declared}


def schema_declaring(*names: str) -> dict[str, Any]:
    return {"type": ["null", "object"], "properties": {name: {} for name in names}}


def test_a_key_the_schema_leaves_out_is_reported() -> None:
    # Guards the check: a record key missing from the schema must be named, declared ones not.
    records = [{"id": 1, "comments_count": 2}, {"id": 2, "icon_url": None}]
    assert undeclared_keys(records, schema_declaring("id", "comments_count")) == {"icon_url"}
    assert undeclared_keys(records, schema_declaring("id", "comments_count", "icon_url")) == set()


# One test, so that one sync serves every stream whichever worker runs it. It is not marked slow:
# the catalog comes from the installed CDK, so it must hold on the lowest CDK run as well.
def test_every_stream_emits_only_top_level_keys_its_discovered_schema_declares() -> None:
    # Archived tickets are off by default; a few give that stream records to check.
    with FreshdeskSandbox(SandboxSettings(**SMALL, archived_ticket_count=3)) as sandbox:
        config = config_for(sandbox)
        catalog = discover_catalog(SCRIPT, config)
        output = run_source(SCRIPT, "read", config, catalog)
    schemas = {
        entry["stream"]["name"]: entry["stream"]["json_schema"] for entry in catalog["streams"]
    }
    assert output.returncode == 0 and not output.errors()
    assert set(schemas) == set(STREAM_NAMES)
    assert {stream for stream in STREAM_NAMES if not output.records(stream)} == set()
    undeclared = {
        stream: sorted(undeclared_keys(output.records(stream), schemas[stream]))
        for stream in STREAM_NAMES
    }
    assert {stream: keys for stream, keys in undeclared.items() if keys} == {}
