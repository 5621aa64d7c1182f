"""Page/per_page validation, Link headers and the /tickets 300-page cap of the Freshdesk sandbox."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.freshdesk_sandbox.testing import session_for, walk

PAGE_300_BODY = {
    "description": "Validation failed",
    "errors": [
        {
            "field": "page",
            "message": "You cannot access tickets beyond the 300th page. "
            "Please provide a smaller page number.",
            "code": "invalid_value",
        }
    ],
}
SINCE = "2000-01-01T00:00:00Z"


def small_settings(**overrides) -> SandboxSettings:
    defaults = dict(ticket_count=120, contact_count=95, company_count=10, time_entry_count=20)
    defaults.update(overrides)
    return SandboxSettings(**defaults)


@pytest.fixture(scope="module")
def sandbox():
    with FreshdeskSandbox(small_settings()) as running:
        yield running


@pytest.fixture()
def session(sandbox):
    return session_for(sandbox)


def test_default_page_size_is_30(sandbox, session):
    response = session.get(f"{sandbox.base_url}/api/v2/contacts")
    assert len(response.json()) == 30


def test_link_repeats_every_original_param_and_advances_page(sandbox, session):
    params = {
        "updated_since": SINCE,
        "order_by": "updated_at",
        "order_type": "asc",
        "include": "description,requester,stats",
        "per_page": "7",
        "page": "2",
    }
    response = session.get(f"{sandbox.base_url}/api/v2/tickets", params=params)
    link = response.headers["Link"]
    assert link.endswith('>; rel="next"')
    next_url = response.links["next"]["url"]
    parsed = urlsplit(next_url)
    assert f"{parsed.scheme}://{parsed.netloc}" == sandbox.base_url
    assert parsed.path == "/api/v2/tickets"
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert query == {**params, "page": "3"}


def test_link_header_name_is_lowercase_on_tickets_raw_headers(sandbox, session):
    response = session.get(f"{sandbox.base_url}/api/v2/tickets", params={"updated_since": SINCE})
    raw_names = [name for name, _ in response.raw.headers.items()]
    assert "link" in raw_names and "Link" not in raw_names


def test_last_page_has_no_link(sandbox, session):
    records, responses = walk(session, f"{sandbox.base_url}/api/v2/contacts", {"per_page": 10})
    assert len(records) == 95
    assert len(responses) == 10
    assert "Link" not in responses[-1].headers
    assert len({r["id"] for r in records}) == 95


def test_exactly_full_last_page_has_no_link_by_default(sandbox, session):
    _, responses = walk(session, f"{sandbox.base_url}/api/v2/contacts", {"per_page": 19})
    assert [len(r.json()) for r in responses] == [19] * 5


def test_full_last_page_can_advertise_next_leading_to_an_empty_page():
    with FreshdeskSandbox(small_settings(full_last_page_advertises_next=True)) as sandbox:
        _, responses = walk(
            session_for(sandbox), f"{sandbox.base_url}/api/v2/contacts", {"per_page": 19}
        )
        assert [len(r.json()) for r in responses] == [19] * 5 + [0]


def test_no_space_link_style():
    with FreshdeskSandbox(small_settings(link_style="no_space")) as sandbox:
        response = session_for(sandbox).get(f"{sandbox.base_url}/api/v2/contacts")
        assert response.headers["Link"].endswith('>;rel="next"')


def test_docs_example_link_style_puts_a_space_inside_the_angle_bracket():
    with FreshdeskSandbox(small_settings(link_style="docs_example")) as sandbox:
        response = session_for(sandbox).get(f"{sandbox.base_url}/api/v2/contacts")
        link = response.headers["Link"]
        assert link.startswith("< http://") and link.endswith('>;rel="next"')
        assert response.links["next"]["url"].endswith("page=2")


def test_omit_per_page_link_style_drops_per_page_from_next_url():
    with FreshdeskSandbox(small_settings(link_style="omit_per_page")) as sandbox:
        session = session_for(sandbox)
        response = session.get(f"{sandbox.base_url}/api/v2/contacts", params={"per_page": 50})
        next_url = response.links["next"]["url"]
        assert "per_page" not in next_url
        # Following it naively falls back to the default page size.
        assert len(session.get(next_url).json()) == 30


@pytest.mark.parametrize("per_page", ["101", "0", "-1", "abc", ""])
def test_invalid_per_page_is_rejected(sandbox, session, per_page):
    response = session.get(f"{sandbox.base_url}/api/v2/contacts", params={"per_page": per_page})
    assert response.status_code == 400
    body = response.json()
    assert body["description"] == "Validation failed"
    assert [e["field"] for e in body["errors"]] == ["per_page"]


def test_per_page_100_is_accepted(sandbox, session):
    response = session.get(
        f"{sandbox.base_url}/api/v2/tickets", params={"updated_since": SINCE, "per_page": 100}
    )
    assert response.status_code == 200
    assert len(response.json()) == 100


def test_unknown_query_param_is_rejected_as_invalid_field(sandbox, session):
    response = session.get(f"{sandbox.base_url}/api/v2/products", params={"updated_since": SINCE})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "updated_since",
            "message": "Unexpected/invalid field in request",
            "code": "invalid_field",
        }
    ]


def test_page_beyond_data_is_an_empty_list_without_link(sandbox, session):
    response = session.get(f"{sandbox.base_url}/api/v2/contacts", params={"page": 50})
    assert response.status_code == 200
    assert response.json() == []
    assert "Link" not in response.headers


def test_only_tickets_are_page_capped():
    with FreshdeskSandbox(small_settings(max_ticket_pages=5)) as capped:
        session = session_for(capped)
        tickets = session.get(
            f"{capped.base_url}/api/v2/tickets", params={"updated_since": SINCE, "page": 6}
        )
        assert tickets.status_code == 400
        assert "beyond the 5th page" in tickets.json()["errors"][0]["message"]
        contacts = session.get(
            f"{capped.base_url}/api/v2/contacts", params={"per_page": 1, "page": 95}
        )
        assert contacts.status_code == 200
        assert len(contacts.json()) == 1


def test_tickets_page_301_gets_the_exact_300th_page_body():
    with FreshdeskSandbox(SandboxSettings(ticket_count=31_000)) as sandbox:
        session = session_for(sandbox)
        url = f"{sandbox.base_url}/api/v2/tickets"
        params = {"updated_since": SINCE, "order_by": "updated_at", "order_type": "asc"}
        page_300 = session.get(url, params={**params, "per_page": 100, "page": 300})
        assert page_300.status_code == 200
        assert len(page_300.json()) == 100
        assert "next" in page_300.links  # the API still advertises page 301
        page_301 = session.get(page_300.links["next"]["url"])
        assert page_301.status_code == 400
        assert page_301.json() == PAGE_300_BODY
