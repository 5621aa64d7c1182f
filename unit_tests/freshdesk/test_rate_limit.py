"""The source's rate budget: credit weights, the hard cap, and pacing from X-RateLimit headers."""

from __future__ import annotations

import pytest
import requests
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit

from source_freshdesk import SourceFreshdesk
from source_freshdesk.rate_limit import (
    CreditWeightedWindow,
    FreshdeskAPIBudget,
    HeaderPacer,
    request_credits,
)


def prepared(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


def response_with(headers: dict[str, str]) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.headers.update(headers)
    return response


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_includes_on_the_tickets_list_cost_two_credits_each() -> None:
    base = "https://acme.freshdesk.com/api/v2/"
    assert request_credits(prepared(f"{base}tickets?include=description,requester,stats")) == 7
    assert request_credits(prepared(f"{base}tickets?per_page=100")) == 1
    assert request_credits(prepared(f"{base}tickets/1?include=conversations")) == 2
    assert request_credits(prepared(f"{base}contacts")) == 1


def test_a_weight_above_a_tiny_cap_is_clamped_instead_of_crashing() -> None:
    policy = CreditWeightedWindow(credits_per_minute=5)
    request = prepared("https://a.freshdesk.com/api/v2/tickets?include=description,stats,requester")
    assert policy.get_weight(request) == 5


def test_pacer_runs_free_until_remaining_enters_the_reserve_then_spaces_requests() -> None:
    clock = FakeClock()
    pacer = HeaderPacer(clock=clock, sleep=lambda s: None)
    pacer.observe(response_with({"x-ratelimit-total": "120", "X-Ratelimit-Remaining": "50"}))
    assert pacer.delay_for_next_request() == 0.0

    pacer.observe(response_with({"X-RateLimit-Total": "120", "X-RateLimit-Remaining": "5"}))
    delays = [pacer.delay_for_next_request() for _ in range(3)]
    assert delays == [0.0, 0.5, 1.0]  # 120 per minute -> one every 0.5 s, slots reserved in turn


def test_pacer_without_headers_never_waits() -> None:
    pacer = HeaderPacer(clock=FakeClock(), sleep=lambda s: None)
    pacer.observe(response_with({}))
    assert pacer.delay_for_next_request() == 0.0


def test_requests_per_minute_is_a_hard_cap_counted_in_credits() -> None:
    budget = FreshdeskAPIBudget(requests_per_minute=7)
    budget.acquire_call(
        prepared("https://a.freshdesk.com/api/v2/tickets?include=stats"), block=False
    )
    budget.acquire_call(
        prepared("https://a.freshdesk.com/api/v2/roles"), block=False
    )  # 3 + 1 + 3 credits fill the cap
    budget.acquire_call(
        prepared("https://a.freshdesk.com/api/v2/tickets?include=stats"), block=False
    )

    with pytest.raises(CallRateLimitHit) as hit:
        budget.acquire_call(prepared("https://a.freshdesk.com/api/v2/roles"), block=False)
    assert hit.value.time_to_wait.total_seconds() > 50  # the moving minute must pass first


def test_every_stream_of_a_source_shares_one_budget() -> None:
    streams = SourceFreshdesk().streams({"domain": "acme", "api_key": "key-0123456789"})
    budgets = {id(stream._http_client._api_budget) for stream in streams}
    assert len(budgets) == 1
