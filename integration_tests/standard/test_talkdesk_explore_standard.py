"""CDK standard tests for source-talkdesk-explore against the Talkdesk sandbox, plus incremental
reads as time passes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401
from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.talkdesk_sandbox import TalkdeskSandbox
from source_talkdesk_explore import SourceTalkdeskExplore

from .catalog_checks import CATALOG_WARNINGS_ARE_ERRORS
from .image_tests import OnTheBuiltImages
from .sandbox_accounts import (
    TALKDESK_ROOT,
    recent_talkdesk_account,
    small_talkdesk_account,
    talkdesk_config,
    talkdesk_live_addresses,
    talkdesk_stream_names,
)
from .sandbox_binding import bind_to_sandbox
from .summary_lines import SUMMARY_FIELDS, summary_lines

CONNECTOR_ROOT = TALKDESK_ROOT
# The shipped streams and the acceptance config's custom report (its name is its report type).
STREAMS = talkdesk_stream_names()

pytestmark = CATALOG_WARNINGS_ARE_ERRORS


class TestTalkdeskExploreStandard(OnTheBuiltImages, SourceTestSuiteBase):
    sandbox: TalkdeskSandbox | None = None

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return CONNECTOR_ROOT

    @classmethod
    def create_connector(cls, scenario: Any) -> SourceTalkdeskExplore:
        return bind_to_sandbox(SourceTalkdeskExplore(), cls._live_addresses)

    @classmethod
    def _live_addresses(cls) -> dict[str, str]:
        if cls.sandbox is None:
            raise RuntimeError("the Talkdesk sandbox fixture is not running")
        return talkdesk_live_addresses(cls.sandbox)

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def running_sandbox(cls) -> Iterator[TalkdeskSandbox]:
        with TalkdeskSandbox(small_talkdesk_account()) as sandbox:
            cls.sandbox = sandbox
            try:
                yield sandbox
            finally:
                cls.sandbox = None


def _read(
    sandbox: TalkdeskSandbox, states: dict[str, dict] | None = None, **overrides: Any
) -> EntrypointOutput:
    builder = CatalogBuilder()
    for report_type in STREAMS:
        builder = builder.with_stream(report_type, SyncMode.incremental)
    state_builder = StateBuilder()
    for stream, state in (states or {}).items():
        state_builder = state_builder.with_stream_state(stream, state)
    config = talkdesk_config(sandbox) | overrides
    return read(SourceTalkdeskExplore(), config, builder.build(), state_builder.build() or None)


def _final_states(output: EntrypointOutput) -> dict[str, dict]:
    states: dict[str, dict] = {}
    for message in output.state_messages:
        stream_state = message.state.stream
        states[stream_state.stream_descriptor.name] = stream_state.stream_state.__dict__
    return states


def _keys(output: EntrypointOutput, sandbox: TalkdeskSandbox) -> dict[str, list[tuple]]:
    config = talkdesk_config(sandbox)
    primary_keys = {
        stream.name: stream.primary_key for stream in SourceTalkdeskExplore().streams(config)
    }
    keys: dict[str, list[tuple]] = {name: [] for name in STREAMS}
    for message in output.records:
        record = message.record
        pk = primary_keys[record.stream]
        fields = [pk] if isinstance(pk, str) else [part[0] for part in pk]
        keys[record.stream].append(tuple(record.data[field] for field in fields))
    return keys


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class TestTalkdeskExploreIncremental:
    """The standard suite reads full refresh only; these pin what syncs with state read."""

    @pytest.fixture
    def sandbox(self) -> Iterator[TalkdeskSandbox]:
        # Busy enough that every report type has rows in any twelve hours.
        with TalkdeskSandbox(recent_talkdesk_account()) as running:
            yield running

    def test_first_sync_reads_every_row_up_to_the_saved_cursor(
        self, sandbox: TalkdeskSandbox
    ) -> None:
        output = _read(sandbox)

        assert not output.errors
        states = _final_states(output)
        keys = _keys(output, sandbox)
        for report_type in STREAMS:
            (cursor,) = states[report_type].values()
            truth = sandbox.rows(report_type, sandbox.history_start, _instant(cursor))
            assert len(keys[report_type]) == len(truth) > 0, report_type
            assert len(set(keys[report_type])) == len(truth), f"duplicates in {report_type}"

    def test_second_sync_hours_later_reads_only_the_new_rows(
        self, sandbox: TalkdeskSandbox
    ) -> None:
        # The source reads up to its own clock minus the freshness lag, so a first sync that
        # lagged twelve hours behind stands for a sync twelve hours ago.
        first = _read(sandbox, freshness_lag_minutes=12 * 60)
        first_states = _final_states(first)
        first_keys = _keys(first, sandbox)

        second = _read(sandbox, first_states)

        assert not second.errors
        second_states = _final_states(second)
        second_keys = _keys(second, sandbox)
        for report_type in STREAMS:
            (old_cursor,) = first_states[report_type].values()
            (new_cursor,) = second_states[report_type].values()
            new_rows = sandbox.rows(report_type, _instant(old_cursor), _instant(new_cursor))
            assert len(second_keys[report_type]) == len(new_rows) > 0, report_type
            assert not set(second_keys[report_type]) & set(first_keys[report_type]), report_type


def test_every_stream_logs_one_summary_line_with_its_counters() -> None:
    with TalkdeskSandbox(recent_talkdesk_account()) as sandbox:
        output = _read(sandbox)

        lines = summary_lines(output)
        states = _final_states(output)
        assert sorted(lines) == sorted(STREAMS)
        for stream, found in lines.items():
            assert len(found) == 1, stream
            assert {*SUMMARY_FIELDS, "jobs"} <= set(found[0]), stream
            (cursor,) = states[stream].values()
            rows = sandbox.rows(stream, sandbox.history_start, _instant(cursor))
            assert int(found[0]["records"]) == len(rows), stream
