"""The CDK's own image tests (`image_tests`) on the images `.ci/images` builds from /Dockerfile."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest

from integration_tests.images.environment import connector_images

from .fixed_addresses import serve_on_fixed_addresses


class OnTheBuiltImages:
    """Mixed into a standard test class ahead of SourceTestSuiteBase.

    The CDK would build its own image from its Dockerfile template; the project's /Dockerfile is
    the one the platform runs, so its images are the ones tested. The containers get the
    acceptance-test configs unchanged, so while an image test runs the class's sandbox is also
    served on the fixed addresses those configs name.
    """

    connector_name: str  # the CDK's: the connector root's directory name

    @classmethod
    def _live_addresses(cls) -> dict[str, str]:
        raise NotImplementedError

    @pytest.fixture
    def connector_image_override(self) -> str:
        return connector_images().as_root(self.connector_name)

    # The options these stand for belong to the CDK's pytest plugin, which this project does not
    # load (its command-line options would be the only thing it adds).
    @pytest.fixture
    def connector_base_image_override(self) -> None:
        return None  # the image is built FROM the Dockerfile's own base

    @pytest.fixture
    def read_from_streams(self) -> Literal["all"]:
        return "all"  # every stream, as the in-process basic read does (not only suggested ones)

    @pytest.fixture
    def read_scenarios(self) -> Literal["default"]:
        return "default"  # the `config` scenario

    @pytest.fixture(autouse=True)
    def sandbox_on_fixed_addresses(self, request: pytest.FixtureRequest) -> Iterator[None]:
        if request.node.get_closest_marker("image_tests") is None:
            yield
            return
        with serve_on_fixed_addresses(self._live_addresses()):
            yield
