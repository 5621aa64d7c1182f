"""The columns a real sync emits against those its discovered schemas declare, for every stream and
both Calls layouts: the platform drops a column the schema does not declare, so an undeclared
column is data lost without an error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from integration_tests.connector_runner import SyncOutput, run_source
from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings

from .sync_helpers import SCRIPT, STREAMS, days_ago, iso, read

# Calls jobs answered in the layout of requests before 2026-05-11; later ones get the current one.
LEGACY_CALLS_JOBS = 2


@dataclass(frozen=True)
class DeclaredAndEmitted:
    declared: dict[str, set[str]]
    output: SyncOutput


def discovered_columns(config: dict[str, Any]) -> dict[str, set[str]]:
    discovered = run_source(SCRIPT, "discover", config)
    assert discovered.returncode == 0, discovered.errors()
    (catalog,) = discovered.of_type("CATALOG")
    return {
        stream["name"]: set(stream["json_schema"]["properties"])
        for stream in catalog["catalog"]["streams"]
    }


def emitted_columns(records: list[dict[str, Any]]) -> set[str]:
    return {column for record in records for column in record}


@pytest.fixture(scope="module")
def sync() -> Iterator[DeclaredAndEmitted]:
    settings = TalkdeskSandboxSettings(job_duration_s=0.05, legacy_calls_jobs=LEGACY_CALLS_JOBS)
    with TalkdeskSandbox(settings) as sandbox:
        # Four weekly windows per stream: two calls windows in each layout.
        config = sandbox.config(start_date=iso(days_ago(sandbox, 28)), window_in_days=7)
        declared = discovered_columns(config)
        output = read(config)
    assert output.returncode == 0, output.errors()
    yield DeclaredAndEmitted(declared, output)


def calls_by_layout(output: SyncOutput) -> dict[str, list[dict[str, Any]]]:
    records = output.records("calls")
    return {
        "before 2026-05-11": [record for record in records if "call_type" in record],
        "from 2026-05-11": [record for record in records if "call_type" not in record],
    }


@pytest.mark.parametrize("stream", STREAMS)
def test_no_record_carries_a_column_its_discovered_schema_does_not_declare(
    sync: DeclaredAndEmitted, stream: str
) -> None:
    records = sync.output.records(stream)
    assert records, stream

    undeclared = emitted_columns(records) - sync.declared[stream]

    assert not undeclared, f"{stream} emits columns its schema does not declare: {undeclared}"


@pytest.mark.parametrize("layout", ["before 2026-05-11", "from 2026-05-11"])
def test_no_calls_record_of_either_layout_carries_an_undeclared_column(
    sync: DeclaredAndEmitted, layout: str
) -> None:
    records = calls_by_layout(sync.output)[layout]
    assert records, layout

    undeclared = emitted_columns(records) - sync.declared["calls"]

    assert not undeclared, f"calls ({layout}) emits undeclared columns: {undeclared}"


@pytest.mark.parametrize("stream", STREAMS)
def test_the_sandbox_sends_every_column_the_schema_declares(
    sync: DeclaredAndEmitted, stream: str
) -> None:
    # What keeps the check above honest: a declared column the sandbox never sends would let a
    # renamed or dropped column pass unseen.
    never_sent = sync.declared[stream] - emitted_columns(sync.output.records(stream))

    assert not never_sent, f"{stream} declares columns no synced record carries: {never_sent}"
