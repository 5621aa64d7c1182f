"""Where the image tests find the built images and the Docker-compatible API that runs them.

`.ci/images` builds both images and exports their tags (CI sources it before pytest). When those
variables are unset and podman is installed, the first test that needs an image runs `.ci/images`
itself, once per test process; without podman the image tests skip and say why, unless
HELPDESK_IMAGES_REQUIRED=1 (which `.ci/images` exports) makes that a failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / ".ci" / "images"
REQUIRED = "HELPDESK_IMAGES_REQUIRED"
# What `.ci/images` exports besides the tags: the API socket, the podman settings it runs with, and
# the PATH with its `docker` (which runs containers on the host's network) first.
API_VARIABLES = ("PATH", "DOCKER_HOST", "CONTAINERS_CONF")


def tag_variable(connector: str) -> str:
    """The variable `.ci/images` sets to the tag of a connector's image."""
    return "HELPDESK_IMAGE_" + connector.replace("-", "_").upper()


CONNECTORS = ("source-freshdesk", "source-talkdesk-explore")


@dataclass(frozen=True)
class Unavailable:
    reason: str
    # A build that was tried and failed is a failure wherever it happens; missing tools only where
    # images are required.
    broken: bool = False


@dataclass(frozen=True)
class ConnectorImages:
    tags: Mapping[str, str]

    def image(self, connector: str) -> str:
        return self.tags[connector]

    def as_root(self, connector: str) -> str:
        """The one-layer variant `.ci/images` builds for the CDK's image tests (see there)."""
        return self.tags[connector] + "-as-root"


def _from_environment(environment: Mapping[str, str]) -> ConnectorImages | None:
    tags = {name: environment.get(tag_variable(name), "") for name in CONNECTORS}
    if not all(tags.values()) or not environment.get("DOCKER_HOST"):
        return None
    return ConnectorImages(tags)


def _build() -> ConnectorImages | Unavailable:
    """Run `.ci/images` and adopt what it prints; its API lives as long as this process."""
    result = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, check=False, timeout=1800
    )
    if result.returncode != 0:
        return Unavailable(
            f".ci/images failed (exit {result.returncode}):\n{result.stderr[-3000:]}", broken=True
        )
    printed = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    # The CDK's image tests call the `docker` CLI in subprocesses of this one.
    for name in (*API_VARIABLES, *(tag_variable(c) for c in CONNECTORS)):
        os.environ[name] = printed[name]
    images = _from_environment(os.environ)
    assert images is not None, result.stdout
    return images


@functools.cache
def _images_or_reason() -> ConnectorImages | Unavailable:
    images = _from_environment(os.environ)
    if images is not None:
        return images
    missing = [tool for tool in ("podman", "docker") if shutil.which(tool) is None]
    if missing:
        return Unavailable(
            f"{' and '.join(missing)} not installed: `.ci/images` (as root, with apt-get) installs "
            "podman and builds the images"
        )
    return _build()


def connector_images() -> ConnectorImages:
    """The built images; skips the calling test when they cannot exist here (fails in CI)."""
    outcome = _images_or_reason()
    if isinstance(outcome, Unavailable):
        if outcome.broken or os.environ.get(REQUIRED) == "1":
            pytest.fail(f"the image tests need the connector images, but {outcome.reason}")
        pytest.skip(outcome.reason)
    return outcome
