"""Replays the Dockerfile's build for each image (no Docker daemon here) and runs the result the way
the Airbyte platform does: `eval "$AIRBYTE_ENTRYPOINT spec"` must print the connector's SPEC."""

from __future__ import annotations

from pathlib import Path

import pytest

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
