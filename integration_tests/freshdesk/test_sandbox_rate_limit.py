"""Rate-limit budgets, headers and 429 answers of the Freshdesk sandbox."""

from __future__ import annotations

import time

import pytest

from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.freshdesk_sandbox.testing import session_for

SINCE = "2000-01-01T00:00:00Z"


def small_settings(**overrides) -> SandboxSettings:
    defaults = dict(ticket_count=50, contact_count=40, company_count=5, time_entry_count=10)
    defaults.update(overrides)
    return SandboxSettings(**defaults)


@pytest.fixture()
def sandbox():
    with FreshdeskSandbox(small_settings()) as running:
        yield running


def test_rate_limit_headers_are_sent_in_mixed_case_even_when_unlimited(sandbox):
    response = session_for(sandbox).get(f"{sandbox.base_url}/api/v2/products")
    raw_names = {name for name, _ in response.raw.headers.items()}
    assert {
        "X-Ratelimit-Total",
        "X-Ratelimit-Remaining",
        "X-Ratelimit-Used-CurrentRequest",
    } <= raw_names
    assert int(response.headers["x-ratelimit-remaining"]) > 0
    assert "Retry-After" not in response.headers


def test_exhausted_budget_gives_429_with_integer_retry_after_and_json_body(sandbox):
    sandbox.set_rate_limit(total=3, window_seconds=60)
    session = session_for(sandbox)
    remaining = [
        session.get(f"{sandbox.base_url}/api/v2/products").headers["X-RateLimit-Remaining"]
        for _ in range(3)
    ]
    assert remaining == ["2", "1", "0"]
    limited = session.get(f"{sandbox.base_url}/api/v2/products")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert "message" in limited.json()
    assert limited.headers["X-RateLimit-Total"] == "3"
    assert sandbox.stats()["rate_limited"] == 1


def test_retry_after_can_be_fractional(sandbox):
    sandbox.set_rate_limit(total=1, window_seconds=30, retry_after="float")
    session = session_for(sandbox)
    session.get(f"{sandbox.base_url}/api/v2/products")
    limited = session.get(f"{sandbox.base_url}/api/v2/products")
    assert limited.status_code == 429
    value = limited.headers["Retry-After"]
    assert "." in value and 0 < float(value) <= 30


def test_retry_after_can_be_missing(sandbox):
    sandbox.set_rate_limit(total=1, window_seconds=30, retry_after="missing")
    session = session_for(sandbox)
    session.get(f"{sandbox.base_url}/api/v2/products")
    limited = session.get(f"{sandbox.base_url}/api/v2/products")
    assert limited.status_code == 429
    assert "Retry-After" not in limited.headers


def test_budget_frees_when_the_window_ends(sandbox):
    # Wide enough that two loopback requests never straddle a window, even on a loaded machine.
    sandbox.set_rate_limit(total=1, window_seconds=1.0)
    session = session_for(sandbox)
    assert session.get(f"{sandbox.base_url}/api/v2/products").status_code == 200
    assert session.get(f"{sandbox.base_url}/api/v2/products").status_code == 429
    time.sleep(1.05)
    assert session.get(f"{sandbox.base_url}/api/v2/products").status_code == 200


def test_invalid_requests_also_spend_budget(sandbox):
    sandbox.set_rate_limit(total=2, window_seconds=60)
    session = session_for(sandbox)
    assert (
        session.get(f"{sandbox.base_url}/api/v2/products", params={"per_page": 101}).status_code
        == 400
    )
    assert session.get(f"{sandbox.base_url}/api/v2/nope").status_code == 404
    assert session.get(f"{sandbox.base_url}/api/v2/products").status_code == 429


def test_ticket_includes_spend_extra_credits(sandbox):
    sandbox.set_rate_limit(total=10, window_seconds=60)
    session = session_for(sandbox)
    params = {"updated_since": SINCE, "include": "description,requester,stats"}
    first = session.get(f"{sandbox.base_url}/api/v2/tickets", params=params)
    assert first.headers["X-RateLimit-Used-CurrentRequest"] == "7"
    assert first.headers["X-RateLimit-Remaining"] == "3"
    assert session.get(f"{sandbox.base_url}/api/v2/tickets", params=params).status_code == 429
    assert session.get(f"{sandbox.base_url}/api/v2/products").status_code == 200
    assert sandbox.stats()["credits_used"] == 8


def test_tickets_list_sub_budget_limits_only_the_tickets_list(sandbox):
    sandbox.set_rate_limit(total=100, window_seconds=60, tickets_list=2)
    session = session_for(sandbox)
    statuses = [session.get(f"{sandbox.base_url}/api/v2/tickets").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert session.get(f"{sandbox.base_url}/api/v2/contacts").status_code == 200
    assert session.get(f"{sandbox.base_url}/api/v2/tickets/1").status_code == 200


def test_contacts_list_sub_budget(sandbox):
    sandbox.set_rate_limit(total=100, window_seconds=60, contacts_list=1)
    session = session_for(sandbox)
    assert session.get(f"{sandbox.base_url}/api/v2/contacts").status_code == 200
    assert session.get(f"{sandbox.base_url}/api/v2/contacts").status_code == 429
    assert session.get(f"{sandbox.base_url}/api/v2/tickets").status_code == 200


def test_rate_limit_from_settings_applies_from_the_start():
    with FreshdeskSandbox(small_settings(rate_limit_total=1)) as sandbox:
        session = session_for(sandbox)
        assert session.get(f"{sandbox.base_url}/api/v2/products").status_code == 200
        assert session.get(f"{sandbox.base_url}/api/v2/products").status_code == 429


@pytest.mark.parametrize(
    ("plan", "account", "list_limit"),
    [("growth", 200, 20), ("pro", 400, 100), ("enterprise", 700, 200)],
)
def test_a_plan_limits_each_list_to_its_own_share_and_the_account_to_its_total(
    plan, account, list_limit
):
    with FreshdeskSandbox(small_settings(rate_limit_plan=plan)) as sandbox:
        session = session_for(sandbox)
        contacts = f"{sandbox.base_url}/api/v2/contacts"
        answers = [session.get(contacts) for _ in range(list_limit + 1)]
        assert [a.status_code for a in answers] == [200] * list_limit + [429]
        # The list's 429 leaves the account's credits in the headers: the client can tell.
        assert answers[-1].headers["X-RateLimit-Total"] == str(account)
        assert int(answers[-1].headers["X-RateLimit-Remaining"]) == account - list_limit
        assert session.get(f"{sandbox.base_url}/api/v2/tickets").status_code == 200
        assert session.get(f"{sandbox.base_url}/api/v2/companies").status_code == 200
        assert sandbox.stats()["list_credits_used"] == {
            "contacts_list": list_limit,
            "tickets_list": 1,
        }


def test_a_growth_tickets_list_counts_the_credits_of_its_includes():
    with FreshdeskSandbox(small_settings(rate_limit_plan="growth")) as sandbox:
        session = session_for(sandbox)
        params = {"updated_since": SINCE, "include": "description,requester,stats"}
        tickets = f"{sandbox.base_url}/api/v2/tickets"
        statuses = [session.get(tickets, params=params).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]  # 7 + 7 of 20; a third 7 would make 21
        assert session.get(tickets, params={"updated_since": SINCE}).status_code == 200


def test_a_trial_plan_has_no_list_limits_of_its_own():
    with FreshdeskSandbox(small_settings(rate_limit_plan="trial")) as sandbox:
        session = session_for(sandbox)
        statuses = [
            session.get(f"{sandbox.base_url}/api/v2/contacts").status_code for _ in range(51)
        ]
        assert statuses == [200] * 50 + [429]


def test_set_rate_limit_takes_a_plan_over_the_control_endpoint(sandbox):
    answer = session_for(sandbox).post(
        f"{sandbox.base_url}/_sandbox/set_rate_limit", json={"plan": "growth"}
    )
    assert answer.status_code == 200
    session = session_for(sandbox)
    statuses = [session.get(f"{sandbox.base_url}/api/v2/contacts").status_code for _ in range(21)]
    assert statuses[-2:] == [200, 429]
