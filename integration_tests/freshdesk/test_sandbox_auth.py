"""Auth, domain, role, plan and suspension answers of the Freshdesk sandbox."""

from __future__ import annotations

import pytest
import requests

from integration_tests.freshdesk_sandbox import FreshdeskSandbox, SandboxSettings
from integration_tests.freshdesk_sandbox.testing import session_for

ADMIN_ONLY = [
    "agents",
    "roles",
    "groups",
    "admin/groups",
    "admin/skills",
    "email/mailboxes",
    "business_hours",
    "sla_policies",
]
OPEN_TO_AGENTS = ["tickets", "contacts", "companies", "settings/helpdesk"]


def small_settings(**overrides) -> SandboxSettings:
    defaults = dict(ticket_count=60, contact_count=40, company_count=10, time_entry_count=20)
    defaults.update(overrides)
    return SandboxSettings(**defaults)


@pytest.fixture(scope="module")
def sandbox():
    with FreshdeskSandbox(small_settings()) as running:
        yield running


def test_missing_credentials_get_401_invalid_credentials(sandbox):
    response = requests.get(f"{sandbox.base_url}/api/v2/tickets", timeout=5)
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "You have to be logged in to perform this action.",
    }


def test_wrong_key_gets_401_and_the_body_never_echoes_it(sandbox):
    response = requests.get(
        f"{sandbox.base_url}/api/v2/tickets", auth=("not-a-real-key", "X"), timeout=5
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert "not-a-real-key" not in response.text


@pytest.mark.parametrize("password", ["X", "", "unused_with_api_key"])
def test_any_password_is_accepted_with_the_key(sandbox, password):
    response = requests.get(
        f"{sandbox.base_url}/api/v2/settings/helpdesk", auth=(sandbox.api_key, password), timeout=5
    )
    assert response.status_code == 200
    assert response.json()["primary_language"] == "en"


@pytest.mark.parametrize("path", ADMIN_ONLY)
def test_agent_key_is_denied_admin_only_endpoints(sandbox, path):
    response = session_for(sandbox, sandbox.agent_api_key).get(f"{sandbox.base_url}/api/v2/{path}")
    assert response.status_code == 403
    assert response.json() == {
        "code": "access_denied",
        "message": "You are not authorized to perform this action.",
    }


@pytest.mark.parametrize("path", OPEN_TO_AGENTS)
def test_agent_key_reads_tickets_contacts_companies_and_settings(sandbox, path):
    response = session_for(sandbox, sandbox.agent_api_key).get(f"{sandbox.base_url}/api/v2/{path}")
    assert response.status_code == 200


def test_unknown_helpdesk_host_gets_404_html(sandbox):
    url = sandbox.base_url.replace("127.0.0.1", "localhost") + "/api/v2/tickets"
    response = session_for(sandbox).get(url)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


def test_new_accounts_answer_404_on_legacy_skills_route_but_serve_admin_skills(sandbox):
    session = session_for(sandbox)
    assert session.get(f"{sandbox.base_url}/api/v2/skills").status_code == 404
    admin = session.get(f"{sandbox.base_url}/api/v2/admin/skills")
    assert admin.status_code == 200
    assert admin.json() == sandbox.records("skills")


def test_legacy_skills_route_works_when_the_account_is_old():
    with FreshdeskSandbox(small_settings(legacy_skills_route_404=False)) as old:
        response = session_for(old).get(f"{old.base_url}/api/v2/skills")
        assert response.status_code == 200
        assert len(response.json()) == len(old.records("skills"))


@pytest.mark.parametrize(
    ("feature", "path", "label"),
    [
        ("surveys", "surveys", "Surveys"),
        ("surveys", "surveys/satisfaction_ratings", "Surveys"),
        ("timesheets", "time_entries", "Timesheets"),
        ("discussions", "discussions/categories", "Forums"),
        ("skills", "admin/skills", "Skill Based Round Robin"),
    ],
)
def test_disabled_plan_feature_gives_require_feature(feature, path, label):
    with FreshdeskSandbox(small_settings(disabled_features={feature})) as gated:
        response = session_for(gated).get(f"{gated.base_url}/api/v2/{path}")
        assert response.status_code == 403
        assert response.json() == {
            "code": "require_feature",
            "message": f"The {label} feature(s) is/are not supported in your plan. "
            "Please upgrade your account to use it.",
        }
        # Ungated endpoints are unaffected.
        assert session_for(gated).get(f"{gated.base_url}/api/v2/products").status_code == 200


def test_feature_gated_mid_sync_fails_after_n_more_successful_pages():
    with FreshdeskSandbox(small_settings(satisfaction_rating_count=100)) as sandbox:
        sandbox.gate_feature("surveys", after_requests=2)
        session = session_for(sandbox)
        url = f"{sandbox.base_url}/api/v2/surveys/satisfaction_ratings"
        statuses = [session.get(url, params={"page": page}).status_code for page in (1, 2, 3, 4)]
        assert statuses == [200, 200, 403, 403]
        assert session.get(url).json()["code"] == "require_feature"


def test_suspended_account_gets_account_suspended_everywhere():
    with FreshdeskSandbox(small_settings()) as sandbox:
        sandbox.suspend_account(True)
        session = session_for(sandbox)
        for path in ("tickets", "settings/helpdesk", "agents"):
            response = session.get(f"{sandbox.base_url}/api/v2/{path}")
            assert response.status_code == 403
            assert response.json()["code"] == "account_suspended"
        sandbox.suspend_account(False)
        assert session.get(f"{sandbox.base_url}/api/v2/tickets").status_code == 200


def test_non_json_accept_header_gets_406(sandbox):
    session = session_for(sandbox)
    refused = session.get(f"{sandbox.base_url}/api/v2/products", headers={"Accept": "text/xml"})
    assert refused.status_code == 406
    accepted = session.get(
        f"{sandbox.base_url}/api/v2/products", headers={"Accept": "application/json"}
    )
    assert accepted.status_code == 200
