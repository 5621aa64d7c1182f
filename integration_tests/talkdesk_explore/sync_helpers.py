"""Helpers for the connector's integration tests: catalogs, ground truth, key sets, live runs."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from connector_common.datetimes import parse_datetime
from integration_tests.connector_runner import (
    SyncOutput,
    run_source,
    start_connector,
)
from integration_tests.talkdesk_sandbox import TalkdeskSandbox
from source_talkdesk_explore.streams import STREAM_CLASSES

SCRIPT = "source-talkdesk-explore"
STREAMS = tuple(stream.report_type for stream in STREAM_CLASSES)
PRIMARY_KEYS = {
    stream.report_type: tuple(
        [stream.primary_key]
        if isinstance(stream.primary_key, str)
        else [p[0] for p in stream.primary_key]
    )
    for stream in STREAM_CLASSES
}
CURSORS = {stream.report_type: stream.cursor_field for stream in STREAM_CLASSES}
UTC = timezone.utc


def days_ago(sandbox: TalkdeskSandbox, days: float) -> datetime:
    """Midnight UTC `days` before the sandbox's now (midnight keeps windows day-aligned)."""
    return (sandbox.now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def catalog(streams: Iterable[str] = STREAMS, sync_mode: str = "incremental") -> dict[str, Any]:
    configured = []
    for name in streams:
        stream = {
            "name": name,
            "json_schema": {},
            "supported_sync_modes": ["full_refresh", "incremental"],
        }
        entry = {"stream": stream, "sync_mode": sync_mode, "destination_sync_mode": "append"}
        # A custom report's cursor is the source's to define.
        if sync_mode == "incremental" and name in CURSORS:
            entry["cursor_field"] = [CURSORS[name]]
        configured.append(entry)
    return {"streams": configured}


def read(
    sandbox_config: Mapping[str, Any],
    streams: Iterable[str] = STREAMS,
    state: Sequence[Mapping[str, Any]] | None = None,
    sync_mode: str = "incremental",
    timeout: float = 120,
) -> SyncOutput:
    return run_source(SCRIPT, "read", sandbox_config, catalog(streams, sync_mode), state, timeout)


def check(config: Mapping[str, Any]) -> SyncOutput:
    return run_source(SCRIPT, "check", config, timeout=60)


def watermark(output: SyncOutput, stream: str) -> datetime:
    """The stream's final state value (the end of its last fully emitted window)."""
    (value,) = output.state_messages(stream)[-1]["stream"]["stream_state"].values()
    moment = parse_datetime(value)
    assert moment is not None
    return moment


def key(stream: str, record: Mapping[str, Any]) -> tuple:
    return tuple(record.get(field) for field in PRIMARY_KEYS[stream])


def keys(stream: str, records: Iterable[Mapping[str, Any]]) -> Counter[tuple]:
    return Counter(key(stream, record) for record in records)


def truth(sandbox: TalkdeskSandbox, stream: str, start: datetime, end: datetime) -> Counter[tuple]:
    return keys(stream, sandbox.rows(stream, start, end))


def state_file(states: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": name}, "stream_state": dict(value)},
        }
        for name, value in states.items()
    ]


class LiveRead:
    """A read running as a subprocess whose stdout the test consumes line by line."""

    def __init__(
        self, config: Mapping[str, Any], streams: Iterable[str] = STREAMS, state=None
    ) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="talkdesk-live-")
        args = ["read"]
        for name, value in (("config", config), ("catalog", catalog(streams)), ("state", state)):
            if value is None:
                continue
            path = Path(self._dir.name) / f"{name}.json"
            path.write_text(json.dumps(value))
            args += [f"--{name}", str(path)]
        # A kill can cut the last line inside a character (rows carry emoji and CJK text): that
        # line is dropped as cut off (finish), every complete line before it decodes as sent.
        self.process = start_connector(
            SCRIPT, args, env={**os.environ, "PYTHONUNBUFFERED": "1"}, errors="replace"
        )
        self.messages: list[dict[str, Any]] = []

    def messages_until(self, predicate) -> None:
        """Consume stdout until `predicate(message)` holds (or the process ends)."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if not line.startswith("{"):
                continue
            message = json.loads(line)
            self.messages.append(message)
            if predicate(message):
                return

    def finish(self, timeout: float = 120) -> SyncOutput:
        # Read through the same buffered file object: communicate() would bypass lines it holds.
        assert self.process.stdout is not None and self.process.stderr is not None
        stdout = self.process.stdout.read()
        stderr = self.process.stderr.read()
        self.process.wait(timeout)
        for line in stdout.splitlines():
            if not line.startswith("{"):
                continue
            try:
                self.messages.append(json.loads(line))
            except json.JSONDecodeError:
                # Only a killed process may leave a cut-off last line behind.
                assert self.process.returncode != 0 and line == stdout.splitlines()[-1]
        self._dir.cleanup()
        return SyncOutput(self.messages, self.process.returncode, stderr, 0.0, stdout)

    def kill(self) -> SyncOutput:
        self.process.kill()
        return self.finish()
