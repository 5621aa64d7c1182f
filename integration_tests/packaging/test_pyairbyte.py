"""Both sources read through PyAirbyte (the `airbyte` package) from a fresh virtualenv into DuckDB.

PyAirbyte is installed only in that virtualenv (never a dependency of this project); the project
goes in as a wheel and PyAirbyte runs its console scripts as local executables, offline.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from integration_tests.freshdesk_sandbox import STREAM_NAMES, FreshdeskSandbox
from integration_tests.standard.sandbox_accounts import (
    FRESHDESK_ROOT,
    acceptance_config,
    freshdesk_live_addresses,
    recent_talkdesk_account,
    small_freshdesk_account,
    talkdesk_config,
)
from integration_tests.standard.sandbox_binding import rewrite_addresses
from integration_tests.talkdesk_sandbox import REPORT_TYPES, TalkdeskSandbox
from source_freshdesk import SourceFreshdesk
from source_freshdesk.config import FreshdeskConfig
from source_freshdesk.state import parse_datetime
from source_freshdesk.streams.base import FreshdeskStream, IncrementalStream

from .fresh_venv import build_project_wheel, ensure_pyairbyte_venv, install_project, python_of

pytestmark = pytest.mark.slow

PROBE = Path(__file__).with_name("pyairbyte_probe.py")


@pytest.fixture(scope="module")
def pyairbyte_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    environment = ensure_pyairbyte_venv()
    install_project(environment, build_project_wheel(tmp_path_factory.mktemp("wheel")))
    return environment


def read_through_pyairbyte(
    environment: Path, source_name: str, config: dict[str, Any], workdir: Path
) -> dict[str, Any]:
    """One PyAirbyte read into the DuckDB cache under `workdir` (state persists there)."""
    request = {
        "source_name": source_name,
        "executable": str(environment / "bin" / source_name),
        "config": config,
        "cache_dir": str(workdir / "duckdb"),
        "streams": None,
    }
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    completed = subprocess.run(
        [str(python_of(environment)), str(PROBE)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        # A Freshdesk read of every stream took ~220 s with the suite's other processes sharing two
        # cores; the bound is there to stop a hung read, not to time a healthy one.
        timeout=900,
    )
    # Secrets are sandbox-only, but the probe's stderr is PyAirbyte's log: show only its tail.
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


Key = tuple[str, ...]


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _written_keys(summary: dict[str, Any], stream: str) -> set[Key]:
    """Primary keys (composite ones included) as tuples of strings, as the probe reports them."""
    return {tuple(key) for key in summary["streams"][stream]["written_keys"]}


def _freshdesk_streams(config: dict[str, Any]) -> dict[str, FreshdeskStream]:
    return {
        stream.name: stream
        for stream in SourceFreshdesk().endpoint_streams(FreshdeskConfig.from_mapping(config))
    }


def _key_fields(stream: FreshdeskStream) -> list[str]:
    key = stream.primary_key
    return [key] if isinstance(key, str) else [str(field) for field in key or []]


def _key_of(stream: FreshdeskStream, record: dict[str, Any]) -> Key:
    return tuple(str(record[field]) for field in _key_fields(stream))


# Marks a stream whose primary key the connector derives, so the sandbox cannot list it.
DERIVED_KEYS: set[Key] = {("<derived>",)}


def _saved_cursors(stream_state: dict[str, Any], cursor_field: str) -> list[datetime]:
    """Every cursor a state holds: the stream's own and those of its views (tickets, contacts)."""
    values = [stream_state.get(cursor_field)]
    values += [v.get(cursor_field) for v in stream_state.values() if isinstance(v, dict)]
    return [parsed for parsed in map(parse_datetime, values) if parsed is not None]


def allowed_rereads(
    sandbox: FreshdeskSandbox,
    stream: FreshdeskStream,
    stream_state: dict[str, Any] | None,
) -> set[Key] | None:
    """Records an unchanged account may send again on an incremental read with this state:
    those at or after the earliest saved cursor (Freshdesk's *_since filters are inclusive).
    None = every record (full-refresh streams have no cursor)."""
    records = sandbox.records(stream.name)
    if not stream_state or "__ab_no_cursor_state_message" in stream_state:
        return None
    if "ticket_updated_at" in stream_state:
        cursor = _instant(stream_state["ticket_updated_at"])
        tickets = {
            t["id"] for t in sandbox.records("tickets") if _instant(t["updated_at"]) >= cursor
        }
        return {_key_of(stream, r) for r in records if r["ticket_id"] in tickets}
    if not isinstance(stream, IncrementalStream) or not isinstance(stream.cursor_field, str):
        return None
    if records and any(field not in records[0] for field in _key_fields(stream)):
        # The key is the connector's own (a content hash for activity rows): only the incremental
        # total below can be checked for such a stream.
        return DERIVED_KEYS
    saved = _saved_cursors(stream_state, stream.cursor_field)
    if not saved:  # a state of its own form (archived tickets: the ids probed): nothing re-read
        return set()
    earliest = min(saved)
    return {
        _key_of(stream, r)
        for r in records
        if (cursor := stream.cursor_value(r)) is None or cursor >= earliest
    }


class TestFreshdeskThroughPyAirbyte:
    @pytest.fixture
    def sandbox(self) -> Iterator[FreshdeskSandbox]:
        with FreshdeskSandbox(small_freshdesk_account()) as running:
            yield running

    def test_reads_every_stream_then_only_changed_records(
        self, pyairbyte_env: Path, sandbox: FreshdeskSandbox, tmp_path: Path
    ) -> None:
        config = rewrite_addresses(
            acceptance_config(FRESHDESK_ROOT), freshdesk_live_addresses(sandbox)
        )

        first = read_through_pyairbyte(pyairbyte_env, "source-freshdesk", config, tmp_path)

        truth = {stream: len(sandbox.records(stream)) for stream in STREAM_NAMES}
        assert {s: first["streams"][s]["rows"] for s in STREAM_NAMES} == truth

        ticket = min(
            r["id"] for r in sandbox.records("tickets") if not (r.get("deleted") or r.get("spam"))
        )
        contact = min(r["id"] for r in sandbox.records("contacts"))
        streams = _freshdesk_streams(config)
        allowed = {
            s: allowed_rereads(sandbox, streams[s], first["streams"][s]["state"])
            for s in STREAM_NAMES
        }
        sandbox.update_ticket(ticket, priority=4)
        sandbox.update_contact(contact, name="Changed Name")
        changed = {
            "tickets": {(str(ticket),)},
            "contacts": {(str(contact),)},
            "conversations": {
                (str(r["id"]),)
                for r in sandbox.records("conversations")
                if r["ticket_id"] == ticket
            },
            # Its files are listed again with its conversations (the parent's cursor moved).
            "ticket_attachments": {
                _key_of(streams["ticket_attachments"], r)
                for r in sandbox.records("ticket_attachments")
                if r["ticket_id"] == ticket
            },
        }

        second = read_through_pyairbyte(pyairbyte_env, "source-freshdesk", config, tmp_path)

        # Merged by primary key: the cache still holds exactly the account.
        assert {s: second["streams"][s]["rows"] for s in STREAM_NAMES} == truth
        for stream in STREAM_NAMES:
            written = _written_keys(second, stream)
            if allowed[stream] is None:  # full refresh: read whole every time
                assert len(written) == truth[stream], stream
                continue
            if allowed[stream] is DERIVED_KEYS:
                continue
            assert changed.get(stream, set()) <= written, stream
            assert written <= changed.get(stream, set()) | allowed[stream], stream
        # The incremental streams did re-read little: the boundary records only.
        incremental = [s for s in STREAM_NAMES if allowed[s] is not None]
        assert (
            sum(len(_written_keys(second, s)) for s in incremental)
            < sum(truth[s] for s in incremental) / 4
        )


class TestTalkdeskExploreThroughPyAirbyte:
    @pytest.fixture
    def sandbox(self) -> Iterator[TalkdeskSandbox]:
        # Busy enough that every report type has rows in any twelve hours.
        with TalkdeskSandbox(recent_talkdesk_account()) as running:
            yield running

    def test_reads_every_report_then_only_rows_newer_than_the_saved_cursor(
        self, pyairbyte_env: Path, sandbox: TalkdeskSandbox, tmp_path: Path
    ) -> None:
        config = talkdesk_config(sandbox)
        # The source reads up to its clock minus the freshness lag: a twelve-hour lag on the first
        # read stands for a sync twelve hours ago, and the rows of those hours are the change the
        # second read must add.
        lagging = config | {"freshness_lag_minutes": 12 * 60}

        first = read_through_pyairbyte(pyairbyte_env, "source-talkdesk-explore", lagging, tmp_path)

        first_ends = {}
        for report_type in REPORT_TYPES:
            summary = first["streams"][report_type]
            (first_ends[report_type],) = map(_instant, summary["state"].values())
            truth = sandbox.rows(report_type, sandbox.history_start, first_ends[report_type])
            assert summary["rows"] == len(truth) > 0, report_type

        second = read_through_pyairbyte(pyairbyte_env, "source-talkdesk-explore", config, tmp_path)

        for report_type in REPORT_TYPES:
            summary = second["streams"][report_type]
            (second_end,) = map(_instant, summary["state"].values())
            new_rows = sandbox.rows(report_type, first_ends[report_type], second_end)
            assert summary["written"] == len(new_rows) > 0, report_type
            everything = sandbox.rows(report_type, sandbox.history_start, second_end)
            assert summary["rows"] == len(everything), report_type
