"""Fixtures of the image tests: the built images, and each connector's sandbox with its config."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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

from .environment import CONNECTORS, ConnectorImages, connector_images


@dataclass(frozen=True)
class Connector:
    name: str  # console script, image and connectors/<name>/
    image: str
    config: dict[str, Any]  # the acceptance config, pointed at the running sandbox


@pytest.fixture(scope="session")
def images() -> ConnectorImages:
    return connector_images()


@pytest.fixture(scope="module", params=CONNECTORS)
def connector(request: pytest.FixtureRequest, images: ConnectorImages) -> Iterator[Connector]:
    name: str = request.param
    if name == "source-freshdesk":
        with FreshdeskSandbox(small_freshdesk_account()) as freshdesk:
            config = rewrite_addresses(
                acceptance_config(FRESHDESK_ROOT), freshdesk_live_addresses(freshdesk)
            )
            yield Connector(name, images.image(name), config)
    else:
        with TalkdeskSandbox(recent_talkdesk_account()) as talkdesk:
            yield Connector(name, images.image(name), talkdesk_config(talkdesk))
