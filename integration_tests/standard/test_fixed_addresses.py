"""The relay that serves a live sandbox on the fixed addresses of the acceptance-test configs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings

from .fixed_addresses import serve_on_fixed_addresses


def _free_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def sandbox() -> Iterator[FreshdeskSandbox]:
    with FreshdeskSandbox(SandboxSettings(ticket_count=3)) as running:
        yield running


def test_requests_to_the_fixed_address_reach_the_live_sandbox(sandbox: FreshdeskSandbox) -> None:
    fixed = _free_address()
    auth = (sandbox.api_key, "X")
    direct = requests.get(f"{sandbox.base_url}/api/v2/tickets", auth=auth, timeout=10)

    with serve_on_fixed_addresses({fixed: sandbox.base_url}):
        relayed = requests.get(f"{fixed}/api/v2/tickets", auth=auth, timeout=10)

    assert relayed.status_code == direct.status_code == 200
    assert relayed.json() == direct.json()


def test_the_fixed_address_is_closed_again_after_the_block(sandbox: FreshdeskSandbox) -> None:
    fixed = _free_address()
    with serve_on_fixed_addresses({fixed: sandbox.base_url}):
        pass

    with pytest.raises(requests.ConnectionError):
        requests.get(f"{fixed}/api/v2/tickets", timeout=5)


def test_two_relays_of_one_fixed_address_take_turns(sandbox: FreshdeskSandbox) -> None:
    fixed = _free_address()
    second_entered = threading.Event()

    def second_relay() -> None:
        with serve_on_fixed_addresses({fixed: sandbox.base_url}):
            second_entered.set()

    with serve_on_fixed_addresses({fixed: sandbox.base_url}):
        waiting = threading.Thread(target=second_relay)
        waiting.start()
        time.sleep(0.3)  # long enough for the second relay to bind, were the port not held
        assert not second_entered.is_set()
    waiting.join(timeout=10)

    assert second_entered.is_set()
