"""Replays the Dockerfile's build for each image (no Docker daemon here) and runs the result the way
the Airbyte platform does: `eval "$AIRBYTE_ENTRYPOINT spec"` must print the connector's SPEC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from integration_tests.freshdesk_sandbox import FreshdeskSandbox
from integration_tests.standard.sandbox_accounts import (
    FRESHDESK_ROOT,
    acceptance_config,
    freshdesk_live_addresses,
    recent_talkdesk_account,
    small_freshdesk_account,
    talkdesk_config,
)
from integration_tests.standard.sandbox_binding import rewrite_addresses
from integration_tests.talkdesk_sandbox import TalkdeskSandbox

from .artifacts import CONNECTORS, DOCKERFILE, REPO_ROOT, Connector, protocol_messages
from .replay import DockerfileReplay, ReplayedStage, ReplayError

pytestmark = pytest.mark.slow


def _build_args(connector: Connector) -> dict[str, str]:
    return {
        "CONNECTOR_NAME": connector.name,
        "CONNECTOR_VERSION": str(connector.metadata()["dockerImageTag"]),
    }


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> DockerfileReplay:
    # Both images share one builder stage (one wheel build and one dependency install).
    return DockerfileReplay(
        DOCKERFILE,
        context=REPO_ROOT,
        workspace=tmp_path_factory.mktemp("image-replay"),
        expected_base=CONNECTORS[0].metadata()["connectorBuildOptions"]["baseImage"],
    )


@pytest.fixture(scope="module")
def images(replay: DockerfileReplay) -> dict[str, ReplayedStage]:
    return {connector.name: replay.build(_build_args(connector)) for connector in CONNECTORS}


def _single_spec(stdout: str) -> dict:
    specs = [m["spec"] for m in protocol_messages(stdout) if m["type"] == "SPEC"]
    assert len(specs) == 1, stdout[-2000:]
    return specs[0]


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_airbyte_entrypoint_of_each_image_prints_its_own_spec(
    connector: Connector, images: dict[str, ReplayedStage], tmp_path: Path
) -> None:
    result = images[connector.name].run_like_platform("spec", cwd=tmp_path)

    assert result.returncode == 0, result.stderr[-2000:]
    spec = _single_spec(result.stdout)
    assert spec["connectionSpecification"] == connector.spec()["connectionSpecification"]


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_docker_run_entrypoint_equals_airbyte_entrypoint_and_answers_spec(
    connector: Connector, images: dict[str, ReplayedStage], tmp_path: Path
) -> None:
    image = images[connector.name]
    assert " ".join(image.entrypoint) == image.env["AIRBYTE_ENTRYPOINT"]

    result = image.run_like_docker("spec", cwd=tmp_path)

    assert result.returncode == 0, result.stderr[-2000:]
    assert (
        _single_spec(result.stdout)["connectionSpecification"]["title"]
        == (connector.spec()["connectionSpecification"]["title"])
    )


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_image_labels_match_metadata_and_it_runs_as_non_root(
    connector: Connector, images: dict[str, ReplayedStage]
) -> None:
    image = images[connector.name]
    metadata = connector.metadata()

    assert image.labels == {
        "io.airbyte.name": metadata["dockerRepository"],
        "io.airbyte.version": str(metadata["dockerImageTag"]),
    }
    assert image.user not in (None, "", "root", "0") and not str(image.user).startswith("0:")


def test_mistyped_connector_name_fails_the_image_build(
    replay: DockerfileReplay, images: dict[str, ReplayedStage]
) -> None:
    with pytest.raises(ReplayError, match="RUN exited"):
        replay.build({"CONNECTOR_NAME": "source-freshdeks"})


@contextmanager
def _sandbox_config(connector: Connector) -> Iterator[dict[str, Any]]:
    """A running sandbox for the connector and the acceptance config pointing at it."""
    if connector.name == "source-freshdesk":
        with FreshdeskSandbox(small_freshdesk_account()) as freshdesk:
            config = acceptance_config(FRESHDESK_ROOT)
            yield rewrite_addresses(config, freshdesk_live_addresses(freshdesk))
    else:
        with TalkdeskSandbox(recent_talkdesk_account()) as talkdesk:
            yield talkdesk_config(talkdesk)


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: c.name)
def test_airbyte_entrypoint_checks_discovers_and_reads_with_the_platforms_arguments(
    connector: Connector, images: dict[str, ReplayedStage], tmp_path: Path
) -> None:
    image = images[connector.name]
    with _sandbox_config(connector) as config:
        # The file names the platform's launcher uses.
        config_file = tmp_path / "connectorConfig.json"
        config_file.write_text(json.dumps(config))
        check = image.run_like_platform("check", "--config", str(config_file), cwd=tmp_path)
        discover = image.run_like_platform("discover", "--config", str(config_file), cwd=tmp_path)
        (catalog,) = [
            m["catalog"] for m in protocol_messages(discover.stdout) if m["type"] == "CATALOG"
        ]
        first_stream = catalog["streams"][0]
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(
            json.dumps(
                {
                    "streams": [
                        {
                            "stream": first_stream,
                            "sync_mode": "full_refresh",
                            "destination_sync_mode": "overwrite",
                        }
                    ]
                }
            )
        )
        read = image.run_like_platform(
            "read", "--config", str(config_file), "--catalog", str(catalog_file), cwd=tmp_path
        )

    statuses = [
        m["connectionStatus"]["status"]
        for m in protocol_messages(check.stdout)
        if m["type"] == "CONNECTION_STATUS"
    ]
    assert statuses == ["SUCCEEDED"], check.stdout[-2000:]
    assert read.returncode == 0, read.stderr[-2000:]
    records = [m for m in protocol_messages(read.stdout) if m["type"] == "RECORD"]
    assert records and {r["record"]["stream"] for r in records} == {first_stream["name"]}
