"""Injected faults, stats and the out-of-process /_sandbox controls of the Freshdesk sandbox."""

from __future__ import annotations

import json

import pytest
import requests

from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.freshdesk_sandbox.testing import session_for


@pytest.fixture()
def sandbox():
    settings = SandboxSettings(
        ticket_count=50, deleted_ticket_count=0, spam_ticket_count=0, contact_count=40
    )
    with FreshdeskSandbox(settings) as running:
        yield running


def test_injected_errors_fail_the_next_matching_requests_in_order(sandbox):
    sandbox.inject_errors(path_prefix="/api/v2/tickets", statuses=[502, 500, 503], html_body=True)
    session = session_for(sandbox)
    assert session.get(f"{sandbox.base_url}/api/v2/contacts").status_code == 200
    failures = [session.get(f"{sandbox.base_url}/api/v2/tickets") for _ in range(3)]
    assert [r.status_code for r in failures] == [502, 500, 503]
    assert all(r.headers["Content-Type"].startswith("text/html") for r in failures)
    with pytest.raises(ValueError):
        failures[0].json()
    assert session.get(f"{sandbox.base_url}/api/v2/tickets").status_code == 200


def test_injected_errors_can_carry_json_bodies(sandbox):
    sandbox.inject_errors(path_prefix="/api/v2/", statuses=[500], html_body=False)
    response = session_for(sandbox).get(f"{sandbox.base_url}/api/v2/products")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"


def test_malformed_json_is_a_200_with_a_truncated_body(sandbox):
    sandbox.inject_malformed_json("/api/v2/contacts", count=1)
    session = session_for(sandbox)
    broken = session.get(f"{sandbox.base_url}/api/v2/contacts")
    assert broken.status_code == 200
    assert int(broken.headers["Content-Length"]) == len(broken.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert isinstance(session.get(f"{sandbox.base_url}/api/v2/contacts").json(), list)


def test_latency_injection_still_answers_correctly(sandbox):
    sandbox.inject_latency(seconds=0.01, path_prefix="/api/v2/products")
    response = session_for(sandbox).get(f"{sandbox.base_url}/api/v2/products")
    assert response.status_code == 200
    sandbox.inject_latency(seconds=0)


def test_stats_count_requests_by_normalised_path_and_status(sandbox):
    session = session_for(sandbox)
    session.get(f"{sandbox.base_url}/api/v2/tickets/1/conversations")
    session.get(f"{sandbox.base_url}/api/v2/tickets/2/conversations")
    session.get(f"{sandbox.base_url}/api/v2/tickets")
    requests.get(f"{sandbox.base_url}/api/v2/tickets", timeout=5)
    stats = sandbox.stats()
    assert stats["requests"] == 4
    assert stats["by_path"] == {
        "/api/v2/tickets/{id}/conversations": 2,
        "/api/v2/tickets": 2,
    }
    assert stats["by_status"] == {200: 3, 401: 1}
    assert stats["credits_used"] == 4
    sandbox.reset_stats()
    assert sandbox.stats()["requests"] == 0


def test_http_controls_drive_the_same_switches(sandbox):
    base = sandbox.base_url
    assert requests.get(f"{base}/_sandbox/health", timeout=5).json()["status"] == "ok"
    control = requests.post(
        f"{base}/_sandbox/inject_errors",
        json={"path_prefix": "/api/v2/products", "statuses": [503]},
        timeout=5,
    )
    assert control.status_code == 200
    assert session_for(sandbox).get(f"{base}/api/v2/products").status_code == 503
    updated = requests.post(
        f"{base}/_sandbox/update_ticket", json={"ticket_id": 1, "subject": "via HTTP"}, timeout=5
    )
    assert updated.json()["subject"] == "via HTTP"
    stats = requests.get(f"{base}/_sandbox/stats", timeout=5).json()
    assert stats["by_status"] == {"503": 1}
    records = requests.get(f"{base}/_sandbox/records/products", timeout=5).json()
    assert records == sandbox.records("products")


def test_http_controls_reject_unknown_controls_and_bad_arguments(sandbox):
    base = sandbox.base_url
    assert requests.post(f"{base}/_sandbox/records", json={}, timeout=5).status_code == 404
    bad = requests.post(f"{base}/_sandbox/set_rate_limit", json={"bogus": 1}, timeout=5)
    assert bad.status_code == 400
    missing = requests.post(f"{base}/_sandbox/update_ticket", json={"ticket_id": 10**9}, timeout=5)
    assert missing.status_code == 400


def test_stop_closes_keep_alive_connections():
    settings = SandboxSettings(ticket_count=10, contact_count=5, company_count=2)
    sandbox = FreshdeskSandbox(settings).start()
    session = session_for(sandbox)
    url = f"{sandbox.base_url}/api/v2/products"
    assert session.get(url).status_code == 200
    sandbox.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(url, timeout=2)


def test_injected_json_errors_carry_the_statuses_documented_body(sandbox):
    sandbox.inject_errors(path_prefix="/api/v2/tickets", statuses=[403, 429], html_body=False)
    session = session_for(sandbox)
    denied = session.get(f"{sandbox.base_url}/api/v2/tickets")
    assert denied.status_code == 403 and denied.json()["code"] == "access_denied"
    limited = session.get(f"{sandbox.base_url}/api/v2/tickets")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert session.get(f"{sandbox.base_url}/api/v2/tickets").status_code == 200


def test_status_zero_drops_the_connection_without_an_answer(sandbox):
    sandbox.inject_errors(path_prefix="/api/v2/products", statuses=[0])
    session = session_for(sandbox)
    with pytest.raises(requests.ConnectionError):
        session.get(f"{sandbox.base_url}/api/v2/products", timeout=5)
    assert session.get(f"{sandbox.base_url}/api/v2/products", timeout=5).status_code == 200
    assert sandbox.stats()["by_status"][0] == 1
