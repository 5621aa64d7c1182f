"""How responses are judged: retries, Retry-After, skipped streams, clear config errors."""

from __future__ import annotations

import requests
from airbyte_cdk.models import FailureType, SyncMode

from unit_tests.freshdesk.conftest import API_KEY, BASE, page_response, record, records_of, run_read

FEATURE_403 = {
    "code": "require_feature",
    "message": "The Timesheets feature(s) is/are not supported in your plan. Please upgrade your account to use it.",
}


def errors_of(output) -> list:
    return [m.trace.error for m in output.errors]


def test_retry_after_is_obeyed_and_fractions_are_kept(api, no_sleep) -> None:
    api.get(
        f"{BASE}roles",
        [
            {"status_code": 429, "headers": {"Retry-After": "2.5"}, "json": {}},
            page_response([record(1, "2024-01-01T00:00:00Z")]),
        ],
    )
    output = run_read(["roles"])

    assert len(records_of(output, "roles")) == 1
    assert 3.5 in no_sleep  # the CDK adds one second to the value we return


def test_html_502_burst_is_retried_without_crashing(api) -> None:
    api.get(
        f"{BASE}products",
        [
            {"status_code": 502, "text": "<html><body>Bad gateway</body></html>"},
            {"status_code": 503, "text": ""},
            page_response([record(1, "2024-01-01T00:00:00Z")]),
        ],
    )
    output = run_read(["products"])
    assert len(records_of(output, "products")) == 1 and not output.errors


def test_timeouts_and_connection_resets_are_retried(api) -> None:
    api.get(
        f"{BASE}products",
        [
            {"exc": requests.exceptions.ReadTimeout("read timed out")},
            {"exc": requests.exceptions.ConnectionError("Connection reset by peer")},
            page_response([record(1, "2024-01-01T00:00:00Z")]),
        ],
    )
    output = run_read(["products"])
    assert len(records_of(output, "products")) == 1 and not output.errors
    assert api.request_history[0].timeout == (15, 120)


def test_malformed_json_is_retried_then_read(api) -> None:
    api.get(
        f"{BASE}products",
        [
            {"status_code": 200, "text": '[{"id": 1, "upda'},
            page_response([record(1, "2024-01-01T00:00:00Z")]),
        ],
    )
    output = run_read(["products"])
    assert len(records_of(output, "products")) == 1


def test_wrong_api_key_is_a_config_error_that_names_the_key_without_leaking_it(api) -> None:
    api.get(f"{BASE}roles", status_code=401, json={"code": "invalid_credentials", "message": "x"})
    output = run_read(["roles"])

    (error, *_) = errors_of(output)
    assert error.failure_type == FailureType.config_error
    assert "`api_key`" in error.message
    assert API_KEY not in str([m for m in output._messages])


def test_plan_gated_stream_is_skipped_with_a_warning_naming_the_feature(api) -> None:
    api.get(f"{BASE}time_entries", status_code=403, json=FEATURE_403)
    api.get(f"{BASE}roles", json=[record(1, "2024-01-01T00:00:00Z")])
    output = run_read(["time_entries", "roles"])

    assert not output.errors
    assert output.is_in_logs("Skipping stream 'time_entries'.*Timesheets feature")
    assert len(records_of(output, "roles")) == 1


def test_plan_change_mid_sync_keeps_what_was_read_and_does_not_advance_the_cursor(api) -> None:
    api.get(
        f"{BASE}time_entries",
        [
            page_response([record(1, "2024-02-01T00:00:00Z")], next_query="page=2"),
            {"status_code": 403, "json": FEATURE_403},
        ],
    )
    output = run_read(
        ["time_entries"], state={"time_entries": {"updated_at": "2024-01-01T00:00:00Z"}}
    )

    assert [r["id"] for r in records_of(output, "time_entries")] == [1]
    assert not output.errors
    states = [s.state.stream.stream_state.__dict__ for s in output.state_messages]
    assert states[-1] == {"updated_at": "2024-01-01T00:00:00Z"}


def test_skills_fall_back_to_the_admin_route_on_404(api) -> None:
    api.get(f"{BASE}skills", status_code=404, json={"message": "not found"})
    api.get(f"{BASE}admin/skills", json=[record(5, "2024-01-01T00:00:00Z")])
    output = run_read(["skills"])
    assert [r["id"] for r in records_of(output, "skills")] == [5]


def test_unknown_domain_html_404_is_a_config_error(api) -> None:
    api.get(f"{BASE}sla_policies", status_code=404, text="<html>No such helpdesk</html>")
    output = run_read(["sla_policies"], sync_mode=SyncMode.full_refresh)
    (error, *_) = errors_of(output)
    assert error.failure_type == FailureType.config_error
    assert "`domain`" in error.message


def test_exhausted_retries_are_a_transient_error_and_earlier_records_stay(api) -> None:
    api.get(
        f"{BASE}sla_policies",
        [page_response([{"id": 1}], next_query="page=2")] + [{"status_code": 500, "json": {}}] * 10,
    )
    output = run_read(["sla_policies"], sync_mode=SyncMode.full_refresh)

    assert len(records_of(output, "sla_policies")) == 1
    assert errors_of(output)[0].failure_type == FailureType.transient_error
