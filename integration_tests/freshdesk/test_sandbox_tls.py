"""The sandbox's TLS mode: https with a certificate made at start, trusted through `ca_file` only."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings

pytest.importorskip("cryptography")

TINY = {"ticket_count": 20, "contact_count": 150, "company_count": 5}


def test_tls_mode_serves_https_and_links_stay_https() -> None:
    settings = SandboxSettings(**TINY, tls=True, account_hosts={"127.0.0.1", "localhost"})
    with FreshdeskSandbox(settings) as sandbox:
        assert sandbox.base_url.startswith("https://127.0.0.1:")
        # By name as well as by IP: the certificate covers localhost and every account host.
        url = f"https://localhost:{sandbox.port}/api/v2/contacts"
        response = requests.get(
            url, params={"per_page": 100}, auth=(sandbox.api_key, "X"), verify=sandbox.ca_file
        )
        assert response.status_code == 200
        assert response.links["next"]["url"].startswith(f"https://localhost:{sandbox.port}/")
        ca_file = Path(sandbox.ca_file)
        assert ca_file.is_file()
    assert not ca_file.exists()  # the certificate and key go with the sandbox
    with pytest.raises(RuntimeError):
        _ = sandbox.ca_file


def test_tls_mode_is_not_trusted_without_its_certificate() -> None:
    with FreshdeskSandbox(SandboxSettings(**TINY, tls=True)) as sandbox:
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{sandbox.base_url}/api/v2/products", auth=(sandbox.api_key, "X"))
        # A client that gave up on the handshake leaves the server answering others.
        response = requests.get(
            f"{sandbox.base_url}/api/v2/products",
            auth=(sandbox.api_key, "X"),
            verify=sandbox.ca_file,
        )
        assert response.status_code == 200


def test_default_stays_plain_http() -> None:
    with FreshdeskSandbox(SandboxSettings(**TINY)) as sandbox:
        assert sandbox.base_url.startswith("http://")
        with pytest.raises(RuntimeError):
            _ = sandbox.ca_file
