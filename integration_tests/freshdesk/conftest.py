"""Fixtures that run source-freshdesk against the Freshdesk sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from integration_tests.connector_runner import SyncOutput, discover_catalog, run_source
from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings

SCRIPT = "source-freshdesk"
# Small but complete: every endpoint has data, pages are crossed, syncs take a second or two.
SMALL = {
    "ticket_count": 300,
    "contact_count": 250,
    "satisfaction_rating_count": 120,
    "time_entry_count": 150,
}


def config_for(sandbox: FreshdeskSandbox, **overrides: Any) -> dict[str, Any]:
    return {"domain": sandbox.base_url, "api_key": sandbox.api_key, **overrides}


def sync(
    sandbox: FreshdeskSandbox,
    streams: Sequence[str] | None = None,
    state: Sequence[Mapping[str, Any]] | None = None,
    **config_overrides: Any,
) -> SyncOutput:
    config = config_for(sandbox, **config_overrides)
    catalog = discover_catalog(SCRIPT, config, streams)
    return run_source(SCRIPT, "read", config, catalog, state)


@pytest.fixture
def sandbox_with() -> Iterator[Any]:
    """Start a sandbox with the given settings; every one is stopped after the test."""
    started: list[FreshdeskSandbox] = []

    def start(**settings: Any) -> FreshdeskSandbox:
        sandbox = FreshdeskSandbox(SandboxSettings(**{**SMALL, **settings})).start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture(scope="module")
def full_sync() -> Iterator[tuple[FreshdeskSandbox, SyncOutput]]:
    """One full sync of all 28 streams on the default-sized sandbox, shared by a module's tests."""
    with FreshdeskSandbox(SandboxSettings()) as sandbox:
        yield sandbox, sync(sandbox)


def ids(records: Sequence[Mapping[str, Any]], key: str = "id") -> list[Any]:
    return [r.get(key) for r in records]
