"""Runs a source's console script the way the Airbyte platform does, and reads what it printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from integration_tests.prewarmed_launcher import ENTRY_POINTS, LaunchedProcess, prewarmed

SUMMARY_RE = re.compile(r"Sync summary: stream=(?P<stream>\S+) (?P<rest>.*)$")


def console_script(name: str) -> str:
    """The console script next to this interpreter (the project's virtualenv)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


@dataclass
class SyncOutput:
    messages: list[dict[str, Any]]
    returncode: int
    stderr: str
    seconds: float
    stdout_text: str = field(repr=False, default="")

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    def records(self, stream: str | None = None) -> list[dict[str, Any]]:
        return [
            m["record"]["data"]
            for m in self.of_type("RECORD")
            if stream is None or m["record"]["stream"] == stream
        ]

    def record_counts(self) -> Counter[str]:
        return Counter(m["record"]["stream"] for m in self.of_type("RECORD"))

    def state_messages(self, stream: str | None = None) -> list[dict[str, Any]]:
        return [
            m["state"]
            for m in self.of_type("STATE")
            if stream is None or m["state"]["stream"]["stream_descriptor"]["name"] == stream
        ]

    def final_states(self) -> list[dict[str, Any]]:
        """The last state of each stream, as a state file for the next read."""
        latest: dict[str, dict[str, Any]] = {}
        for state in self.state_messages():
            latest[state["stream"]["stream_descriptor"]["name"]] = state
        return [{"type": "STREAM", "stream": s["stream"]} for s in latest.values()]

    def errors(self) -> list[dict[str, Any]]:
        return [m["trace"]["error"] for m in self.of_type("TRACE") if m["trace"]["type"] == "ERROR"]

    def logs(self, level: str | None = None) -> list[str]:
        return [
            m["log"]["message"]
            for m in self.of_type("LOG")
            if level is None or m["log"]["level"] == level
        ]

    def summaries(self) -> dict[str, dict[str, str]]:
        """The `Sync summary:` line each stream logs, as key=value pairs."""
        found: dict[str, dict[str, str]] = {}
        for line in self.logs("INFO"):
            match = SUMMARY_RE.search(line)
            if not match:
                continue
            rest = match.group("rest")
            skipped = rest.split("skipped=", 1)[1] if " skipped=" in f" {rest}" else "-"
            pairs = dict(p.split("=", 1) for p in rest.split(" skipped=")[0].split() if "=" in p)
            found[match.group("stream")] = {**pairs, "skipped": skipped}
        return found

    def stream_seconds(self) -> dict[str, float]:
        started: dict[str, float] = {}
        seconds: dict[str, float] = {}
        for message in self.of_type("TRACE"):
            trace = message["trace"]
            if trace["type"] != "STREAM_STATUS":
                continue
            name = trace["stream_status"]["stream_descriptor"]["name"]
            status = trace["stream_status"]["status"]
            if status == "STARTED":
                started[name] = trace["emitted_at"]
            elif status in ("COMPLETE", "INCOMPLETE") and name in started:
                seconds[name] = (trace["emitted_at"] - started[name]) / 1000
        return seconds


def run_source(
    script: str,
    command: str,
    config: Mapping[str, Any],
    catalog: Mapping[str, Any] | None = None,
    state: Sequence[Mapping[str, Any]] | None = None,
    timeout: float = 600,
) -> SyncOutput:
    with tempfile.TemporaryDirectory(prefix="airbyte-run-") as workdir:
        args = [console_script(script), command, "--config", _dump(workdir, "config", config)]
        if catalog is not None:
            args += ["--catalog", _dump(workdir, "catalog", catalog)]
        if state is not None:
            args += ["--state", _dump(workdir, "state", list(state))]
        started = time.perf_counter()
        process = start_connector(script, args[1:], env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        seconds = time.perf_counter() - started
    messages = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return SyncOutput(messages, process.returncode or 0, stderr or "", seconds, stdout)


def start_connector(
    script: str,
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    capture_stderr: bool = True,
    errors: str = "strict",
) -> subprocess.Popen[str] | LaunchedProcess:
    """A connector process running `script args`, its stdout (and stderr) piped as text: forked
    from the prewarmed launcher when it is one of this project's, or through the console script
    (any other script, such as another connector's path, or with CONNECTOR_LAUNCH=exec).
    `errors` is how undecodable bytes are read: "replace" for a process the test may kill, whose
    last line can end inside a multi-byte character."""
    environment = dict(os.environ if env is None else env)
    if prewarmed() and script in ENTRY_POINTS:
        return LaunchedProcess(script, args, environment, capture_stderr, errors)
    return subprocess.Popen(
        [console_script(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if capture_stderr else subprocess.DEVNULL,
        text=True,
        errors=errors,
        env=environment,
    )


def discover_catalog(
    script: str, config: Mapping[str, Any], streams: Sequence[str] | None = None
) -> dict[str, Any]:
    """A configured catalog of every stream (or the named ones), incremental where supported."""
    output = run_source(script, "discover", config)
    (catalog,) = [m["catalog"] for m in output.of_type("CATALOG")]
    configured = []
    for stream in catalog["streams"]:
        if streams is not None and stream["name"] not in streams:
            continue
        incremental = "incremental" in stream["supported_sync_modes"]
        configured.append(
            {
                "stream": stream,
                "sync_mode": "incremental" if incremental else "full_refresh",
                "destination_sync_mode": "append",
                **({"cursor_field": stream["default_cursor_field"]} if incremental else {}),
            }
        )
    return {"streams": configured}


def _dump(workdir: str, name: str, value: Any) -> str:
    path = Path(workdir) / f"{name}.json"
    path.write_text(json.dumps(value))
    return str(path)
