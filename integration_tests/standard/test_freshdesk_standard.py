"""CDK standard tests for source-freshdesk against the Freshdesk sandbox, plus incremental reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401
from airbyte_cdk.test.state_builder import StateBuilder

from integration_tests.freshdesk_sandbox import FreshdeskSandbox
from source_freshdesk import SourceFreshdesk

from .catalog_checks import CATALOG_WARNINGS_ARE_ERRORS
from .image_tests import OnTheBuiltImages
from .sandbox_accounts import (
    FRESHDESK_ROOT,
    acceptance_config,
    freshdesk_live_addresses,
    small_freshdesk_account,
)
from .sandbox_binding import bind_to_sandbox, rewrite_addresses
from .summary_lines import SUMMARY_FIELDS, summary_lines

CONNECTOR_ROOT = FRESHDESK_ROOT

pytestmark = CATALOG_WARNINGS_ARE_ERRORS


class TestFreshdeskStandard(OnTheBuiltImages, SourceTestSuiteBase):
    sandbox: FreshdeskSandbox | None = None

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return CONNECTOR_ROOT

    @classmethod
    def create_connector(cls, scenario: Any) -> SourceFreshdesk:
        return bind_to_sandbox(SourceFreshdesk(), cls._live_addresses)

    @classmethod
    def _live_addresses(cls) -> dict[str, str]:
        if cls.sandbox is None:
            raise RuntimeError("the Freshdesk sandbox fixture is not running")
        return freshdesk_live_addresses(cls.sandbox)

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def running_sandbox(cls) -> Iterator[FreshdeskSandbox]:
        with FreshdeskSandbox(small_freshdesk_account()) as sandbox:
            cls.sandbox = sandbox
            try:
                yield sandbox
            finally:
                cls.sandbox = None


def _sandbox_config(sandbox: FreshdeskSandbox) -> dict[str, Any]:
    """The acceptance-test config, as the bound source will see it for this sandbox."""
    return rewrite_addresses(acceptance_config(CONNECTOR_ROOT), freshdesk_live_addresses(sandbox))


def _read(
    sandbox: FreshdeskSandbox, stream: str, state: dict[str, Any] | None = None
) -> EntrypointOutput:
    catalog = CatalogBuilder().with_stream(stream, SyncMode.incremental).build()
    state_messages = StateBuilder().with_stream_state(stream, state).build() if state else None
    return read(SourceFreshdesk(), _sandbox_config(sandbox), catalog, state_messages)


def _final_state(output: EntrypointOutput) -> dict[str, Any]:
    return output.most_recent_state.stream_state.__dict__


def _cursor_values(state: Any) -> Iterator[str]:
    if isinstance(state, dict):
        for key, value in state.items():
            if key == "updated_at" and isinstance(value, str):
                yield value
            else:
                yield from _cursor_values(value)


def _ids(output: EntrypointOutput) -> list[int]:
    return [message.record.data["id"] for message in output.records]


class TestFreshdeskIncremental:
    """The standard suite reads full refresh only; these pin what a second sync with state reads."""

    @pytest.fixture
    def sandbox(self) -> Iterator[FreshdeskSandbox]:
        with FreshdeskSandbox(small_freshdesk_account()) as running:
            yield running

    @pytest.mark.parametrize("stream", ["tickets", "contacts", "companies"])
    def test_first_sync_reads_the_whole_account_and_saves_a_cursor(
        self, sandbox: FreshdeskSandbox, stream: str
    ) -> None:
        output = _read(sandbox, stream)

        assert not output.errors
        assert sorted(_ids(output)) == sorted(r["id"] for r in sandbox.records(stream))
        assert _final_state(output).get("updated_at")

    @pytest.mark.parametrize(
        ("stream", "update"),
        [
            ("tickets", lambda sandbox, record_id: sandbox.update_ticket(record_id, priority=4)),
            ("contacts", lambda sandbox, record_id: sandbox.update_contact(record_id, name="Z")),
            ("companies", lambda sandbox, record_id: sandbox.update_company(record_id, name="Z")),
        ],
        ids=["tickets", "contacts", "companies"],
    )
    def test_second_sync_with_state_reads_only_what_changed(
        self, sandbox: FreshdeskSandbox, stream: str, update: Any
    ) -> None:
        first = _read(sandbox, stream)
        cursor = _final_state(first)["updated_at"]
        # A record of the default view (deleted and spam tickets keep cursors of their own).
        changed_id = min(
            r["id"] for r in sandbox.records(stream) if not (r.get("deleted") or r.get("spam"))
        )
        update(sandbox, changed_id)

        second = _read(sandbox, stream, state=_final_state(first))

        assert not second.errors
        # Records updated exactly at a saved cursor may be re-read (the filter is inclusive; tickets
        # keep one cursor per view: default, deleted, spam); nothing older may come back.
        cursors = set(_cursor_values(_final_state(first)))
        boundary = {r["id"] for r in sandbox.records(stream) if r["updated_at"] in cursors}
        assert changed_id in _ids(second)
        assert set(_ids(second)) <= {changed_id} | boundary
        assert _final_state(second)["updated_at"] > cursor


def test_every_stream_logs_one_summary_line_with_its_counters() -> None:
    with FreshdeskSandbox(small_freshdesk_account()) as sandbox:
        config = _sandbox_config(sandbox)
        names = [stream.name for stream in SourceFreshdesk().streams(config)]
        builder = CatalogBuilder()
        for name in names:
            builder = builder.with_stream(name, SyncMode.full_refresh)
        output = read(SourceFreshdesk(), config, builder.build())

        lines = summary_lines(output)
        assert sorted(lines) == sorted(names)
        for stream, found in lines.items():
            assert len(found) == 1, stream
            assert set(SUMMARY_FIELDS) <= set(found[0]), stream
            assert int(found[0]["records"]) == len(sandbox.records(stream)), stream
