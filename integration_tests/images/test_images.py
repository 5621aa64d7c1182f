"""Both images, built from /Dockerfile, answer every verb as the platform runs them and sync exactly
what the same connector syncs outside the container."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import yaml

from integration_tests.connector_runner import (
    SyncOutput,
    console_script,
    discover_catalog,
    run_source,
)

from .conftest import Connector
from .container import Launch, inspect, run_in_image
from .environment import REPO_ROOT

pytestmark = pytest.mark.image_tests

LAUNCHES = pytest.mark.parametrize("launch", list(Launch), ids=lambda launch: launch.value)


def _single(output: SyncOutput, kind: str) -> dict[str, Any]:
    found = output.of_type(kind)
    assert output.returncode == 0 and len(found) == 1, output.stderr[-2000:] or output.stdout_text
    return found[0]


def _records_by_stream(output: SyncOutput) -> dict[str, list[str]]:
    """Each stream's records as canonical JSON, in a stable order (slices may finish in any)."""
    records: dict[str, list[str]] = {}
    for message in output.of_type("RECORD"):
        record = message["record"]
        records.setdefault(record["stream"], []).append(json.dumps(record["data"], sort_keys=True))
    return {stream: sorted(found) for stream, found in records.items()}


def _final_states(output: SyncOutput) -> dict[str, Any]:
    """Each stream's last state (streams read concurrently may finish in any order)."""
    return {
        state["stream"]["stream_descriptor"]["name"]: state["stream"]["stream_state"]
        for state in output.final_states()
    }


@dataclass(frozen=True)
class TimedRead:
    output: SyncOutput
    started: float  # epoch seconds
    finished: float


def _timed(read: Any, *args: Any, **kwargs: Any) -> TimedRead:
    started = time.time()
    output = read(*args, **kwargs)
    return TimedRead(output, started, time.time())


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _differences(inside: Any, outside: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Each leaf where two states differ, as (path, inside value, outside value)."""
    if isinstance(inside, dict) and isinstance(outside, dict) and inside.keys() == outside.keys():
        return [
            d for key in inside for d in _differences(inside[key], outside[key], f"{path}.{key}")
        ]
    return [] if inside == outside else [(path, inside, outside)]


def assert_same_final_states(inside: TimedRead, outside: TimedRead) -> None:
    """Each stream's final state is the same in both reads, but for the times of the reads.

    Some state values record when a read ran (the end of the window a report read, when the
    ticket views were walked), so two reads of the same data save them seconds apart: a value
    may differ only if both are timestamps no further apart than the two reads could have looked
    at the clock (plus the second they are rounded to). Every other value must be equal.
    """
    apart = max(inside.finished - outside.started, outside.finished - inside.started) + 1
    unexplained = []
    for path, here, there in _differences(
        _final_states(inside.output), _final_states(outside.output)
    ):
        here_at, there_at = _timestamp(here), _timestamp(there)
        if here_at is None or there_at is None or abs((here_at - there_at).total_seconds()) > apart:
            unexplained.append((path, here, there))
    assert not unexplained


def test_image_runs_its_connector_as_the_non_root_user_with_matching_entrypoints(
    connector: Connector,
) -> None:
    config = inspect(connector.image)["Config"]
    environment = dict(variable.split("=", 1) for variable in config["Env"])
    metadata = yaml.safe_load(
        (REPO_ROOT / "connectors" / connector.name / "metadata.yaml").read_text(encoding="utf-8")
    )["data"]

    assert config["User"] == "airbyte"
    assert " ".join(config["Entrypoint"]) == environment["AIRBYTE_ENTRYPOINT"]
    assert config["Labels"]["io.airbyte.name"] == metadata["dockerRepository"]
    assert config["Labels"]["io.airbyte.version"] == str(metadata["dockerImageTag"])


@LAUNCHES
def test_spec_in_the_image_is_the_packages_spec(connector: Connector, launch: Launch) -> None:
    outside = subprocess.run(
        [console_script(connector.name), "spec"], capture_output=True, text=True, check=True
    )
    (expected,) = [
        json.loads(line)["spec"] for line in outside.stdout.splitlines() if '"SPEC"' in line
    ]

    inside = run_in_image(connector.image, "spec", launch)

    assert _single(inside, "SPEC")["spec"] == expected


@LAUNCHES
def test_check_in_the_image_succeeds_against_the_sandbox(
    connector: Connector, launch: Launch
) -> None:
    output = run_in_image(connector.image, "check", launch, config=connector.config)

    assert _single(output, "CONNECTION_STATUS")["connectionStatus"]["status"] == "SUCCEEDED"


@LAUNCHES
def test_discover_in_the_image_equals_discover_outside(
    connector: Connector, launch: Launch
) -> None:
    outside = run_source(connector.name, "discover", connector.config)

    inside = run_in_image(connector.image, "discover", launch, config=connector.config)

    assert _single(inside, "CATALOG") == _single(outside, "CATALOG")


@pytest.fixture(scope="module")
def outside_read(connector: Connector) -> tuple[dict[str, Any], TimedRead]:
    """The catalog of every stream (incremental where offered) and its read outside the image."""
    catalog = discover_catalog(connector.name, connector.config)
    read = _timed(run_source, connector.name, "read", connector.config, catalog)
    assert read.output.returncode == 0 and not read.output.errors(), read.output.stderr[-2000:]
    return catalog, read


@LAUNCHES
def test_read_in_the_image_emits_the_records_and_final_state_of_the_same_read_outside(
    connector: Connector, launch: Launch, outside_read: tuple[dict[str, Any], TimedRead]
) -> None:
    catalog, outside = outside_read

    inside = _timed(
        run_in_image, connector.image, "read", launch, config=connector.config, catalog=catalog
    )

    assert inside.output.returncode == 0 and not inside.output.errors(), inside.output.stderr[
        -2000:
    ]
    streams = {entry["stream"]["name"] for entry in catalog["streams"]}
    assert set(_records_by_stream(inside.output)) == streams
    assert _records_by_stream(inside.output) == _records_by_stream(outside.output)
    assert_same_final_states(inside, outside)


def test_read_in_the_image_resumes_from_the_state_the_outside_read_saved(
    connector: Connector, outside_read: tuple[dict[str, Any], TimedRead]
) -> None:
    """The state file is mounted read-only like the others, and the image reads past it only."""
    catalog, outside = outside_read
    state = outside.output.final_states()

    inside = _timed(
        run_in_image,
        connector.image,
        "read",
        Launch.PLATFORM_SHELL,
        connector.config,
        catalog,
        state,
    )
    again = _timed(run_source, connector.name, "read", connector.config, catalog, state)

    assert inside.output.returncode == 0 and not inside.output.errors(), inside.output.stderr[
        -2000:
    ]
    assert _records_by_stream(inside.output) == _records_by_stream(again.output)
    assert_same_final_states(inside, again)
