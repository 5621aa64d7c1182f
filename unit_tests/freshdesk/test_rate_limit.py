"""The source's rate budget: credit weights, the hard cap, pacing from X-RateLimit headers, and
the tickets and contacts lists' own limits beside the account's."""

from __future__ import annotations

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_freshdesk import SourceFreshdesk
from source_freshdesk.rate_limit import (
    CAP_PACING_FACTOR,
    DEFAULT_RATE_LIMIT_PAUSE_SECONDS,
    SCOPE_WINDOW_SECONDS,
    EvenPacer,
    FreshdeskAPIBudget,
    HeaderPacer,
    SubscriptionTier,
    list_scope_of,
    request_credits,
)

BASE = "https://a.freshdesk.com/api/v2/"
CONTACTS = f"{BASE}contacts?per_page=100"
TICKETS_WITH_INCLUDES = f"{BASE}tickets?include=description,requester,stats"


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


class SleepingClock(FakeClock):
    """A clock that a budget's sleeps move on, recording each sleep."""

    def __init__(self) -> None:
        super().__init__()
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def budget_on(
    clock: SleepingClock,
    total: int | None = None,
    tier: SubscriptionTier | None = None,
    requests_per_minute: int | None = None,
) -> FreshdeskAPIBudget:
    """A budget on `clock` that has seen an answer with X-RateLimit-Total `total` (if given)."""
    budget = FreshdeskAPIBudget(requests_per_minute, tier, clock=clock, sleep=clock.sleep)
    if total is not None:
        budget.update_from_response(
            prepared(f"{BASE}roles"),
            response_with({"X-RateLimit-Total": str(total), "X-RateLimit-Remaining": str(total)}),
        )
    return budget


def send_times(budget: FreshdeskAPIBudget, clock: SleepingClock, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        budget.acquire_call(prepared(url))
        times.append(clock.now)
    return times


def rate_limited(url: str, remaining: int | None, retry_after: str = "30") -> requests.Response:
    headers = {"Retry-After": retry_after, "X-RateLimit-Total": "200"}
    if remaining is not None:
        headers["X-RateLimit-Remaining"] = str(remaining)
    response = response_with(headers)
    response.status_code = 429
    response.request = prepared(url)
    return response


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


def test_only_the_tickets_and_contacts_lists_have_a_scope_of_their_own() -> None:
    assert list_scope_of(prepared(TICKETS_WITH_INCLUDES)) == "tickets_list"
    assert list_scope_of(prepared(f"{BASE}tickets/")) == "tickets_list"
    assert list_scope_of(prepared(CONTACTS)) == "contacts_list"
    for other in ("tickets/5/conversations", "tickets/5", "contacts/9", "companies", "roles"):
        assert list_scope_of(prepared(f"{BASE}{other}")) is None
    assert list_scope_of(requests.Request("POST", f"{BASE}tickets").prepare()) is None


def test_a_growth_contacts_list_sends_20_credits_then_waits_for_the_window() -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=200)
    times = send_times(budget, clock, [CONTACTS] * 21)
    assert times[:20] == [0.0] * 20
    assert times[20] == pytest.approx(SCOPE_WINDOW_SECONDS)


def test_three_seven_credit_ticket_pages_never_share_a_growth_minute() -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=200)
    times = send_times(budget, clock, [TICKETS_WITH_INCLUDES] * 3)
    assert times == pytest.approx([0.0, 0.0, SCOPE_WINDOW_SECONDS])


def test_a_waiting_list_does_not_hold_up_other_endpoints_or_the_other_list() -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=200)
    send_times(budget, clock, [CONTACTS] * 20)
    assert send_times(budget, clock, [f"{BASE}tickets?per_page=100", f"{BASE}companies"]) == [
        0.0,
        0.0,
    ]


@pytest.mark.parametrize(
    ("total", "contacts_per_window"), [(400, 100), (700, 200), (1000, 300), (2000, 400)]
)
def test_the_account_limit_in_the_headers_names_the_plan_and_its_list_limit(
    total: int, contacts_per_window: int
) -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=total)
    times = send_times(budget, clock, [CONTACTS] * (contacts_per_window + 1))
    assert times[contacts_per_window - 1] == 0.0
    assert times[contacts_per_window] == pytest.approx(SCOPE_WINDOW_SECONDS)


def test_before_any_answer_the_lists_keep_to_the_smallest_plan() -> None:
    clock = SleepingClock()
    budget = budget_on(clock)
    assert send_times(budget, clock, [CONTACTS] * 21)[20] == pytest.approx(SCOPE_WINDOW_SECONDS)


def test_a_list_waiting_under_the_smallest_plan_goes_once_an_answer_names_a_bigger_one() -> None:
    clock = SleepingClock()

    def answer_arrives(seconds: float) -> None:  # the first answer lands while a request waits
        clock.sleep(seconds)
        budget.pacer.observe(response_with({"X-RateLimit-Total": "700"}))

    budget = FreshdeskAPIBudget(None, clock=clock, sleep=answer_arrives)
    times = send_times(budget, clock, [CONTACTS] * 21)
    assert times[19] == 0.0
    assert times[20] <= 1.0


def test_answers_without_an_account_limit_leave_the_lists_to_the_account_budget() -> None:
    # No published plan can be told from them; the 429 rule still covers the lists.
    clock = SleepingClock()
    budget = FreshdeskAPIBudget(None, clock=clock, sleep=clock.sleep)
    budget.update_from_response(None, response_with({}))
    assert send_times(budget, clock, [CONTACTS] * 30) == [0.0] * 30


def test_an_account_limit_of_no_known_plan_leaves_the_lists_to_the_account_budget() -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=50)  # trial accounts have no list limits
    assert send_times(budget, clock, [CONTACTS] * 30) == [0.0] * 30


@pytest.mark.parametrize(("tier", "limit"), [("growth", 20), ("pro", 100), ("enterprise", 200)])
def test_subscription_tier_sets_the_list_limits_over_what_the_headers_name(
    tier: SubscriptionTier, limit: int
) -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=400, tier=tier)
    times = send_times(budget, clock, [CONTACTS] * (limit + 1))
    assert times[limit - 1] == 0.0
    assert times[limit] == pytest.approx(SCOPE_WINDOW_SECONDS)


def test_requests_per_minute_still_caps_list_requests_under_their_own_limit() -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=700, requests_per_minute=6)
    times = send_times(budget, clock, [CONTACTS] * 3)
    spacing = 10 / CAP_PACING_FACTOR
    assert times == pytest.approx([0.0, spacing, 2 * spacing])


def test_a_429_to_a_list_with_account_credits_left_pauses_only_that_list() -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=200)
    budget.update_from_response(prepared(CONTACTS), rate_limited(CONTACTS, remaining=150))
    assert send_times(budget, clock, [f"{BASE}companies", f"{BASE}tickets"]) == [0.0, 0.0]
    assert send_times(budget, clock, [CONTACTS]) == [30.0]


def test_a_429_to_a_list_without_account_credits_left_pauses_every_worker() -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=200)
    budget.update_from_response(prepared(CONTACTS), rate_limited(CONTACTS, remaining=0))
    assert send_times(budget, clock, [f"{BASE}companies"]) == [30.0]


def test_a_429_to_a_list_without_a_remaining_header_pauses_every_worker() -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=200)
    budget.update_from_response(prepared(CONTACTS), rate_limited(CONTACTS, remaining=None))
    assert send_times(budget, clock, [f"{BASE}companies"]) == [30.0]


def test_a_429_to_a_seven_credit_page_with_fewer_credits_left_is_the_accounts() -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=200)
    limited = rate_limited(TICKETS_WITH_INCLUDES, remaining=6)
    budget.update_from_response(prepared(TICKETS_WITH_INCLUDES), limited)
    assert send_times(budget, clock, [f"{BASE}companies"]) == [30.0]


def test_a_list_429_asking_hours_refuses_only_that_lists_requests() -> None:
    clock = SleepingClock()
    budget = budget_on(clock, total=200)
    limited = rate_limited(CONTACTS, remaining=150, retry_after="7200")
    budget.update_from_response(prepared(CONTACTS), limited)
    assert send_times(budget, clock, [f"{BASE}companies"]) == [0.0]
    with pytest.raises(AirbyteTracedException) as caught:
        budget.acquire_call(prepared(CONTACTS))
    assert caught.value.failure_type == FailureType.transient_error
    assert clock.slept == []


def test_a_429_that_arrives_while_a_request_waits_for_its_slot_holds_it_too() -> None:
    clock = SleepingClock()

    def another_worker_is_limited(seconds: float) -> None:
        clock.sleep(seconds)
        limited = rate_limited(f"{BASE}companies", remaining=0)
        budget.update_from_response(limited.request, limited)

    budget = FreshdeskAPIBudget(None, clock=clock, sleep=another_worker_is_limited)
    budget.pacer.observe(response_with({"X-RateLimit-Total": "200", "X-RateLimit-Remaining": "5"}))
    times = send_times(budget, clock, [f"{BASE}roles", f"{BASE}roles"])
    assert times[0] == 0.0
    assert times[1] >= 30.0  # its 0.3 s slot came up inside the 429's 30 s pause
