"""The API's quirks, reproduced by the sandbox: page caps, rate limits, plan gates, failures."""

from __future__ import annotations

import pytest

from integration_tests.freshdesk.conftest import ids, sync


@pytest.mark.slow
def test_tickets_beyond_page_300_are_all_read_once(sandbox_with) -> None:
    sandbox = sandbox_with(ticket_count=30_500, contact_count=50)

    output = sync(sandbox, ["tickets"])

    emitted = ids(output.records("tickets"))
    assert len(emitted) == len(set(emitted)) == len(sandbox.records("tickets")) > 30_000
    assert output.returncode == 0


@pytest.mark.slow
def test_more_than_30000_tickets_in_one_second_are_read_without_looping(sandbox_with) -> None:
    sandbox = sandbox_with(ticket_count=200, identical_updated_at_tickets=30_150, contact_count=60)

    output = sync(sandbox, ["tickets"])

    emitted = ids(output.records("tickets"))
    assert sorted(emitted) == sorted(ids(sandbox.records("tickets")))
    assert len(emitted) == len(set(emitted))
    assert any("share updated_at" in line for line in output.logs("WARN"))


def test_a_rate_limited_sync_waits_and_loses_nothing(sandbox_with) -> None:
    sandbox = sandbox_with(rate_limit_total=15, rate_limit_window_seconds=2.0, retry_after="float")

    output = sync(sandbox, ["tickets", "contacts", "companies"])

    assert output.returncode == 0 and not output.errors()
    for stream in ("tickets", "contacts", "companies"):
        assert sorted(ids(output.records(stream))) == sorted(ids(sandbox.records(stream)))


def test_plan_gated_streams_are_skipped_with_a_warning_and_the_rest_syncs(sandbox_with) -> None:
    sandbox = sandbox_with(disabled_features={"surveys", "timesheets"})

    output = sync(sandbox, ["surveys", "satisfaction_ratings", "time_entries", "groups"])

    assert output.returncode == 0 and not output.errors()
    warnings = " ".join(output.logs("WARN"))
    assert "Skipping stream 'time_entries'" in warnings and "Timesheets" in warnings
    assert "Skipping stream 'surveys'" in warnings
    assert output.summaries()["satisfaction_ratings"]["skipped"] != "-"
    assert len(output.records("groups")) == len(sandbox.records("groups"))


def test_a_plan_change_mid_sync_keeps_what_was_read(sandbox_with) -> None:
    sandbox = sandbox_with(time_entry_count=450)
    # Right after the first page: the estimate's page probes come next, then the second page.
    sandbox.gate_feature("timesheets", after_requests=1)

    output = sync(sandbox, ["time_entries"])

    assert output.returncode == 0 and not output.errors()
    assert len(output.records("time_entries")) == 100
    assert output.state_messages("time_entries")[-1]["stream"]["stream_state"] == {}


def test_a_non_admin_key_syncs_what_it_may_and_skips_admin_streams(sandbox_with) -> None:
    sandbox = sandbox_with()
    output = sync(sandbox, ["agents", "roles", "tickets"], api_key=sandbox.agent_api_key)

    assert output.returncode == 0
    assert not output.records("agents") and not output.records("roles")
    assert len(output.records("tickets")) == len(sandbox.records("tickets"))


def test_5xx_bursts_html_error_pages_and_malformed_json_are_retried(sandbox_with) -> None:
    sandbox = sandbox_with()
    sandbox.inject_errors(path_prefix="/api/v2/contacts", statuses=[502, 500], html_body=True)
    sandbox.inject_malformed_json(path_prefix="/api/v2/companies", count=1)

    output = sync(sandbox, ["contacts", "companies"])

    assert output.returncode == 0 and not output.errors()
    assert len(output.records("contacts")) == len(sandbox.records("contacts"))
    assert len(output.records("companies")) == len(sandbox.records("companies"))
    assert int(output.summaries()["contacts"]["retries"]) == 2
    assert int(output.summaries()["companies"]["retries"]) == 1


def test_skills_on_a_new_account_come_from_the_admin_route(sandbox_with) -> None:
    sandbox = sandbox_with()
    output = sync(sandbox, ["skills"])
    assert sorted(ids(output.records("skills"))) == sorted(ids(sandbox.records("skills")))
    assert sandbox.stats()["by_path"].get("/api/v2/admin/skills") == 1
