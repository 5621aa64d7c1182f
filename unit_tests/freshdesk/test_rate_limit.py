"""The source's rate budget: credit weights, the hard cap, and pacing from X-RateLimit headers."""

from __future__ import annotations

import pytest
import requests

from source_freshdesk import SourceFreshdesk
from source_freshdesk.rate_limit import (
    CAP_PACING_FACTOR,
    DEFAULT_RATE_LIMIT_PAUSE_SECONDS,
    EvenPacer,
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


def test_pacer_runs_free_until_remaining_enters_the_reserve_then_spaces_requests() -> None:
    clock = FakeClock()
    pacer = HeaderPacer(clock=clock)
    pacer.observe(response_with({"x-ratelimit-total": "120", "X-Ratelimit-Remaining": "50"}))
    assert pacer.delay_for_next_request() == 0.0

    pacer.observe(response_with({"X-RateLimit-Total": "120", "X-RateLimit-Remaining": "5"}))
    delays = [pacer.delay_for_next_request() for _ in range(3)]
    assert delays == [0.0, 0.5, 1.0]  # 120 per minute -> one every 0.5 s, slots reserved in turn


def test_pacer_without_headers_never_waits() -> None:
    pacer = HeaderPacer(clock=FakeClock())
    pacer.observe(response_with({}))
    assert pacer.delay_for_next_request() == 0.0


def test_requests_per_minute_spaces_requests_evenly_by_their_credits() -> None:
    clock, slept = FakeClock(), []
    budget = FreshdeskAPIBudget(requests_per_minute=60, clock=clock, sleep=slept.append)
    budget.acquire_call(prepared("https://a.freshdesk.com/api/v2/tickets?include=stats"))
    budget.acquire_call(prepared("https://a.freshdesk.com/api/v2/roles"))
    budget.acquire_call(prepared("https://a.freshdesk.com/api/v2/roles"))

    spacing = 1 / CAP_PACING_FACTOR  # 60 credits a minute, paced a little below the cap
    # No burst at the start: the first request costs 3 credits, so the next waits 3 spacings.
    assert slept == pytest.approx([3 * spacing, 4 * spacing])


def test_an_idle_pacer_does_not_bank_slots_for_a_burst() -> None:
    clock = FakeClock()
    pacer = EvenPacer(credits_per_minute=60, clock=clock)
    assert pacer.delay_for(1) == 0.0
    clock.now = 100.0
    assert [pacer.delay_for(1) for _ in range(3)] == pytest.approx(
        [0.0, 1 / CAP_PACING_FACTOR, 2 / CAP_PACING_FACTOR]
    )


def test_a_429_pauses_every_worker_until_its_retry_after_passed() -> None:
    clock, slept = FakeClock(), []
    budget = FreshdeskAPIBudget(requests_per_minute=None, clock=clock, sleep=slept.append)
    limited = response_with({"Retry-After": "7"})
    limited.status_code = 429
    budget.update_from_response(prepared("https://a.freshdesk.com/api/v2/tickets"), limited)

    clock.now = 2.0  # another worker asks two seconds later
    budget.acquire_call(prepared("https://a.freshdesk.com/api/v2/contacts"))
    assert slept == [5.0]


def test_a_429_without_retry_after_still_pauses_everyone() -> None:
    clock, slept = FakeClock(), []
    budget = FreshdeskAPIBudget(requests_per_minute=None, clock=clock, sleep=slept.append)
    limited = response_with({})
    limited.status_code = 429
    budget.update_from_response(prepared("https://a.freshdesk.com/api/v2/tickets"), limited)
    budget.acquire_call(prepared("https://a.freshdesk.com/api/v2/contacts"))
    assert slept == [DEFAULT_RATE_LIMIT_PAUSE_SECONDS]


def test_every_stream_of_a_source_shares_one_budget_and_one_session() -> None:
    streams = SourceFreshdesk().streams({"domain": "acme", "api_key": "key-0123456789"})
    assert len({id(stream.context.budget) for stream in streams}) == 1
    assert len({id(stream.context.session) for stream in streams}) == 1
